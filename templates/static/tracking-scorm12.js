/* scormbuild tracking adapter for SCORM 1.2: talks to the LMS's window.API.
 * The player calls: start, pageViewed, questionAnswered, progress, saveState, commit, finish.
 * An LMS error never breaks the course: it is logged with its SCORM error code.
 *
 * Launch modes (RTE 3.4.4, cmi.core.lesson_mode and cmi.core.credit, read at start): in
 * `review` and `browse` nothing is written (only LMSInitialize, reads and LMSFinish); with
 * `no-credit` the place and suspend_data are kept but no lesson_status, score or interaction,
 * so nothing can replace a credited result. LMSCommit is sent only when a value changed since
 * the last one (Moodle's commit is a blocking request); exit sets cmi.core.exit and
 * session_time and sends one LMSFinish, which commits, and nothing after it. */
(function () {
  'use strict';
  var TYPES = { 'single': 'choice', 'multiple': 'choice', 'true-false': 'true-false', 'fill-in': 'fill-in',
    'numeric': 'numeric', 'matching': 'matching', 'ordering': 'sequencing', 'likert': 'likert' };
  var MAX_SUSPEND = 4096;

  /* ADL's discovery algorithm: up the parents at most 7 times, then from the opener. */
  function findIn(win) {
    var tries = 0;
    try {
      while (!win.API && win.parent && win.parent !== win) {
        tries += 1;
        if (tries > 7) return null;
        win = win.parent;
      }
      return win.API || null;
    } catch (e) {
      return null; /* a cross-origin frame: no API up there */
    }
  }

  function findAPI() {
    var api = findIn(window);
    if (!api && window.opener) api = findIn(window.opener);
    return api && typeof api.LMSInitialize === 'function' ? api : null;
  }

  function pad(n, width) { return String(n).padStart(width, '0'); }

  /* CMITimespan HHHH:MM:SS.SS */
  function timespan(ms) {
    var cs = Math.max(0, Math.round(ms / 10));
    var h = Math.floor(cs / 360000), m = Math.floor(cs / 6000) % 60, s = Math.floor(cs / 100) % 60;
    return pad(Math.min(h, 9999), 4) + ':' + pad(m, 2) + ':' + pad(s, 2) + '.' + pad(cs % 100, 2);
  }

  /* CMITime HH:MM:SS, a time of day */
  function timeOfDay(date) {
    return pad(date.getHours(), 2) + ':' + pad(date.getMinutes(), 2) + ':' + pad(date.getSeconds(), 2);
  }

  function clip(text) { return String(text).replace(/[\r\n]+/g, ' ').slice(0, 255); }

  /* student_response formats, RTE 3.4.2 (fh p62); '' for a question left unanswered
   * (a time limit can submit an attempt with blanks). */
  function response(q, r) {
    if (r === undefined || r === null) return '';
    switch (q.type) {
      case 'single': case 'likert': return String(r);
      case 'true-false': return r === 't' ? 't' : 'f';
      case 'multiple': return r.slice().sort().join(',');
      case 'ordering': return r.join(',');
      case 'matching': return q.sources.filter(function (s) { return r[s.id]; })
        .map(function (s) { return s.id + '.' + r[s.id]; }).join(',');
      case 'fill-in': return clip(String(r).trim().split(/\s+/).join(' ')); /* as it was compared */
      case 'numeric': {
        var n = window.ScormbuildScoring.parseNumber(r, q.decimal);
        return n === null ? clip(r) : String(n);
      }
      default: return clip(r);
    }
  }

  function correctPattern(q) {
    switch (q.type) {
      case 'single': case 'true-false': case 'multiple':
        return q.choices.filter(function (c) { return c.correct; }).map(function (c) { return c.id; }).join(',');
      case 'ordering': return q.items.map(function (i) { return i.id; }).join(',');
      case 'matching': return q.pairs.map(function (p) { return p[0] + '.' + p[1]; }).join(',');
      case 'fill-in': return q.answers.length ? clip(q.answers[0]) : null; /* a regex is no response */
      case 'numeric': return String(q.answer !== null && q.answer !== undefined ? q.answer : q.min);
      default: return null;
    }
  }

  function create(data, hooks) {
    var api = findAPI();
    var started = Date.now();
    var live = false, finished = false, reported = false;
    var last = {};
    var dirty = false;              /* a value set since the last commit */
    var writes = true, credits = true;

    function report(code, call) {
      var text = '';
      try { text = api.LMSGetErrorString(code); } catch (e) { /* keep going */ }
      if (window.console) console.warn('scormbuild: ' + call + ' failed with SCORM error ' + code + ' ' + text);
      if (!reported && hooks && hooks.onError) { reported = true; hooks.onError(code, text); }
    }

    function call(name, args) {
      if (!live && name !== 'LMSInitialize') return '';
      try {
        var result = api[name].apply(api, args);
        if (result === 'false' || result === false) {
          var code = String(api.LMSGetLastError());
          if (code !== '0') report(code, name + '(' + args.join(', ') + ')');
        }
        return result === undefined || result === null ? '' : String(result);
      } catch (e) {
        report('101', name + ': ' + e);
        return '';
      }
    }

    function get(element) { return call('LMSGetValue', [element]); }
    function set(element, value) {
      if (!writes || last[element] === String(value)) return;
      last[element] = String(value);
      dirty = true;
      call('LMSSetValue', [element, String(value)]);
    }
    function commit() {
      if (!live || !dirty) return;
      dirty = false;
      call('LMSCommit', ['']);
    }

    return {
      name: 'scorm12',
      start: function () {
        if (!api) return { available: false };
        live = call('LMSInitialize', ['']) === 'true';
        if (!live) return { available: false };
        var entry = get('cmi.core.entry');
        var mode = get('cmi.core.lesson_mode');
        mode = mode === 'review' || mode === 'browse' ? mode : 'normal';
        credits = mode === 'normal' && get('cmi.core.credit') !== 'no-credit';
        writes = mode === 'normal';
        var status = get('cmi.core.lesson_status');
        last['cmi.core.lesson_status'] = status;
        if (credits && (status === '' || status === 'not attempted')) set('cmi.core.lesson_status', 'incomplete');
        /* review shows the attempt's saved data whatever its exit was; browse starts afresh */
        var resume = entry === 'resume' || mode === 'review';
        var info = {
          available: true, resume: resume, mode: mode, credit: credits,
          location: resume ? get('cmi.core.lesson_location') : '',
          state: resume ? get('cmi.suspend_data') : '',
          learner: get('cmi.core.student_name')
        };
        /* what the LMS already has is not set (nor committed) again */
        if (resume) { last['cmi.core.lesson_location'] = info.location; last['cmi.suspend_data'] = info.state; }
        commit();
        return info;
      },
      pageViewed: function (page) {
        set('cmi.core.lesson_location', page.id);
      },
      questionAnswered: function (answer) {
        /* answer: {quiz, question, response, score (0..1), graded, shownAt, answeredAt} */
        if (!answer.graded || !credits || !live) return;
        dirty = true;
        var q = answer.question;
        var n = parseInt(get('cmi.interactions._count'), 10) || 0;
        var prefix = 'cmi.interactions.' + n + '.';
        call('LMSSetValue', [prefix + 'id', clip(answer.quiz + '.' + q.id).replace(/\s/g, '_')]);
        call('LMSSetValue', [prefix + 'objectives.0.id', answer.quiz]);
        call('LMSSetValue', [prefix + 'time', timeOfDay(new Date(answer.answeredAt))]);
        call('LMSSetValue', [prefix + 'type', TYPES[q.type]]);
        var pattern = correctPattern(q);
        if (pattern !== null) call('LMSSetValue', [prefix + 'correct_responses.0.pattern', pattern]);
        call('LMSSetValue', [prefix + 'weighting', q.type === 'likert' ? '0' : String(q.points)]);
        call('LMSSetValue', [prefix + 'student_response', response(q, answer.response)]);
        var result = q.type === 'likert' ? 'neutral' : answer.score >= 1 ? 'correct' : answer.score <= 0 ? 'wrong'
          : String(Math.round(answer.score * 100) / 100);
        call('LMSSetValue', [prefix + 'result', result]);
        call('LMSSetValue', [prefix + 'latency', timespan(answer.answeredAt - answer.shownAt)]);
      },
      progress: function (p) {
        /* p: {status: incomplete|completed|passed|failed, score: 0..100 or null} */
        if (!credits) return;
        if (p.score !== null && p.score !== undefined) {
          set('cmi.core.score.min', '0');
          set('cmi.core.score.max', '100');
          set('cmi.core.score.raw', String(Math.round(p.score * 100) / 100));
        }
        set('cmi.core.lesson_status', p.status);
      },
      saveState: function (text) {
        if (text.length > MAX_SUSPEND) {
          report('405', 'suspend_data of ' + text.length + ' characters is over the SCORM 1.2 limit');
          return;
        }
        set('cmi.suspend_data', text);
      },
      commit: commit,
      finish: function (done) {
        if (!live || finished) return;
        finished = true;
        if (writes) {
          set('cmi.core.exit', done ? '' : 'suspend');
          call('LMSSetValue', ['cmi.core.session_time', timespan(Date.now() - started)]);
        }
        call('LMSFinish', ['']); /* commits what was set (RTE 3.3: LMSFinish stores the data) */
        live = false;
      },
      formats: { timespan: timespan, timeOfDay: timeOfDay, response: response, correctPattern: correctPattern }
    };
  }

  window.ScormbuildTracking = { create: create };
}());
