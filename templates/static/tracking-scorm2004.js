/* scormbuild tracking adapter for SCORM 2004 4th Edition: talks to the LMS's window.API_1484_11.
 * The player calls: start, pageViewed, questionAnswered, progress, saveState, commit, finish.
 * An LMS error never breaks the course: it is logged with its SCORM error code.
 *
 * The same attempt policy as the SCORM 1.2 adapter (docs/moodle.md): in `review` and `browse`
 * (cmi.mode) nothing is written (only Initialize, reads and Terminate); with `no-credit`
 * (cmi.credit) the place and suspend_data are kept but no status, score or interaction. Commit
 * is sent only when a value changed since the last one; exit sets cmi.exit and
 * cmi.session_time and sends one Terminate, which commits, and nothing after it.
 * 2004 reports completion (cmi.completion_status) and success (cmi.success_status) apart, the
 * score scaled (-1..1) beside raw/min/max, and keeps 64,000 characters of suspend_data
 * (RTE 4.2.28), which the player's codec gets as `stateLimit`. */
(function () {
  'use strict';
  var TYPES = { 'single': 'choice', 'multiple': 'choice', 'true-false': 'true-false', 'fill-in': 'fill-in',
    'numeric': 'numeric', 'matching': 'matching', 'ordering': 'sequencing', 'likert': 'likert' };
  var MAX_SUSPEND = 64000;  /* cmi.suspend_data: characterstring, SPM 64000 */
  var MAX_FILL_IN = 250;    /* a fill-in response: SPM 250 per string; longer is long-fill-in */
  var MAX_LONG_FILL_IN = 4000;

  /* ADL's discovery algorithm (RTE 3.3.6.1): up the parents at most 7 times, then from the opener. */
  function findIn(win) {
    var tries = 0;
    try {
      while (!win.API_1484_11 && win.parent && win.parent !== win) {
        tries += 1;
        if (tries > 7) return null;
        win = win.parent;
      }
      return win.API_1484_11 || null;
    } catch (e) {
      return null; /* a cross-origin frame: no API up there */
    }
  }

  function findAPI() {
    var api = findIn(window);
    if (!api && window.opener) api = findIn(window.opener);
    return api && typeof api.Initialize === 'function' ? api : null;
  }

  function pad(n, width) { return String(n).padStart(width, '0'); }

  /* timeinterval (second,10,2): an ISO 8601 duration, e.g. PT1H2M3.45S (RTE 4.1.1.6) */
  function duration(ms) {
    var cs = Math.max(0, Math.round(ms / 10));
    var h = Math.floor(cs / 360000), m = Math.floor(cs / 6000) % 60, s = (cs % 6000) / 100;
    return 'PT' + (h ? h + 'H' : '') + (h || m ? m + 'M' : '') + s.toFixed(2).replace(/\.?0+$/, '') + 'S';
  }

  /* time (second,10,0): YYYY-MM-DDThh:mm:ss.ssZ, UTC (RTE 4.1.1.7) */
  function timestamp(date) {
    return date.getUTCFullYear() + '-' + pad(date.getUTCMonth() + 1, 2) + '-' + pad(date.getUTCDate(), 2) + 'T' +
      pad(date.getUTCHours(), 2) + ':' + pad(date.getUTCMinutes(), 2) + ':' + pad(date.getUTCSeconds(), 2) +
      '.' + pad(Math.floor(date.getUTCMilliseconds() / 10), 2) + 'Z';
  }

  function oneLine(text) { return String(text).replace(/[\r\n]+/g, ' '); }
  /* '[' and ']' start 2004's delimiters ([,] [.] [:]): a response keeps them as text, not syntax */
  function literal(text) { return oneLine(text).replace(/\[([,.:])\]/g, '[ $1 ]'); }

  /* The fill-in answer as it was compared: one line, single spaces */
  function fillText(r) { return literal(String(r).trim().split(/\s+/).join(' ')); }

  /* learner_response formats, RTE 4.2.9.1; '' for a question left unanswered (a time limit can
   * submit an attempt with blanks). */
  function response(q, r) {
    if (r === undefined || r === null) return '';
    switch (q.type) {
      case 'single': case 'likert': return String(r);
      case 'true-false': return r === 't' ? 'true' : 'false';
      case 'multiple': return r.slice().sort().join('[,]');
      case 'ordering': return r.join('[,]');
      case 'matching': return q.sources.filter(function (s) { return r[s.id]; })
        .map(function (s) { return s.id + '[.]' + r[s.id]; }).join('[,]');
      case 'fill-in': return fillText(r).slice(0, MAX_LONG_FILL_IN);
      case 'numeric': {
        var n = window.ScormbuildScoring.parseNumber(r);
        return n === null ? '' : String(n); /* a real(10,7); text that is no number is no response */
      }
      default: return literal(r).slice(0, MAX_FILL_IN);
    }
  }

  /* fill-in over 250 characters is long-fill-in (its response may hold 4,000) */
  function interactionType(q, r) {
    if (q.type === 'fill-in' && typeof r === 'string' && fillText(r).length > MAX_FILL_IN) return 'long-fill-in';
    return TYPES[q.type];
  }

  function correctPattern(q, type) {
    switch (q.type) {
      case 'true-false': {
        var right = q.choices.filter(function (c) { return c.correct; })[0];
        return right && right.id === 't' ? 'true' : 'false';
      }
      case 'single': case 'multiple':
        return q.choices.filter(function (c) { return c.correct; }).map(function (c) { return c.id; }).join('[,]');
      case 'ordering': return q.items.map(function (i) { return i.id; }).join('[,]');
      case 'matching': return q.pairs.map(function (p) { return p[0] + '[.]' + p[1]; }).join('[,]');
      case 'fill-in': {
        if (!q.answers.length) return null; /* a regex is no response */
        var cap = type === 'long-fill-in' ? MAX_LONG_FILL_IN : MAX_FILL_IN;
        return '{case_matters=' + (q.caseSensitive ? 'true' : 'false') + '}' + fillText(q.answers[0]).slice(0, cap);
      }
      case 'numeric': {
        if (q.answer !== null && q.answer !== undefined) {
          var t = q.tolerance || 0;
          return String(q.answer - t) + '[:]' + String(q.answer + t);
        }
        return String(q.min) + '[:]' + String(q.max);
      }
      default: return null;
    }
  }

  /* lessons (not reference pages) seen in a codec string: cmi.progress_measure 0..1 */
  function lessonShare(text, data) {
    var Codec = window.ScormbuildState, state = Codec && text ? Codec.decode(text, data) : null;
    var lessons = data.pages.map(function (p, i) { return i; })
      .filter(function (i) { return data.pages[i].kind === 'lesson' && !data.pages[i].reference; });
    if (!state || !lessons.length) return null;
    var seen = lessons.filter(function (i) { return state.seen[i]; }).length;
    return seen / lessons.length;
  }

  function create(data, hooks) {
    var api = findAPI();
    var started = Date.now();
    var live = false, finished = false, reported = false;
    var last = {};
    var dirty = false;              /* a value set since the last commit */
    var writes = true, credits = true;
    var status = 'incomplete';      /* the player's last status */

    function report(code, call) {
      var text = '';
      try { text = api.GetErrorString(code); } catch (e) { /* keep going */ }
      if (window.console) console.warn('scormbuild: ' + call + ' failed with SCORM error ' + code + ' ' + text);
      if (!reported && hooks && hooks.onError) { reported = true; hooks.onError(code, text); }
    }

    /* quiet: an element the LMS may not implement (adl.nav.*) is asked without complaint */
    function call(name, args, quiet) {
      if (!live && name !== 'Initialize') return '';
      try {
        var result = api[name].apply(api, args);
        var code = String(api.GetLastError());
        if (code !== '0' && (result === 'false' || result === false || name === 'GetValue')) {
          if (!quiet) report(code, name + '(' + args.join(', ') + ')');
          return quiet ? null : '';
        }
        return result === undefined || result === null ? '' : String(result);
      } catch (e) {
        if (!quiet) report('101', name + ': ' + e);
        return quiet ? null : '';
      }
    }

    function get(element) { return call('GetValue', [element]); }
    function set(element, value) {
      if (!writes || last[element] === String(value)) return;
      last[element] = String(value);
      dirty = true;
      call('SetValue', [element, String(value)]);
    }
    function commit() {
      if (!live || !dirty) return;
      dirty = false;
      call('Commit', ['']);
    }

    return {
      name: 'scorm2004',
      stateLimit: MAX_SUSPEND,
      start: function () {
        if (!api) return { available: false };
        live = call('Initialize', ['']) === 'true';
        if (!live) return { available: false };
        var entry = get('cmi.entry');
        var mode = get('cmi.mode');
        mode = mode === 'review' || mode === 'browse' ? mode : 'normal';
        credits = mode === 'normal' && get('cmi.credit') !== 'no-credit';
        writes = mode === 'normal';
        var completion = get('cmi.completion_status');
        last['cmi.completion_status'] = completion;
        if (credits && (completion === '' || completion === 'not attempted' || completion === 'unknown')) {
          set('cmi.completion_status', 'incomplete');
        }
        /* review shows the attempt's saved data whatever its exit was; browse starts afresh */
        var resume = entry === 'resume' || mode === 'review';
        var info = {
          available: true, resume: resume, mode: mode, credit: credits,
          location: resume ? get('cmi.location') : '',
          state: resume ? get('cmi.suspend_data') : '',
          learner: get('cmi.learner_name')
        };
        /* what the LMS already has is not set (nor committed) again */
        if (resume) { last['cmi.location'] = info.location; last['cmi.suspend_data'] = info.state; }
        commit();
        return info;
      },
      pageViewed: function (page) {
        set('cmi.location', page.id);
      },
      questionAnswered: function (answer) {
        /* answer: {quiz, question, response, score (0..1), graded, shownAt, answeredAt} */
        if (!answer.graded || !credits || !live) return;
        dirty = true;
        var q = answer.question;
        var n = parseInt(get('cmi.interactions._count'), 10) || 0;
        var prefix = 'cmi.interactions.' + n + '.';
        var type = interactionType(q, answer.response);
        call('SetValue', [prefix + 'id', oneLine(answer.quiz + '.' + q.id).replace(/\s/g, '_').slice(0, 4000)]);
        call('SetValue', [prefix + 'type', type]);
        call('SetValue', [prefix + 'objectives.0.id', answer.quiz]);
        call('SetValue', [prefix + 'timestamp', timestamp(new Date(answer.answeredAt))]);
        var pattern = correctPattern(q, type);
        if (pattern !== null) call('SetValue', [prefix + 'correct_responses.0.pattern', pattern]);
        call('SetValue', [prefix + 'weighting', q.type === 'likert' ? '0' : String(q.points)]);
        var given = response(q, answer.response);
        if (given !== '') call('SetValue', [prefix + 'learner_response', given]);
        var result = q.type === 'likert' ? 'neutral' : answer.score >= 1 ? 'correct'
          : answer.score <= 0 ? 'incorrect' : String(Math.round(answer.score * 100) / 100);
        call('SetValue', [prefix + 'result', result]);
        call('SetValue', [prefix + 'latency', duration(answer.answeredAt - answer.shownAt)]);
      },
      progress: function (p) {
        /* p: {status: incomplete|completed|passed|failed, score: 0..100 or null} */
        if (!credits) return;
        status = p.status;
        if (p.score !== null && p.score !== undefined) {
          var raw = Math.round(p.score * 100) / 100;
          set('cmi.score.min', '0');
          set('cmi.score.max', '100');
          set('cmi.score.raw', String(raw));
          set('cmi.score.scaled', String(Math.round(raw * 100) / 10000));
        }
        /* failed: no try that could pass is left, or the learner chose to finish; done either way */
        set('cmi.completion_status', p.status === 'incomplete' ? 'incomplete' : 'completed');
        if (p.status === 'passed' || p.status === 'failed') set('cmi.success_status', p.status);
        if (p.status !== 'incomplete') set('cmi.progress_measure', '1');
      },
      saveState: function (text) {
        if (text.length > MAX_SUSPEND) {
          report('406', 'suspend_data of ' + text.length + ' characters is over the SCORM 2004 limit');
          return;
        }
        set('cmi.suspend_data', text);
        /* the share of lessons seen; 1 only with the player's completion (the manifest's
         * completionThreshold compares it with 1.0 for a course done by viewing its lessons) */
        var share = credits && status === 'incomplete' ? lessonShare(text, data) : null;
        if (share !== null) set('cmi.progress_measure', String(Math.min(0.99, Math.floor(share * 100) / 100)));
      },
      commit: commit,
      finish: function (done, leaving) {
        if (!live || finished) return;
        finished = true;
        if (writes) {
          set('cmi.exit', done ? 'normal' : 'suspend');
          call('SetValue', ['cmi.session_time', duration(Date.now() - started)]);
        }
        /* the Exit button: ask the LMS to end (or suspend) the course and close the player
         * (SN 4.4.3 navigation requests), where it implements adl.nav */
        if (!leaving && call('GetValue', ['adl.nav.request'], true) !== null) {
          call('SetValue', ['adl.nav.request', done || !writes ? 'exitAll' : 'suspendAll'], true);
        }
        call('Terminate', ['']); /* commits what was set (RTE 3.1.3.2) */
        live = false;
      },
      formats: { duration: duration, timestamp: timestamp, response: response, correctPattern: correctPattern,
        interactionType: interactionType }
    };
  }

  window.ScormbuildTracking = { create: create };
}());
