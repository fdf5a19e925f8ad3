/* scormbuild tracking adapter for TinCan (xAPI launched with Rustici's launch convention).
 * Launch parameters: endpoint, auth, actor, registration, activity_id, grouping (lms_lrs.md).
 * Statements go through ScormbuildXapi's durable queue; bookmark and the codec's string live in
 * the State API (stateId "scormbuild.state"). The LRS being down never stops the learner.
 * Launch parameters this adapter does not know are echoed back on every LRS request, as
 * lms_lrs.md asks and TinCanJS does (its `extended` LRS config): an LMS may route by them. */
(function () {
  'use strict';
  var X = window.ScormbuildXapi;
  var STATE_ID = 'scormbuild.state';
  /* lms_lrs.md "Launch" parameters; anything else is echoed to the LRS */
  var KNOWN = ['endpoint', 'auth', 'actor', 'registration', 'activity_id', 'activity_platform',
    'Accept-Language', 'grouping', 'content_token', 'content_endpoint'];

  function extra(params) {
    var out = {};
    Object.keys(params).forEach(function (k) { if (KNOWN.indexOf(k) < 0) out[k] = params[k]; });
    return out;
  }

  function create(data, hooks) {
    var params = X.query(window.location.search);
    var lang = data.language;
    var lrs = null, actor = null, registration = null, grouping = null;
    var activityId = params.activity_id || data.activityId;
    var started = Date.now();
    var live = false, finished = false, leaving = false;
    var doc = { location: '', state: '', reported: {} };
    var saved = null;
    var judged = false;  /* passed or failed sent in this session */

    function stateParams() {
      var p = { activityId: activityId, agent: JSON.stringify(actor), stateId: STATE_ID };
      if (registration) p.registration = registration;
      return p;
    }

    function courseActivity() { return X.activity(activityId, X.ACTIVITY.course, data.title, lang); }

    function context(parents) {
      var ctx = {};
      if (registration) ctx.registration = registration;
      var activities = {};
      if (parents) activities.parent = parents;
      if (grouping) activities.grouping = [{ objectType: 'Activity', id: grouping }];
      if (parents || grouping) ctx.contextActivities = activities;
      ctx.language = lang;
      return ctx;
    }

    function send(verb, object, result, parents) {
      var statement = { id: X.uuid(), actor: actor, verb: X.verb(verb), object: object,
        context: context(parents), timestamp: X.timestamp() };
      if (result) statement.result = result;
      lrs.sendStatement(statement);
    }

    function session() { return X.duration(Date.now() - started); }

    function storeDoc() {
      var text = JSON.stringify(doc);
      if (text === saved) return;
      saved = text;
      lrs.putState(stateParams(), text);
    }

    function begin(found) {
      try { if (found) doc = Object.assign(doc, JSON.parse(found)); } catch (e) { /* a foreign document */ }
      doc.reported = doc.reported || {};
      saved = found;
      live = true;
      send('initialized', courseActivity());
      lrs.start();
      return { available: true, resume: !!(doc.location || doc.state), location: doc.location || '',
        state: doc.state || '', learner: actor.name || '' };
    }

    return {
      name: 'tincan',
      start: function () {
        try {
          if (!params.endpoint || !params.actor) return { available: false };
          actor = X.agent(params.actor);
          if (!actor) return { available: false };
        } catch (e) {
          return { available: false };
        }
        registration = params.registration || null;
        grouping = params.grouping || null;
        lrs = new X.Lrs(params.endpoint, params.auth);
        lrs.extended = extra(params);
        lrs.onBlocked = function (status) { if (hooks && hooks.onError) hooks.onError(status, 'LRS'); };
        window.addEventListener('pagehide', function () { leaving = true; }, true);
        /* a State PUT still queued in this browser is newer than the LRS's copy (or the LRS is down) */
        return lrs.getDocument('activities/state', stateParams()).then(function (found) {
          return begin(lrs.pendingState(stateParams()) || found);
        }, function () {
          return begin(lrs.pendingState(stateParams()));
        });
      },
      pageViewed: function (page) {
        if (!live) return;
        doc.location = page.id;
        send('experienced', X.pageActivity(data, page), null, [courseActivity()]);
      },
      questionAnswered: function (answer) {
        if (!live) return;
        var q = answer.question;
        var result = { response: X.response(q, answer.response),
          duration: X.duration(answer.answeredAt - answer.shownAt) };
        if (q.type !== 'likert') {
          result.success = answer.score >= 1;
          result.score = { scaled: Math.round(answer.score * 10000) / 10000 };
        }
        var quizPage = data.pages.filter(function (p) { return p.id === answer.quiz; })[0];
        send('answered', X.interaction(data, answer.quiz, q), result,
          [X.pageActivity(data, quizPage), courseActivity()]);
      },
      progress: function (p) {
        if (!live) return;
        var done = p.status === 'completed' || p.status === 'passed';
        var scored = p.score !== null && p.score !== undefined;
        if (done && !doc.reported.completed) {
          doc.reported.completed = true;
          var result = { completion: true, duration: session() };
          if (scored) result.score = X.score(p.score);
          send('completed', courseActivity(), result);
        }
        /* attempt policy (docs/moodle.md): the player says failed only when it is final */
        if ((p.status === 'passed' || (p.status === 'failed' && p.finished)) && scored && !judged) {
          var key = p.status + ':' + p.score;
          if (doc.reported.judged !== key) {
            doc.reported.judged = key;
            judged = true; /* at most one of passed/failed per session, as in cmi5 */
            send(p.status, courseActivity(), { score: X.score(p.score), success: p.status === 'passed',
              completion: p.status === 'passed', duration: session() });
          }
        }
      },
      saveState: function (text) { doc.state = text; },
      commit: function () { if (live) storeDoc(); },
      finish: function (done, pageLeaving) {
        if (pageLeaving) leaving = true;
        if (!live || finished) return;
        finished = true;
        storeDoc();
        send(done ? 'terminated' : 'suspended', courseActivity(), { duration: session() });
        if (leaving) lrs.flushOnExit(); else lrs.flush(3000);
      }
    };
  }

  window.ScormbuildTracking = { create: create };
}());
