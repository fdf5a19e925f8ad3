/* scormbuild tracking adapter for cmi5 (cmi5 spec sections 8-11; /shared/reference/xapi.md 2.2-2.3).
 * Launch: POST the fetch URL once for the token, GET State LMS.LaunchData, GET the learner
 * preferences Agent Profile, then `initialized`. Every statement: the launch actor, registration,
 * the LMS's context template (session id, publisher grouping), a UTC timestamp. cmi5 defined
 * statements (initialized, completed, passed, failed, terminated) carry the cmi5 category, those
 * with success/completion also the moveon category; `experienced` (a page shown) and `answered`
 * go as cmi5 "allowed" statements. Browse and Review launches send only initialized and terminated.
 *
 * Sessions: the AU MUST send `terminated` last (cmi5 9.3.8), and closing the tab is the most
 * common way to leave. So `terminated` (with the session's duration) goes on Exit and on a
 * pagehide whose page is not kept in the back/forward cache: queued after everything else and
 * handed to fetch(keepalive) with the rest of the queue. The browser cannot tell a reload from
 * a closed tab, so a reload ends the session too: the reloaded page says that the session has
 * ended and offers the returnURL (a terminated session cannot go on; the LMS launches a new
 * one, which resumes from the State document). A page put in the bfcache keeps its session
 * (it may come back): it stores the State document and sends the queue, nothing of cmi5's own.
 * The session (start time, passed/failed sent, LaunchData) is kept in sessionStorage per fetch
 * URL for that case. Attempt policy (docs/moodle.md): `failed` only once no attempt is left or
 * the learner chose to finish; at most one of passed/failed per session (9.3.x). */
