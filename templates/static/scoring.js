/* scormbuild scoring: question scoring, drawing and shuffling. Knows nothing of any LMS.
 * Loaded in the browser (window.ScormbuildScoring) and in Node for unit tests. */
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.ScormbuildScoring = factory();
}(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  function normalizeText(text, caseSensitive) {
    var folded = String(text).trim().split(/\s+/).join(' ');
    return caseSensitive ? folded : folded.toLowerCase();
  }

  /** Does a fill-in pattern's machine (a DFA built by scormbuild, see patterns.py) accept the
   * whole text? One step per character: time is linear in the answer, whatever the pattern. */
  function runMachine(machine, text) {
    var state = 0;
    for (var i = 0; i < text.length;) {
      var code = text.codePointAt(i), row = machine.rows[state], next = -1;
      i += code > 0xffff ? 2 : 1;
      for (var k = 0; k < row.length; k += 3) {
        if (code >= row[k] && code <= row[k + 1]) { next = row[k + 2]; break; }
      }
      if (next < 0) return false;
      state = next;
    }
    return machine.accept.indexOf(state) >= 0;
  }

  /** The number in a learner's text, or null when it is not one. `decimal` is the course
   *  language's decimal mark (decimalMark()): with ',' both '3,5' and '3.5' are 3.5; with '.'
   *  a comma is refused ('1,000' or '3,5' would be a guess), so the learner is asked again. */
  function parseNumber(value, decimal) {
    if (typeof value === 'number') return isFinite(value) ? value : null;
    var text = String(value === undefined || value === null ? '' : value).trim();
    if (decimal === ',') text = text.replace(',', '.');
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
    return parseFloat(text);
  }

  /** The decimal mark of a language (BCP 47 tag): ',' for de, es, fr..., else '.'. */
  function decimalMark(language) {
    try {
      var parts = new Intl.NumberFormat(language || 'en').formatToParts(1.5);
      for (var i = 0; i < parts.length; i++) if (parts[i].type === 'decimal') return parts[i].value === ',' ? ',' : '.';
    } catch (e) { /* an unknown tag: the point */ }
    return '.';
  }

  function correctIds(q) {
    return (q.choices || []).filter(function (c) { return c.correct; }).map(function (c) { return c.id; });
  }

  /** Is there a response worth scoring? */
  function isAnswered(q, r) {
    if (r === undefined || r === null) return false;
    switch (q.type) {
      case 'multiple': case 'ordering': return Array.isArray(r) && r.length > 0;
      case 'matching': return typeof r === 'object' && q.sources.every(function (s) { return !!r[s.id]; });
      case 'numeric': return parseNumber(r, q.decimal) !== null;
      default: return String(r).trim() !== '';
    }
  }

  /** Fraction (0..1) of the question's points that a response earns. */
  function scoreQuestion(q, r) {
    if (!isAnswered(q, r)) return 0;
    switch (q.type) {
      case 'single': case 'true-false':
        return correctIds(q).indexOf(r) >= 0 ? 1 : 0;
      case 'multiple': {
        var correct = correctIds(q), picked = r;
        var right = picked.filter(function (id) { return correct.indexOf(id) >= 0; }).length;
        var wrong = picked.length - right;
        if (!q.partial) return right === correct.length && wrong === 0 ? 1 : 0;
        return Math.max(0, (right - wrong) / correct.length);
      }
      case 'fill-in': {
        var given = normalizeText(r, q.caseSensitive);
        for (var i = 0; i < q.answers.length; i++) {
          if (normalizeText(q.answers[i], q.caseSensitive) === given) return 1;
        }
        return q.machine ? (runMachine(q.machine, given) ? 1 : 0) : 0;
      }
      case 'numeric': {
        var n = parseNumber(r, q.decimal);
        if (q.answer !== null && q.answer !== undefined) return Math.abs(n - q.answer) <= (q.tolerance || 0) + 1e-9 ? 1 : 0;
        return n >= q.min && n <= q.max ? 1 : 0;
      }
      case 'matching':
        return q.pairs.every(function (p) { return r[p[0]] === p[1]; }) ? 1 : 0;
      case 'ordering': {
        var ids = q.items.map(function (i) { return i.id; });
        if (!q.partial || r.length !== ids.length) return r.join('') === ids.join('') ? 1 : 0;
        /* partial: each item in its correct position earns 1/n (Moodle's "absolute position") */
        return ids.filter(function (id, k) { return r[k] === id; }).length / ids.length;
      }
      default:
        return 0; // likert: opinions are not scored
    }
  }

  function isScored(q) { return q.type !== 'likert'; }

  /** A small seeded generator (mulberry32), so a resumed attempt draws the same questions. */
  function rng(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function shuffle(list, random) {
    var out = list.slice();
    for (var i = out.length - 1; i > 0; i--) {
      var j = Math.floor(random() * (i + 1));
      var tmp = out[i]; out[i] = out[j]; out[j] = tmp;
    }
    return out;
  }

  /** Ids of a question's choices (single, multiple), matching targets (the dropdown options) or
   *  ordering items in the order one attempt shows them; null when they are shown as written.
   *  Deterministic from the attempt's seed and the question's index in the quiz, so the saved
   *  seed is all the state needs to show a resumed attempt the same way (a new attempt has a
   *  new seed, so a new order). A `fixed` choice keeps its written position; ordering items are
   *  always shuffled, and never start in the correct order when another order exists. */
  function shownOrder(q, seed, index) {
    var ordering = q.type === 'ordering';
    var list = ordering ? q.items : q.type === 'matching' ? q.targets : q.choices;
    if ((!q.shuffle && !ordering) || !list || list.length < 2) return null;
    var random = rng((seed ^ Math.imul(index + 1, 0x9E3779B1)) >>> 0);
    var written = list.map(function (c) { return c.id; });
    var mixed = shuffle(list.filter(function (c) { return !c.fixed; }).map(function (c) { return c.id; }), random);
    var shown = list.map(function (c) { return c.fixed ? c.id : mixed.shift(); });
    if (ordering && shown.join('') === written.join('')) shown.push(shown.shift());
    return shown;
  }

  /** Indices of the questions of one attempt, in the order shown. */
  function drawQuestions(quiz, seed) {
    var random = rng(seed);
    var all = quiz.questions.map(function (_, i) { return i; });
    var picked = all;
    if (quiz.pools && quiz.pools.length) {
      var used = {};
      picked = [];
      quiz.pools.forEach(function (pool) {
        var tagged = all.filter(function (i) { return !used[i] && quiz.questions[i].tags.indexOf(pool.tag) >= 0; });
        shuffle(tagged, random).slice(0, pool.draw).sort(function (a, b) { return a - b; })
          .forEach(function (i) { used[i] = true; picked.push(i); });
      });
    }
    return quiz.shuffleQuestions ? shuffle(picked, random) : picked;
  }

  /** Points and percentage of one attempt. */
  function scoreAttempt(quiz, order, responses) {
    var points = 0, max = 0;
    order.forEach(function (i) {
      var q = quiz.questions[i];
      if (!isScored(q)) return;
      max += q.points;
      points += q.points * scoreQuestion(q, responses[i]);
    });
    var percent = max > 0 ? Math.round((points / max) * 10000) / 100 : 0;
    return { points: points, max: max, percent: percent, passed: percent >= quiz.passMark };
  }

  /** Does a quiz count toward the course score? Graded, with a weight above 0. */
  function counts(quiz) { return !!quiz.graded && quiz.weight > 0; }

  /** The course score: counting quizzes' best percentages, weighted; null until all were tried. */
  function courseScore(data, records) {
    var total = 0, weights = 0, all = true;
    Object.keys(data.quizzes).forEach(function (name) {
      var quiz = data.quizzes[name];
      if (!counts(quiz)) return;
      var rec = records[name];
      if (!rec || rec.best === null || rec.best === undefined) { all = false; return; }
      total += quiz.weight * rec.best;
      weights += quiz.weight;
    });
    if (!all || weights === 0) return null;
    return Math.round((total / weights) * 100) / 100;
  }

  return {
    normalizeText: normalizeText, runMachine: runMachine, parseNumber: parseNumber,
    decimalMark: decimalMark, isAnswered: isAnswered, shownOrder: shownOrder,
    scoreQuestion: scoreQuestion, isScored: isScored, rng: rng, shuffle: shuffle,
    drawQuestions: drawQuestions, scoreAttempt: scoreAttempt, courseScore: courseScore,
    correctIds: correctIds, counts: counts
  };
}));
