/* scormbuild player: navigation, quizzes, completion rules and saved state.
 * Knows nothing of SCORM or xAPI: it talks to window.ScormbuildTracking (one adapter per target). */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('course-data').textContent);
  var Scoring = window.ScormbuildScoring, Codec = window.ScormbuildState;
  var strings = data.strings;
  var pages = data.pages;
  /* numeric answers are read with the course language's decimal mark (3,5 in de, es, fr) */
  var decimal = Scoring.decimalMark(data.language);
  Object.keys(data.quizzes).forEach(function (n) {
    data.quizzes[n].questions.forEach(function (q) { if (q.type === 'numeric') q.decimal = decimal; });
  });
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  function t(key, vars) {
    var text = strings[key] || key;
    Object.keys(vars || {}).forEach(function (k) { text = text.split('{' + k + '}').join(String(vars[k])); });
    return text;
  }

  var notice = $('#notice');
  function showNotice(text, kind) {
    notice.textContent = text;
    notice.className = 'notice notice-' + (kind || 'info');
    notice.hidden = false;
  }

  var tracker = window.ScormbuildTracking.create(data, {
    onError: function () { showNotice(t('lms_error'), 'warning'); }
  });
  var state = Codec.fresh(data);
  var runs = {};          /* quiz name -> attempt in progress: {seed, order, cursor, answers, checked} */
  var shownAt = {};       /* "quiz/index" -> when the question was shown (for latency) */
  var closed = false;     /* the session is over: finish() ran (Exit, or pagehide) */
  var exited = false;     /* the learner pressed Exit: nothing more after it, bfcache or not */
  /* The launch (adapter start): mode normal | review | browse, credit true | false.
   * review: saved answers and results, read-only, nothing written; browse: look around,
   * nothing written; no credit: state and place are saved, never a status or score. */
  var mode = 'normal', credit = true;
  var gaveUp = false;     /* the learner chose to finish with a failing score (results screen) */
  var COMMIT_DELAY = 1500; /* ms after the last page change before its commit */
  var commitTimer = null;

  function reviewing() { return mode === 'review'; }
  function recording() { return mode === 'normal'; }           /* place and saved state */
  function crediting() { return mode === 'normal' && credit; } /* status, score, interactions */

  /* ---- state and tracking --------------------------------------------------------------- */

  /** Every lesson seen; reference pages (glossary, further reading) are not required. */
  function lessonsDone() {
    return pages.every(function (p, i) { return p.kind !== 'lesson' || p.reference || state.seen[i]; });
  }

  /** Quizzes that count toward the course score (graded, weight above 0). */
  function gradedNames() {
    return Object.keys(data.quizzes).filter(function (n) { return Scoring.counts(data.quizzes[n]); });
  }

  function attemptsLeft(name) {
    var quiz = data.quizzes[name], rec = state.quizzes[name];
    if (gaveUp && quiz.graded) return 0;
    if (!quiz.attempts) return Infinity;
    return quiz.attempts - (rec ? rec.attempts : 0);
  }

  /** Can the course score still reach the pass mark with the attempts left (each scored 100%)? */
  function canStillPass() {
    var hoped = {};
    Object.keys(state.quizzes).forEach(function (n) { hoped[n] = state.quizzes[n]; });
    gradedNames().forEach(function (n) {
      if (attemptsLeft(n) > 0) hoped[n] = { attempts: 0, best: 100 };
    });
    var best = Scoring.courseScore(data, hoped);
    return best !== null && best >= data.passMark;
  }

  /** Status and score by the course's completion rule, mindful that with a mastery score the
   *  LMS turns any reported score into passed/failed: a score is only reported when the
   *  status it implies is the status we mean. The attempt policy (docs/moodle.md): a failing
   *  score while attempts that could still lift it remain is not reported (status incomplete,
   *  `failing`), so the LMS attempt stays open; failed and its score come when no such attempt
   *  is left or the learner chose to finish (gaveUp). */
  function evaluate() {
    var rule = data.completion;
    var graded = gradedNames();
    var score = Scoring.courseScore(data, state.quizzes);
    var viewed = !rule.allLessonsViewed || lessonsDone();
    if (rule.assessmentPassed && graded.length) {
      if (score === null) return { status: 'incomplete', score: null, finished: false };
      if (score >= data.passMark) {
        return viewed ? { status: 'passed', score: score, finished: true }
          : { status: 'incomplete', score: null, finished: false };
      }
      if (canStillPass()) return { status: 'incomplete', score: null, finished: false, failing: score };
      return { status: 'failed', score: score, finished: true };
    }
    return { status: viewed ? 'completed' : 'incomplete', score: score, finished: viewed };
  }

  /* Commits (LMSCommit is a blocking request in Moodle) only at moments that matter:
   * save('page') after a page change, debounced; save('now') when a quiz attempt is submitted,
   * the learner finishes, or a scenario ends; save() for a change inside a quiz (next question,
   * a checked answer): set, committed with the next commit or by LMSFinish at exit. */
  function commitNow() {
    if (commitTimer) { window.clearTimeout(commitTimer); commitTimer = null; }
    if (recording() && !closed) tracker.commit();
  }

  var lastStatus = null;
  function save(moment) {
    var result = evaluate();
    if (crediting()) tracker.progress(result);
    if (recording()) tracker.saveState(Codec.encode(Object.assign({}, state, { active: runs }), data, tracker.stateLimit));
    if (moment === 'now') commitNow();
    else if (moment === 'page' && recording() && !closed) {
      if (commitTimer) window.clearTimeout(commitTimer);
      commitTimer = window.setTimeout(commitNow, COMMIT_DELAY);
    }
    if (result.status !== lastStatus && lastStatus !== null && crediting()) announceStatus(result);
    lastStatus = result.status;
    updateProgress();
    return result;
  }

  function announceStatus(result) {
    var key = { completed: 'course_complete', passed: 'course_passed', failed: 'course_failed' }[result.status];
    /* failed while tries are left: the pass mark is out of reach, but the learner is not done */
    if (result.status === 'failed' && !gaveUp && gradedNames().some(function (n) { return attemptsLeft(n) > 0; })) {
      key = 'course_out_of_reach';
    }
    if (key) showNotice(t(key, { mark: data.passMark }), result.status === 'failed' ? 'warning' : 'success');
  }

  /* ---- navigation ------------------------------------------------------------------------- */

  var sections = pages.map(function (p) { return document.getElementById('page-' + p.id); });
  var tocLinks = $$('#toc a[data-page]');

  function updateProgress() {
    var total = pages.length, done = state.seen.filter(Boolean).length;
    var bar = $('#progress');
    bar.max = total;
    bar.value = done;
    $('#progress-text').textContent = t('progress_label', { done: done, total: total });
    tocLinks.forEach(function (a) {
      var i = pageIndex(a.getAttribute('data-page'));
      a.parentNode.classList.toggle('seen', !!state.seen[i]);
      if (i === state.page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
      var mark = a.querySelector('.visually-hidden');
      if (mark) mark.textContent = state.seen[i] ? ' (' + t('viewed') + ')' : '';
    });
  }

  function pageIndex(id) {
    for (var i = 0; i < pages.length; i++) if (pages[i].id === id) return i;
    return -1;
  }

  function show(index, options) {
    options = options || {};
    if (index < 0 || index >= pages.length) return;
    sections.forEach(function (s, i) { s.hidden = i !== index; });
    state.page = index;
    if (!reviewing()) state.seen[index] = true;
    var page = pages[index];
    if (recording()) tracker.pageViewed(page, index);
    $('#prev').disabled = index === 0;
    $('#next').disabled = index === pages.length - 1;
    $('#page-count').textContent = t('page_of', { n: index + 1, total: pages.length });
    document.body.classList.remove('toc-open');
    $('#toc-toggle').setAttribute('aria-expanded', 'false');
    if (page.kind === 'quiz') enterQuiz(page.id);
    save('page');
    if (options.anchor) {
      var target = document.getElementById(options.anchor);
      if (target) { target.focus(); return; }
    }
    if (options.focus !== false) {
      var heading = sections[index].querySelector('h1');
      if (heading) heading.focus();
      window.scrollTo(0, 0);
    }
  }

  document.addEventListener('click', function (event) {
    var link = event.target.closest ? event.target.closest('a[data-page]') : null;
    if (!link) return;
    event.preventDefault();
    var href = link.getAttribute('href') || '';
    var anchor = href.indexOf('--') > 0 ? href.slice(1) : null;
    show(pageIndex(link.getAttribute('data-page')), { anchor: anchor });
  });
  $('#prev').addEventListener('click', function () { show(state.page - 1); });
  $('#next').addEventListener('click', function () { show(state.page + 1); });
  $('#toc-toggle').addEventListener('click', function () {
    var open = !document.body.classList.contains('toc-open');
    document.body.classList.toggle('toc-open', open);
    this.setAttribute('aria-expanded', String(open));
    if (open) { var first = $('#toc a'); if (first) first.focus(); }
  });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && document.body.classList.contains('toc-open')) {
      document.body.classList.remove('toc-open');
      $('#toc-toggle').setAttribute('aria-expanded', 'false');
      $('#toc-toggle').focus();
    }
  });

  /* ---- quizzes ---------------------------------------------------------------------------- */

  function quizForm(name) { return $('#page-' + name + ' form.quiz'); }
  function questionEl(name, qi) { return $('#page-' + name + ' fieldset[data-index="' + qi + '"]'); }

  function newRun(name) {
    var quiz = data.quizzes[name];
    var seed = Math.floor(Math.random() * 2147483647);
    /* a timed attempt's clock starts with the Start button (startRun), not by opening the page */
    runs[name] = { seed: seed, order: Scoring.drawQuestions(quiz, seed), cursor: 0, answers: {}, checked: {},
      started: null };
    return runs[name];
  }

  function waitsForStart(name, run) { return !!data.quizzes[name].timeLimitMinutes && !run.started; }

  function startRun(name) {
    var run = runs[name];
    if (!run || run.started) return;
    run.started = Date.now();
    renderRun(name, run);
    tickTimers();
    save('now');
    showQuestion(name, run.cursor);
  }

  function enterQuiz(name) {
    var quiz = data.quizzes[name];
    var rec = state.quizzes[name];
    var run = runs[name];
    if (!run && (quiz.graded || reviewing()) && rec && rec.attempts > 0) {
      showResults(name, null);
      return;
    }
    if (!run) run = newRun(name);
    renderRun(name, run);
  }

  /** Review: the attempt's answers as saved, read-only (questions can still be paged through). */
  function lockForm(name) {
    $$('input, select, textarea, button[data-move]', quizForm(name)).forEach(function (el) { el.disabled = true; });
  }

  function renderRun(name, run) {
    var quiz = data.quizzes[name];
    var form = quizForm(name);
    var section = $('#page-' + name);
    $('.quiz-results', section).hidden = true;
    var waiting = waitsForStart(name, run) && !reviewing(), start = $('.quiz-start', section);
    if (start) start.hidden = !waiting;
    form.hidden = waiting;
    /* choices and matching targets in this attempt's order (the same on every render of it) */
    run.order.forEach(function (qi) { arrangeChoices(name, qi, run.seed); });
    var list = $('.questions', form);
    run.order.forEach(function (qi) { list.appendChild(questionEl(name, qi)); });
    $$('fieldset.question', form).forEach(function (el) { el.hidden = true; });
    run.order.forEach(function (qi) {
      writeResponse(name, qi, run.answers[qi]);
      clearFeedback(name, qi);
      if (!quiz.graded && run.checked[qi]) showQuestionFeedback(name, qi, run.answers[qi]);
    });
    if (reviewing()) lockForm(name);
    showQuestion(name, run.cursor, false);
  }

  /** Choices (single, multiple) or matching targets in the order Scoring.shownOrder gives for
   *  this attempt, or as written when the question is not shuffled; a fixed choice keeps its
   *  place. Only the DOM moves: inputs keep their choice ids as values, so responses (and what
   *  the adapters report) are the authored ids, never positions. Ordering: writeResponse. */
  function arrangeChoices(name, qi, seed) {
    var q = data.quizzes[name].questions[qi], el = questionEl(name, qi);
    if (q.type === 'ordering') return;
    var list = q.type === 'matching' ? q.targets : q.choices;
    if (!list) return;
    var ids = Scoring.shownOrder(q, seed, qi) || list.map(function (c) { return c.id; });
    if (q.type === 'matching') {
      $$('select', el).forEach(function (select) {
        ids.forEach(function (id) {
          var option = $('option[value="' + id + '"]', select);
          if (option) select.appendChild(option);
        });
      });
      return;
    }
    var box = $('.choices', el);
    if (!box) return;
    ids.forEach(function (id) {
      var input = $('input[value="' + id + '"]', box);
      if (input) box.appendChild(input.closest('.choice'));
    });
  }

  function showQuestion(name, cursor, focus) {
    var quiz = data.quizzes[name], run = runs[name];
    run.cursor = cursor;
    var qi = run.order[cursor];
    run.order.forEach(function (other) { questionEl(name, other).hidden = other !== qi; });
    var el = questionEl(name, qi);
    $('legend .q-number', el).textContent = t('question_of', { n: cursor + 1, total: run.order.length });
    shownAt[name + '/' + qi] = Date.now();
    var form = quizForm(name);
    var last = cursor === run.order.length - 1;
    var checked = !!run.checked[qi];
    var looking = reviewing();
    $('[data-action="prev"]', form).hidden = cursor === 0;
    $('[data-action="check"]', form).hidden = quiz.graded || checked || looking;
    $('[data-action="next"]', form).hidden = last || (!quiz.graded && !checked && !looking);
    $('[data-action="submit"]', form).hidden = !last || (!quiz.graded && !checked) || looking;
    $('.quiz-status', form).textContent = '';
    if (focus !== false) { var legend = $('legend', el); legend.focus(); }
  }

  function readResponse(name, qi) {
    var q = data.quizzes[name].questions[qi];
    var el = questionEl(name, qi);
    switch (q.type) {
      case 'single': case 'true-false': case 'likert': {
        var picked = $('input:checked', el);
        return picked ? picked.value : undefined;
      }
      case 'multiple':
        return $$('input:checked', el).map(function (i) { return i.value; });
      case 'fill-in': case 'numeric':
        return $('input', el).value;
      case 'matching': {
        var r = {};
        $$('select', el).forEach(function (s) { if (s.value) r[s.getAttribute('data-source')] = s.value; });
        return r;
      }
      case 'ordering':
        return $$('li[data-item]', el).map(function (li) { return li.getAttribute('data-item'); });
    }
    return undefined;
  }

  function writeResponse(name, qi, r) {
    var q = data.quizzes[name].questions[qi];
    var el = questionEl(name, qi);
    switch (q.type) {
      case 'single': case 'true-false': case 'likert':
        $$('input', el).forEach(function (i) { i.checked = i.value === r; });
        break;
      case 'multiple':
        $$('input', el).forEach(function (i) { i.checked = !!r && r.indexOf(i.value) >= 0; });
        break;
      case 'fill-in': case 'numeric':
        $('input', el).value = r === undefined ? '' : r;
        break;
      case 'matching':
        $$('select', el).forEach(function (s) { s.value = (r && r[s.getAttribute('data-source')]) || ''; });
        break;
      case 'ordering': {
        var list = $('ol', el);
        var order = r || initialOrder(name, qi);
        order.forEach(function (id) { var li = $('li[data-item="' + id + '"]', list); if (li) list.appendChild(li); });
        break;
      }
    }
  }

  /** Ordering items start in this attempt's scrambled order (never the correct one when avoidable). */
  function initialOrder(name, qi) {
    var q = data.quizzes[name].questions[qi];
    return Scoring.shownOrder(q, runs[name].seed, qi) || q.items.map(function (i) { return i.id; });
  }

  function clearFeedback(name, qi) {
    var el = questionEl(name, qi);
    $('.q-feedback', el).innerHTML = '';
    el.classList.remove('is-correct', 'is-wrong');
  }

  /** Verdict and feedback of one answered question. In the review (`shown`: the attempt's seed
   *  and the question's index) the learner's answer comes first, each choice's feedback beside
   *  the choice it belongs to. */
  function feedbackHtml(q, r, score, shown) {
    var parts = [];
    var verdict = !Scoring.isScored(q) ? t('answered') : score >= 1 ? t('correct') : score > 0 ? t('partially_correct') : t('incorrect');
    parts.push('<p class="verdict"><strong>' + verdict + '</strong></p>');
    if (shown) parts.push(answerHtml(q, r, shown));
    else if (q.choices) {
      var picked = Array.isArray(r) ? r : [r];
      q.choices.forEach(function (c) {
        if (picked.indexOf(c.id) >= 0 && c.feedback) parts.push('<p class="choice-feedback">' + c.feedback + '</p>');
      });
    }
    var general = score >= 1 ? q.feedback.correct : q.feedback.incorrect;
    if (Scoring.isScored(q) && general) parts.push('<div class="general-feedback">' + general + '</div>');
    if (q.explanation) parts.push('<div class="explanation">' + q.explanation + '</div>');
    return parts.join('');
  }

  /** The learner's answer in the review: every choice in the order the attempt showed them, the
   *  learner's picks marked and each pick's feedback beside it; other types the answer in words. */
  function answerHtml(q, r, shown) {
    if (q.choices) {
      var picked = r === undefined || r === null ? [] : Array.isArray(r) ? r : [r];
      var byId = {};
      q.choices.forEach(function (c) { byId[c.id] = c; });
      var ids = Scoring.shownOrder(q, shown.seed, shown.index) || q.choices.map(function (c) { return c.id; });
      return '<ul class="review-choices">' + ids.map(function (id) {
        var c = byId[id], mine = picked.indexOf(id) >= 0;
        var text = q.type === 'true-false' ? t(id === 't' ? 'true' : 'false') : c.text;
        return '<li' + (mine ? ' class="is-picked"><span class="your-pick">' + t('your_answer') + '</span> ' : '>') +
          '<span class="choice-text">' + text + '</span>' +
          (mine && c.feedback ? '<p class="choice-feedback">' + c.feedback + '</p>' : '') + '</li>';
      }).join('') + '</ul>';
    }
    if (r === undefined || r === null) return '';
    var label = '<strong>' + t('your_answer_label') + '</strong> ';
    switch (q.type) {
      case 'matching': {
        var texts = {};
        q.targets.forEach(function (x) { texts[x.id] = x.text; });
        var arrow = document.documentElement.dir === 'rtl' ? ' \u2190 ' : ' \u2192 ';
        return '<div class="your-answer">' + label + '<ul>' + q.sources.map(function (x) {
          return '<li><bdi>' + escapeHtml(x.text) + '</bdi>' + arrow + '<bdi>' + (r[x.id] ? escapeHtml(texts[r[x.id]]) : '\u2014') + '</bdi></li>';
        }).join('') + '</ul></div>';
      }
      case 'ordering': {
        var items = {};
        q.items.forEach(function (x) { items[x.id] = x.text; });
        return '<div class="your-answer">' + label + '<ol>' + r.map(function (id) { return '<li>' + escapeHtml(items[id]) + '</li>'; }).join('') + '</ol></div>';
      }
      default: return '<p class="your-answer">' + label + escapeHtml(r) + '</p>';
    }
  }

  function fmt(n) { return String(Math.round(n * 100) / 100); }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; });
  }

  /** The right answer in words, for the review after the last attempt. */
  function correctAnswerHtml(q) {
    switch (q.type) {
      case 'single': case 'multiple':
        return q.choices.filter(function (c) { return c.correct; }).map(function (c) { return c.text; }).join('; ');
      case 'true-false': return t(q.choices[0].correct ? 'true' : 'false');
      case 'fill-in': return escapeHtml(q.answers.join(' / '));
      case 'numeric':
        if (q.answer === null || q.answer === undefined) return escapeHtml(q.min + ' \u2013 ' + q.max);
        return escapeHtml(q.answer + (q.tolerance ? ' \u00b1 ' + q.tolerance : ''));
      case 'matching': {
        var texts = {};
        /* U+2192 does not mirror in right-to-left text: point from source to target there too;
           <bdi> keeps texts in the other direction from flipping the pair around the arrow */
        var arrow = document.documentElement.dir === 'rtl' ? ' \u2190 ' : ' \u2192 ';
        q.targets.forEach(function (x) { texts[x.id] = x.text; });
        return '<ul>' + q.pairs.map(function (p) {
          var source = q.sources.filter(function (x) { return x.id === p[0]; })[0];
          return '<li><bdi>' + escapeHtml(source.text) + '</bdi>' + arrow + '<bdi>' + escapeHtml(texts[p[1]]) + '</bdi></li>';
        }).join('') + '</ul>';
      }
      case 'ordering':
        return '<ol>' + q.items.map(function (i) { return '<li>' + escapeHtml(i.text) + '</li>'; }).join('') + '</ol>';
    }
    return '';
  }

  /** A checked knowledge-check question: verdict and feedback; when not fully right, the correct
   *  answer (revealAnswers) and a button to try the question again (retryQuestions). */
  function showQuestionFeedback(name, qi, r) {
    var quiz = data.quizzes[name], q = quiz.questions[qi];
    var score = Scoring.scoreQuestion(q, r);
    var el = questionEl(name, qi);
    var html = feedbackHtml(q, r, score);
    if (Scoring.isScored(q)) {
      el.classList.toggle('is-correct', score >= 1);
      el.classList.toggle('is-wrong', score < 1);
      if (score < 1 && quiz.revealAnswers) html += '<div class="correct-answer"><strong>' + t('correct_answer') + '</strong> ' + correctAnswerHtml(q) + '</div>';
      if (score < 1 && quiz.retryQuestions && !reviewing()) html += '<p><button type="button" class="button" data-action="retry-question">' + t('retry_question') + '</button></p>';
    }
    $('.q-feedback', el).innerHTML = html;
    return score;
  }

  /** Try a checked knowledge-check question again: its answer and check cleared, same order. */
  function retryQuestion(name, qi) {
    var run = runs[name];
    delete run.answers[qi];
    delete run.checked[qi];
    writeResponse(name, qi, undefined);
    clearFeedback(name, qi);
    showQuestion(name, run.cursor, false);
    var first = $('input, select, li[data-item] button', questionEl(name, qi));
    if (first) first.focus();
    save();
  }

  function record(name, qi, r, score) {
    var quiz = data.quizzes[name];
    if (!crediting()) return;
    tracker.questionAnswered({
      quiz: name, question: quiz.questions[qi], response: r, score: score, graded: quiz.graded,
      shownAt: shownAt[name + '/' + qi] || Date.now(), answeredAt: Date.now()
    });
  }

  function onQuizAction(name, action) {
    var quiz = data.quizzes[name], run = runs[name];
    if (!run) return;
    if (reviewing()) { /* read-only: page through the saved answers, change nothing */
      if (action === 'prev' && run.cursor > 0) showQuestion(name, run.cursor - 1);
      if (action === 'next' && run.cursor < run.order.length - 1) showQuestion(name, run.cursor + 1);
      return;
    }
    var qi = run.order[run.cursor];
    var q = quiz.questions[qi];
    var r = readResponse(name, qi);
    var status = $('.quiz-status', quizForm(name));
    if (action === 'prev') { run.answers[qi] = r; showQuestion(name, run.cursor - 1); save(); return; }
    if (action === 'retry-question') { retryQuestion(name, qi); return; }
    if ((action === 'check' || action === 'next' || action === 'submit') && !Scoring.isAnswered(q, r)) {
      /* text that is not a number is asked again, not scored as a wrong answer */
      var notNumber = q.type === 'numeric' && String(r).trim() !== '';
      status.textContent = notNumber ? t('enter_number', { example: '2' + decimal + '5' }) : t('answer_required');
      if (notNumber) $('input', questionEl(name, qi)).setAttribute('aria-invalid', 'true');
      return;
    }
    run.answers[qi] = r;
    if (action === 'check') {
      run.checked[qi] = true;
      var score = showQuestionFeedback(name, qi, r);
      record(name, qi, r, score);
      status.textContent = $('.q-feedback .verdict', questionEl(name, qi)).textContent;
      showQuestion(name, run.cursor, false);
      $('[data-action="' + (run.cursor === run.order.length - 1 ? 'submit' : 'next') + '"]', quizForm(name)).focus();
      save();
      return;
    }
    if (action === 'next') { showQuestion(name, run.cursor + 1); save(); return; }
    if (action === 'submit') finishAttempt(name);
  }

  function finishAttempt(name, timedOut) {
    var quiz = data.quizzes[name], run = runs[name];
    if (!run) return;
    if (!quizForm(name).hidden) { /* a text typed but not yet left counts too */
      var open = run.order[run.cursor], current = readResponse(name, open);
      if (Scoring.isAnswered(quiz.questions[open], current)) run.answers[open] = current;
    }
    var result = Scoring.scoreAttempt(quiz, run.order, run.answers);
    if (quiz.graded) {
      run.order.forEach(function (qi) {
        var q = quiz.questions[qi];
        record(name, qi, run.answers[qi], Scoring.scoreQuestion(q, run.answers[qi]));
      });
    }
    var rec = state.quizzes[name] || { attempts: 0, best: null };
    rec.attempts += 1;
    rec.best = rec.best === null || rec.best === undefined ? result.percent : Math.max(rec.best, result.percent);
    rec.last = result;
    rec.lastRun = run;
    state.quizzes[name] = rec;
    delete runs[name];
    save('now');
    showResults(name, result);
    if (timedOut) showNotice(t('time_up'), 'warning');
  }

  function showResults(name, result) {
    var quiz = data.quizzes[name], rec = state.quizzes[name] || { attempts: 0, best: null };
    var section = $('#page-' + name);
    var box = $('.quiz-results', section);
    quizForm(name).hidden = true;
    var start = $('.quiz-start', section);
    if (start) start.hidden = true;
    var timer = $('.quiz-timer', section);
    if (timer) timer.hidden = true;
    delete warned[name];
    var html = [];
    var shown = result ? result.percent : rec.best;
    if (quiz.graded) {
      var passed = shown >= quiz.passMark;
      html.push('<h2 tabindex="-1">' + t('review') + '</h2>');
      var left = attemptsLeft(name);
      html.push('<p class="score ' + (passed ? 'is-passed' : 'is-failed') + '"><strong>' + t('score', { score: shown }) +
        '</strong> ' + t('pass_mark', { mark: quiz.passMark }) + ' <strong class="score-verdict">' +
        (passed ? t('passed') : notPassedText(left)) + '</strong></p>');
      if (passed && left !== Infinity) html.push('<p>' + (left > 0 ? t('attempts_left', { n: left }) : t('no_attempts_left')) + '</p>');
    } else if (result || (reviewing() && shown !== null && shown !== undefined)) {
      html.push('<h2 tabindex="-1">' + t('review') + '</h2><p class="score"><strong>' + t('score', { score: shown }) + '</strong></p>');
    }
    var lastDone = quiz.graded && attemptsLeft(name) <= 0;
    if (lastDone && quiz.afterLastAttempt === 'lock') result = null; /* score only, no review */
    if (result) html.push('<p class="points">' + t('points', { points: fmt(result.points), max: fmt(result.max) }) + '</p>');
    if (result && rec.lastRun) {
      html.push('<ol class="review-list">');
      rec.lastRun.order.forEach(function (qi) {
        var q = quiz.questions[qi], r = rec.lastRun.answers[qi];
        var score = Scoring.scoreQuestion(q, r);
        var extra = Scoring.isScored(q) ? '<p class="q-points">' + t('points', { points: fmt(score * q.points), max: fmt(q.points) }) + '</p>' : '';
        if (lastDone && score < 1 && Scoring.isScored(q)) extra += '<div class="correct-answer"><strong>' + t('correct_answer') + '</strong> ' + correctAnswerHtml(q) + '</div>';
        html.push('<li class="' + (!Scoring.isScored(q) ? '' : score >= 1 ? 'is-correct' : 'is-wrong') + '"><div class="review-prompt">' +
          q.prompt + '</div>' + (r === undefined ? '<p>' + t('not_answered') + '</p>' : '') +
          feedbackHtml(q, r, score, { seed: rec.lastRun.seed, index: qi }) + extra + '</li>');
      });
      html.push('</ol>');
    }
    var canRetry = attemptsLeft(name) > 0 && !reviewing();
    /* failing while attempts are left: the LMS hears nothing yet; finishing reports failed */
    var course = evaluate();
    var canFinish = quiz.graded && canRetry && crediting() && course.failing !== undefined;
    if (canFinish) html.push('<p class="finish-explained">' + t('finish_explained', { score: course.failing }) + '</p>');
    html.push('<p><button type="button" class="button" data-action="retry"' + (canRetry ? '' : ' hidden') + '>' + t('retry') + '</button>' +
      (canFinish ? ' <button type="button" class="button button-quiet" data-action="finish">' + t('finish_now') + '</button>' : '') + '</p>');
    box.innerHTML = html.join('');
    box.hidden = false;
    var heading = $('h2', box);
    if (heading && result) heading.focus();
  }

  /** What a failing result means: another try (how many are left) or the end. */
  function notPassedText(left) {
    if (gaveUp) return t('not_passed_finished');
    if (left <= 0) return t('not_passed_final');
    if (left === Infinity) return t('not_passed_yet_unlimited');
    return left === 1 ? t('not_passed_yet_one') : t('not_passed_yet', { n: left });
  }

  function moveItem(form, li, direction, focusEl) {
    var list = li.parentNode;
    if (direction === 'up' && li.previousElementSibling) list.insertBefore(li, li.previousElementSibling);
    else if (direction === 'down' && li.nextElementSibling) list.insertBefore(li.nextElementSibling, li);
    if (focusEl) focusEl.focus();
    var items = $$('li', list);
    $('.quiz-status', form).textContent = t('moved_to', { item: li.getAttribute('data-text'), n: items.indexOf(li) + 1, total: items.length });
    var name = form.getAttribute('data-quiz'), run = runs[name];
    if (run) run.answers[run.order[run.cursor]] = readResponse(name, run.order[run.cursor]);
  }

  /* ---- time limits: the deadline is wall-clock time from the attempt's start, so it keeps
   * running while the window is closed; an attempt past its deadline is submitted as it stands. */
  var warned = {};
  function clock(ms) {
    var total = Math.ceil(ms / 1000), h = Math.floor(total / 3600), m = Math.floor(total / 60) % 60, sec = total % 60;
    return (h ? h + ':' + String(m).padStart(2, '0') : String(m)) + ':' + String(sec).padStart(2, '0');
  }
  function tickTimers() {
    Object.keys(runs).forEach(function (name) {
      var quiz = data.quizzes[name], run = runs[name];
      if (!quiz || !quiz.timeLimitMinutes || !run.started) return;
      var left = run.started + quiz.timeLimitMinutes * 60000 - Date.now();
      if (left <= 0) { finishAttempt(name, true); return; }
      var el = $('#page-' + name + ' .quiz-timer');
      if (el) { el.hidden = false; el.textContent = t('time_left', { time: clock(left) }); }
      [5, 1].forEach(function (m) {
        if (left <= m * 60000 && quiz.timeLimitMinutes > m && (warned[name] || Infinity) > m) {
          warned[name] = m;
          $('.quiz-status', quizForm(name)).textContent = t('time_warning', { minutes: m });
        }
      });
    });
  }

  $$('form.quiz').forEach(function (form) {
    var name = form.getAttribute('data-quiz');
    form.addEventListener('submit', function (event) { event.preventDefault(); });
    form.addEventListener('click', function (event) {
      var button = event.target.closest('button[data-action]');
      if (button) { event.preventDefault(); onQuizAction(name, button.getAttribute('data-action')); return; }
      var move = event.target.closest('button[data-move]');
      if (move) moveItem(form, move.closest('li'), move.getAttribute('data-move'), move);
    });
    /* ordering by keyboard: Alt+ArrowUp / Alt+ArrowDown on an item's button moves the item */
    form.addEventListener('keydown', function (event) {
      var li = event.target.closest ? event.target.closest('li[data-item]') : null;
      if (!li || !event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
      event.preventDefault();
      moveItem(form, li, event.key === 'ArrowUp' ? 'up' : 'down', event.target);
    });
    form.addEventListener('change', function (event) {
      if (event.target.removeAttribute) event.target.removeAttribute('aria-invalid');
      var run = runs[name];
      if (!run) return;
      var qi = run.order[run.cursor];
      run.answers[qi] = readResponse(name, qi);
    });
    var startButton = $('#page-' + name + ' [data-action="start"]');
    if (startButton) startButton.addEventListener('click', function () { startRun(name); });
    $('#page-' + name + ' .quiz-results').addEventListener('click', function (event) {
      if (event.target.closest('button[data-action="finish"]')) {
        gaveUp = true;
        /* no more tries in this attempt: a retry left open elsewhere is dropped too */
        gradedNames().forEach(function (n) { delete runs[n]; });
        save('now');
        showResults(name, null);
        var heading = $('#page-' + name + ' .quiz-results h2');
        if (heading) heading.focus();
        return;
      }
      if (event.target.closest('button[data-action="retry"]')) {
        var run = newRun(name);
        renderRun(name, run);
        save('page');
        if (waitsForStart(name, run)) $('#page-' + name + ' [data-action="start"]').focus();
        else showQuestion(name, 0);
      }
    });
  });

  /* ---- print: Ctrl+P prints the page on screen; "Print course" prints every lesson in order
   * (player.css, body.print-all). */
  var printButton = $('#print-course');
  if (printButton) {
    printButton.addEventListener('click', function () {
      document.body.classList.add('print-all');
      window.print();
    });
    window.addEventListener('afterprint', function () { document.body.classList.remove('print-all'); });
  }

  /* ---- start, exit ------------------------------------------------------------------------ */

  /* leaving: the page is going away (pagehide: a reload or a closed tab), not the Exit button;
   * persisted: it goes into the back/forward cache and may come back. One finish per session:
   * values set, then the adapter's finish (SCORM: exit, session_time, one LMSFinish). */
  function finish(leaving, persisted) {
    if (closed) return;
    if (commitTimer) { window.clearTimeout(commitTimer); commitTimer = null; }
    var result = save();
    closed = true;
    tracker.finish(result.finished, leaving === true, persisted === true);
  }

  $('#exit').addEventListener('click', function () {
    exited = true;
    finish();
    document.body.classList.add('is-closed');
    showNotice(t('exit_done'), 'success');
    $$('button, input, select').forEach(function (el) { el.disabled = true; });
    try { if (window.opener && window.top === window) window.close(); } catch (e) { /* stay */ }
  });
  window.addEventListener('pagehide', function (event) { finish(true, event.persisted); });
  /* back from the bfcache after a pagehide (not after Exit): the session goes on */
  window.addEventListener('pageshow', function (event) { if (event.persisted && !exited) closed = false; });
  /* hidden (another tab, a phone's home screen): a page change waiting for its commit goes now;
   * nothing else, so that closing the tab sends LMSFinish alone (Moodle turns each call made
   * while the page goes away into its own beacon, and beacons arrive out of order) */
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden' && commitTimer) commitNow();
  });

  /* A launch of one part (a cmi5 AU per module): only that part's pages are shown, counted,
   * scored and saved; the rest leave the page. Unknown part: the whole course. */
  function keepPart(part) {
    var keep = data.pages.filter(function (p) { return p.part === part; });
    if (!keep.length) return;
    var ids = keep.map(function (p) { return p.id; });
    data.pages.forEach(function (p) {
      if (ids.indexOf(p.id) >= 0) return;
      var section = document.getElementById('page-' + p.id);
      if (section) section.parentNode.removeChild(section);
      delete data.quizzes[p.id];
    });
    tocLinks = tocLinks.filter(function (a) {
      if (ids.indexOf(a.getAttribute('data-page')) >= 0) return true;
      a.parentNode.parentNode.removeChild(a.parentNode);
      return false;
    });
    $$('#toc .toc-list').forEach(function (list) {
      var heading = list.previousElementSibling;
      if (list.children.length) { list.setAttribute('start', '1'); return; }
      if (heading && heading.classList.contains('toc-module')) heading.parentNode.removeChild(heading);
      list.parentNode.removeChild(list);
    });
    data.pages = pages = keep;
    sections = pages.map(function (p) { return document.getElementById('page-' + p.id); });
    state = Codec.fresh(data);
  }

  /** A launch of a session that already ended (cmi5: a reload after `terminated`): say so,
   *  offer the way back to the LMS, continue nothing. */
  function showEnded(info) {
    closed = exited = true;
    showNotice(t('session_ended'), 'info');
    if (info.returnURL) {
      var link = document.createElement('a');
      link.href = info.returnURL;
      link.className = 'button';
      link.textContent = t('return_to_lms');
      notice.appendChild(document.createTextNode(' '));
      notice.appendChild(link);
    }
    document.body.classList.add('is-closed');
    $$('button, input, select').forEach(function (el) { el.disabled = true; });
  }

  function boot(info) {
  info = info || { available: false };
  if (info.part) keepPart(info.part);
  mode = info.mode === 'review' || info.mode === 'browse' ? info.mode : 'normal';
  credit = info.credit !== false;
  if (info.ended) { showEnded(info); }
  else if (!info.available) showNotice(t('no_lms'), 'info');
  else if (mode !== 'normal') showNotice(t(mode === 'review' ? 'mode_review' : 'mode_browse'), 'info');
  else if (!credit) showNotice(t('mode_no_credit'), 'info');
  var startPage = 0;
  if (info.resume || (reviewing() && info.state)) {
    var restored = Codec.decode(info.state, data);
    if (restored) {
      state = restored;
      runs = restored.active || {};
      delete state.active;
      startPage = state.page;
    }
    var fromLocation = pageIndex(info.location);
    if (fromLocation >= 0) startPage = fromLocation;
    if ((restored || fromLocation >= 0) && mode === 'normal' && credit) showNotice(t('resumed'), 'info');
  }
  lastStatus = evaluate().status;
  if (!info.ended) show(startPage, { focus: false });
  else sections.forEach(function (s, i) { s.hidden = i !== 0; });
  if (!reviewing() && !info.ended) {
    tickTimers();
    window.setInterval(tickTimers, 1000);
  }
  document.documentElement.classList.add('js-ready');
  window.scormbuildPlayer = { state: function () { return state; }, runs: function () { return runs; }, evaluate: evaluate, show: show,
    mode: function () { return { mode: mode, credit: credit }; }, milestone: function () { if (!closed) save('now'); } };
  }

  /* start() answers at once or with a Promise (xAPI adapters read the LRS first) */
  var starting = tracker.start();
  if (starting && typeof starting.then === 'function') {
    starting.then(boot, function () { boot({ available: false }); });
  } else {
    boot(starting);
  }
}());