(function () {
  'use strict';
  var X = window.ScormbuildXapi;
  var STATE_ID = 'scormbuild.state';
  var CMI5 = 'https://w3id.org/xapi/cmi5/';
  var CATEGORY = CMI5 + 'context/categories/cmi5';
  var MOVEON = CMI5 + 'context/categories/moveon';
  var MASTERY = CMI5 + 'context/extensions/masteryscore';

  function clone(value) { return JSON.parse(JSON.stringify(value)); }

  function create(data, hooks) {
    var params = X.query(window.location.search);
    var lrs = null, actor = null, launch = null;
    var registration = params.registration, activityId = params.activityId;
    var started = Date.now();
    var live = false, finished = false, leaving = false, normal = true;
    var doc = { location: '', state: '', reported: {} };
    var saved = null;
    var judged = false;   /* passed or failed sent in this session (at most one per session) */

    function stateParams(stateId) {
      return { activityId: activityId, agent: JSON.stringify(actor), registration: registration, stateId: stateId };
    }

    /* 8.2: POST (never GET) the one-time fetch URL; a reload reuses the token of this tab */
    function token() {
      var key = 'scormbuild.cmi5.token:' + params.fetch;
      var kept = null;
      try { kept = window.sessionStorage.getItem(key); } catch (e) { /* storage blocked */ }
      if (kept) return Promise.resolve(kept);
      return fetch(params.fetch, { method: 'POST', mode: 'cors', credentials: 'omit', cache: 'no-store' })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          if (!body || !body['auth-token']) {
            throw new Error('cmi5 fetch refused: ' + (body && body['error-code']) + ' ' + (body && body['error-text']));
          }
          try { window.sessionStorage.setItem(key, body['auth-token']); } catch (e) { /* keep going */ }
          return body['auth-token'];
        });
    }

    /* This tab's session of this launch: {started, judged}; survives a reload, not a new launch */
    function sessionKey() { return 'scormbuild.cmi5.session:' + params.fetch; }
    function loadSession() {
      try { return JSON.parse(window.sessionStorage.getItem(sessionKey()) || 'null'); } catch (e) { return null; }
    }
    function keepSession() {
      try {
        window.sessionStorage.setItem(sessionKey(), JSON.stringify({ started: started, judged: judged,
          launch: launch }));
      } catch (e) { /* storage blocked: a reload starts a new session */ }
    }

    function ended(mark) {
      var key = 'scormbuild.cmi5.terminated:' + params.fetch;
      try {
        if (mark) window.sessionStorage.setItem(key, '1');
        return window.sessionStorage.getItem(key) === '1';
      } catch (e) { return false; }
    }

    function object() { return { objectType: 'Activity', id: activityId }; }

    /* The context template with additions; nothing of the template is overwritten (10.2.1) */
    function context(categories, extensions, parents) {
      var ctx = clone(launch.contextTemplate || {});
      ctx.registration = registration;
      if (categories.length || parents) {
        var activities = ctx.contextActivities = ctx.contextActivities || {};
        if (categories.length) {
          var list = activities.category ? [].concat(activities.category) : [];
          categories.forEach(function (id) {
            if (!list.some(function (a) { return a.id === id; })) list.push({ objectType: 'Activity', id: id });
          });
          activities.category = list;
        }
        if (parents) activities.parent = [].concat(activities.parent || [], parents);
      }
      if (extensions) ctx.extensions = Object.assign({}, extensions, ctx.extensions || {});
      return ctx;
    }

    function send(verb, obj, result, ctx) {
      var statement = { id: X.uuid(), actor: actor, verb: X.verb(verb), object: obj, context: ctx,
        timestamp: X.timestamp() };
      if (result) statement.result = result;
      lrs.sendStatement(statement);
    }

    function session() { return X.duration(Date.now() - started); }

    function defined(verb, result) {
      var moveOn = result && (result.success !== undefined || result.completion !== undefined);
      var extensions = null;
      if ((verb === 'passed' || verb === 'failed') && typeof launch.masteryScore === 'number') {
        extensions = {};
        extensions[MASTERY] = launch.masteryScore;
      }
      send(verb, object(), result, context(moveOn ? [CATEGORY, MOVEON] : [CATEGORY], extensions));
    }

    function storeDoc() {
      var text = JSON.stringify(doc);
      if (text === saved) return;
      saved = text;
      lrs.putState(stateParams(STATE_ID), text);
    }

    /* passed/failed by the LMS's masteryScore when it gave one (9.3.4, 9.3.5), else by the player */
    function success(status, scaled) {
      if (typeof launch.masteryScore === 'number') return scaled >= launch.masteryScore;
      return status === 'passed';
    }

    function judge(score, passed) {
      judged = true;
      keepSession();
      if (passed) doc.reported.passed = true;
      defined(passed ? 'passed' : 'failed', { score: score, success: passed, duration: session() });
    }

    function begin(launchData, found) {
      launch = launchData;
      normal = !launch.launchMode || launch.launchMode === 'Normal';
      try { if (found) doc = Object.assign(doc, JSON.parse(found)); } catch (e) { /* a foreign document */ }
      doc.reported = doc.reported || {};
      saved = found;
      live = true;
      var session = loadSession();
      if (session && typeof session.started === 'number') {
        started = session.started;  /* a reload: the same session goes on */
        judged = !!session.judged;
      } else {
        defined('initialized', null);
        keepSession();
      }
      lrs.start();
      var mode = normal ? 'normal' : launch.launchMode === 'Browse' ? 'browse' : 'review';
      return { available: true, part: params.au || '', resume: mode !== 'browse' && !!(doc.location || doc.state),
        location: doc.location || '', state: doc.state || '', learner: actor.name || '', mode: mode };
    }

    return {
      name: 'cmi5',
      start: function () {
        try {
          if (!params.endpoint || !params.fetch || !params.actor || !registration || !activityId) {
            return { available: false };
          }
          actor = X.agent(params.actor);
          if (!actor) return { available: false };
        } catch (e) {
          return { available: false };
        }
        lrs = new X.Lrs(params.endpoint, '');
        lrs.onBlocked = function (status) { if (hooks && hooks.onError) hooks.onError(status, 'LRS'); };
        window.addEventListener('pagehide', function () { leaving = true; }, true);
        window.addEventListener('pageshow', function (event) { if (event.persisted) leaving = false; });
        var launchData = null;
        return token().then(function (t) {
          lrs.auth = 'Basic ' + t;
          if (ended()) {
            /* a reload after `terminated`: this launch is over (the LMS must launch again);
             * only what is still queued gets sent, and the player says so */
            lrs.start();
            var kept = loadSession();
            return { ended: true, returnURL: kept && kept.launch && kept.launch.returnURL || '' };
          }
          /* a reload while the LRS is down goes on with this session's copy */
          var kept = loadSession();
          return lrs.getDocument('activities/state', stateParams('LMS.LaunchData')).catch(function (error) {
            if (kept && kept.launch) return JSON.stringify(kept.launch);
            throw error;
          });
        }).then(function (text) {
          if (text && text.ended) return text;
          launchData = text ? JSON.parse(text) : null;
          if (!launchData || !launchData.contextTemplate) throw new Error('no LMS.LaunchData');
          /* 11.0: read the learner preferences before any statement; a missing profile is fine */
          return lrs.getDocument('agents/profile', { agent: JSON.stringify(actor), profileId: 'cmi5LearnerPreferences' })
            .catch(function () { return null; });
        }).then(function (prefs) {
          if (prefs && prefs.ended) return prefs;
          return lrs.getDocument('activities/state', stateParams(STATE_ID)).catch(function () { return null; });
        }).then(function (found) {
          if (found && found.ended) return { available: false, ended: true, returnURL: found.returnURL };
          /* a State PUT still queued here (e.g. sent with keepalive before a reload) is newer */
          found = lrs.pendingState(stateParams(STATE_ID)) || found;
          return begin(launchData, found);
        }).catch(function (error) {
          if (window.console) console.warn('scormbuild: cmi5 launch failed: ' + error);
          return { available: false };
        });
      },
      pageViewed: function (page) {
        if (!live || finished) return;
        doc.location = page.id;
        if (!normal) return;
        /* a cmi5 "allowed" statement: the page, in the context of this AU, no cmi5 category */
        send('experienced', X.pageActivity(data, page), null, context([], null, [object()]));
      },
      questionAnswered: function (answer) {
        if (!live || !normal) return;
        var q = answer.question;
        /* no success (it would need the moveon category) and no score (passed/failed only):
         * correctness follows from the response and the definition's correctResponsesPattern */
        var result = { response: X.response(q, answer.response),
          duration: X.duration(answer.answeredAt - answer.shownAt) };
        /* a cmi5 "allowed" statement: context template, no cmi5 category (9.6.2) */
        send('answered', X.interaction(data, answer.quiz, q), result,
          context([], null, [object()]));
      },
      progress: function (p) {
        if (!live || !normal || finished) return;
        if ((p.status === 'completed' || p.status === 'passed') && !doc.reported.completed) {
          doc.reported.completed = true;
          defined('completed', { completion: true, duration: session() });
        }
        if ((p.status !== 'passed' && p.status !== 'failed') || p.score === null || p.score === undefined) return;
        if (judged || doc.reported.passed) return;
        var score = X.score(p.score);
        var passed = success(p.status, score.scaled);
        if (passed) judge(score, true);
        else if (p.finished) judge(score, false);      /* no attempt left, or the learner finished */
      },
      saveState: function (text) { doc.state = text; },
      commit: function () { if (live) storeDoc(); },
      finish: function (done, pageLeaving, persisted) {
        if (pageLeaving) leaving = true;
        if (!live || finished) return;
        if (leaving && persisted) {
          /* into the back/forward cache: the page may come back, the session stays open */
          storeDoc();
          lrs.flushOnExit();
          return;
        }
        finished = true;
        storeDoc();
        defined('terminated', { duration: session() });
        ended(true);
        if (leaving) { lrs.flushOnExit(); return; } /* a closed tab or a reload: keepalive */
        lrs.flush(3000).then(function () {
          if (launch.returnURL) window.location.assign(launch.returnURL); /* 8.3: back to the LMS */
        });
      }
    };
  }

  window.ScormbuildTracking = { create: create };
}());
