/* scormbuild state codec: the player's whole state as one short string.
 * SCORM 1.2 limits cmi.suspend_data to 4,096 characters, so the format is compact (an adapter
 * with more room, SCORM 2004's 64,000, says so as `stateLimit`; the player passes it on):
 *   "1" + fingerprint ~ page ~ seen-bits ~ quiz records ~ active attempts
 * An active attempt: quiz:seed:cursor:order:checked-bits:answers:started (epoch seconds).
 * Loaded in the browser (window.ScormbuildState) and in Node for unit tests. */
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.ScormbuildState = factory();
}(typeof self !== 'undefined' ? self : this, function () {
  'use strict';
  var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  var FILL_IN_MAX = 120;  /* escaped characters kept of one fill-in answer */
  var NUMERIC_MAX = 40;
  var LIMIT = 4096;      /* SCORM 1.2 cmi.suspend_data is CMIString4096 */
  /* attempts saved for a quiz without a limit: more changes nothing (the player only asks
   * whether a quiz was tried) and the cap keeps every record within statesize.py's estimate */
  var UNLIMITED_ATTEMPTS_MAX = 36 * 36 - 1;

  /** Four characters that change when pages or quizzes are added, removed or reordered. */
  function fingerprint(data) {
    var text = data.pages.map(function (p) { return p.id; }).join('/');
    var h = 2166136261;
    for (var i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 16777619); }
    return ((h >>> 0) % 1679616).toString(36).padStart(4, '0');
  }

  function quizNames(data) { return Object.keys(data.quizzes).sort(); }

  function fresh(data) {
    return { page: 0, seen: data.pages.map(function () { return false; }), quizzes: {}, active: {} };
  }

  function encodeBits(bits) {
    var out = '';
    for (var i = 0; i < bits.length; i += 6) {
      var v = 0;
      for (var j = 0; j < 6; j++) if (bits[i + j]) v |= 1 << j;
      out += B64[v];
    }
    return out;
  }

  function decodeBits(text, n) {
    var bits = [];
    for (var i = 0; i < n; i++) {
      var v = B64.indexOf(text.charAt(Math.floor(i / 6)));
      bits.push(v >= 0 && ((v >> (i % 6)) & 1) === 1);
    }
    return bits;
  }

  function escapeChar(c) {
    return encodeURIComponent(c).replace(/[.~!*'()]/g, function (x) {
      return '%' + x.charCodeAt(0).toString(16).toUpperCase();
    });
  }

  /** Escaped text of at most `cap` characters; `cut` tells whether the text was shortened. */
  function escapeCapped(text, cap) {
    var out = '', chars = Array.from(String(text));
    for (var i = 0; i < chars.length; i++) {
      var piece = escapeChar(chars[i]);
      if (out.length + piece.length > cap) return { text: out, cut: true };
      out += piece;
    }
    return { text: out, cut: false };
  }

  /* Fill-in answers: '*' + index when the text is one of the accepted answers (scores the same,
   * costs two characters), '(' + a shortened text when the budget forced a cut, else the text. */
  function encodeAnswer(q, r, cap) {
    if (r === undefined || r === null) return '';
    switch (q.type) {
      case 'multiple': case 'ordering': return r.join('');
      case 'matching': return q.sources.map(function (s) { return r[s.id] || '_'; }).join('');
      case 'fill-in': {
        var given = norm(r, q.caseSensitive);
        for (var k = 0; k < (q.answers || []).length; k++) {
          if (norm(q.answers[k], q.caseSensitive) === given) return '*' + k.toString(36);
        }
        var e = escapeCapped(r, cap);
        return e.cut ? '(' + e.text : e.text;
      }
      case 'numeric': return escapeCapped(r, NUMERIC_MAX).text;
      default: return String(r);
    }
  }

  function norm(text, caseSensitive) {
    var folded = String(text).trim().split(/\s+/).join(' ');
    return caseSensitive ? folded : folded.toLowerCase();
  }

  function decodeAnswer(q, text) {
    if (text === '') return undefined;
    switch (q.type) {
      case 'multiple': case 'ordering': return text.split('');
      case 'matching': {
        var r = {};
        q.sources.forEach(function (s, i) { if (text.charAt(i) && text.charAt(i) !== '_') r[s.id] = text.charAt(i); });
        return r;
      }
      case 'fill-in':
        if (text.charAt(0) === '*') return (q.answers || [])[parseInt(text.slice(1), 36)];
        if (text.charAt(0) === '(') return decodeURIComponent(text.slice(1)) + '\u2026';
        return decodeURIComponent(text);
      case 'numeric': return decodeURIComponent(text);
      default: return text;
    }
  }

  /** The quiz shown on the state's page, or null: its attempt in progress is never dropped. */
  function currentQuiz(state, data) {
    var page = data.pages[state.page];
    return page && page.kind === 'quiz' && data.quizzes[page.id] ? page.id : null;
  }

  /** Attempts in progress other than the current page's, the first to give up first:
   *  ungraded knowledge checks before graded quizzes; then attempts with nothing in them yet
   *  (no answer, no check, clock not started) before the others; then the quiz farthest from
   *  the current page in the outline, the later page on a tie. */
  function dropOrder(state, data, names) {
    var current = currentQuiz(state, data);
    var at = {};
    data.pages.forEach(function (p, i) { if (p.kind === 'quiz') at[p.id] = i; });
    function touched(run) {
      return !!run.started || Object.keys(run.answers || {}).length > 0 ||
        Object.keys(run.checked || {}).some(function (k) { return run.checked[k]; });
    }
    function key(name) {
      var i = at[name] === undefined ? data.pages.length : at[name];
      return [data.quizzes[name].graded ? 1 : 0, touched(state.active[name]) ? 1 : 0,
        -Math.abs(i - state.page), -i];
    }
    return names.filter(function (n) { return n !== current; }).sort(function (a, b) {
      var ka = key(a), kb = key(b);
      for (var k = 0; k < ka.length; k++) if (ka[k] !== kb[k]) return ka[k] - kb[k];
      return a < b ? -1 : a > b ? 1 : 0;
    });
  }

  /** Encode the state in at most `limit` characters (default LIMIT); `active` holds at most one attempt in
   *  progress per quiz. When the whole state does not fit, the codec gives up, in this order:
   *  1. ungraded attempts in progress other than the current page's, one at a time in dropOrder();
   *  2. the end of long fill-in answers in what is left (the longest cap that fits), when that is
   *     enough: a graded attempt's answers count toward the score, the end of a long answer rarely;
   *  3. graded attempts in progress on other pages, one at a time in dropOrder(), trying 2 again
   *     after each; the current page's attempt is never dropped for another;
   *  4. the current page's attempt: only for a course that holds more than `check` accepts
   *     (statesize.py makes a course whose smallest saved state does not fit an error). */
  function encode(state, data, limit) {
    var budget = limit > 0 ? limit : LIMIT;
    var active = state.active || {};
    var names = quizNames(data).filter(function (n) { return active[n]; });
    var head = encodeHead(state, data);
    var runs = encodeRuns(state, data, names, FILL_IN_MAX);
    var kept = names.slice();
    var order = dropOrder(state, data, names);
    for (var d = 0; ; d++) {
      var text = join(head, runs, kept);
      if (text.length <= budget) return text;
      var next = order[d];
      if (next === undefined || data.quizzes[next].graded) {
        var shortened = shorten(state, data, head, kept, budget);
        if (shortened !== null) return shortened;
        if (next === undefined) return join(head, {}, []);
      }
      kept.splice(kept.indexOf(next), 1);
    }
  }

  /** The kept attempts with fill-in answers cut to the longest cap that fits; null when none does. */
  function shorten(state, data, head, kept, budget) {
    function size(cap) { return join(head, encodeRuns(state, data, kept, cap), kept).length; }
    if (size(0) > budget) return null;
    var lo = 0, hi = FILL_IN_MAX; /* largest cap that fits */
    while (lo < hi) {
      var mid = Math.ceil((lo + hi) / 2);
      if (size(mid) <= budget) lo = mid; else hi = mid - 1;
    }
    return join(head, encodeRuns(state, data, kept, lo), kept);
  }

  function join(head, runs, kept) {
    return head + kept.map(function (n) { return runs[n]; }).join('!');
  }

  function encodeHead(state, data) {
    var records = [];
    quizNames(data).forEach(function (name, i) {
      var rec = state.quizzes[name];
      if (!rec || !rec.attempts) return;
      var attempts = data.quizzes[name].attempts ? rec.attempts : Math.min(rec.attempts, UNLIMITED_ATTEMPTS_MAX);
      var best = rec.best === null || rec.best === undefined ? '' : Math.round(rec.best * 100).toString(36);
      records.push(i.toString(36) + '.' + attempts.toString(36) + '.' + best);
    });
    return ['1' + fingerprint(data), state.page.toString(36), encodeBits(state.seen), records.join(','), ''].join('~');
  }

  /** name -> encoded attempt in progress, for the given quiz names (kept in quizNames order). */
  function encodeRuns(state, data, names, cap) {
    var index = {}, out = {};
    quizNames(data).forEach(function (name, i) { index[name] = i; });
    names.forEach(function (name) {
      var run = state.active[name];
      var quiz = data.quizzes[name];
      var answers = run.order.map(function (qi) { return encodeAnswer(quiz.questions[qi], run.answers[qi], cap); });
      var checked = encodeBits(run.order.map(function (qi) { return !!run.checked[qi]; }));
      var started = run.started ? Math.floor(run.started / 1000).toString(36) : '';
      out[name] = [index[name].toString(36), run.seed.toString(36), run.cursor.toString(36),
        run.order.map(function (qi) { return qi.toString(36); }).join('.'), checked, answers.join(','), started].join(':');
    });
    return out;
  }

  /** Decode a string made by encode(); null when it is not ours or the course changed. */
  function decode(text, data) {
    if (typeof text !== 'string' || text.charAt(0) !== '1') return null;
    var parts = text.split('~');
    if (parts.length !== 5 || parts[0].slice(1) !== fingerprint(data)) return null;
    var names = quizNames(data);
    var state = fresh(data);
    try {
      var page = parseInt(parts[1], 36);
      state.page = page >= 0 && page < data.pages.length ? page : 0;
      state.seen = decodeBits(parts[2], data.pages.length);
      if (parts[3]) parts[3].split(',').forEach(function (rec) {
        var f = rec.split('.');
        var name = names[parseInt(f[0], 36)];
        if (!name) return;
        state.quizzes[name] = { attempts: parseInt(f[1], 36), best: f[2] === '' ? null : parseInt(f[2], 36) / 100 };
      });
      if (parts[4]) parts[4].split('!').forEach(function (run) {
        var f = run.split(':');
        var name = names[parseInt(f[0], 36)];
        if (!name) return;
        var quiz = data.quizzes[name];
        var order = f[3] ? f[3].split('.').map(function (x) { return parseInt(x, 36); }) : [];
        if (order.some(function (qi) { return !(qi >= 0 && qi < quiz.questions.length); })) return;
        var checkedBits = decodeBits(f[4], order.length);
        var answerTexts = f[5].split(',');
        var answers = {}, checked = {};
        order.forEach(function (qi, k) {
          var value = decodeAnswer(quiz.questions[qi], answerTexts[k] || '');
          if (value !== undefined) answers[qi] = value;
          if (checkedBits[k]) checked[qi] = true;
        });
        state.active[name] = { seed: parseInt(f[1], 36), cursor: Math.min(parseInt(f[2], 36), Math.max(order.length - 1, 0)),
          order: order, answers: answers, checked: checked, started: f[6] ? parseInt(f[6], 36) * 1000 : null };
      });
    } catch (e) {
      return null;
    }
    return state;
  }

  return { encode: encode, decode: decode, fresh: fresh, fingerprint: fingerprint, dropOrder: dropOrder,
    FILL_IN_MAX: FILL_IN_MAX, LIMIT: LIMIT };
}));
