/* scormbuild preview: a local LMS page around the course.
 *
 * Launchers (one per tracking standard) live in ScormbuildPreview.launchers, keyed by the
 * name preview.py's LAUNCHERS gives a target. A launcher has:
 *   panel        'cmi' | 'statements' | 'none': which live panel it fills
 *   query()      optional: extra query parameters for /__preview__/launch (e.g. a registration)
 *   launch(info) returns the iframe URL; info = the launch facts of /__preview__/launch
 *   reset()      optional: forget what this standard stored for the learner
 * A target without a launcher opens as a plain page ('plain').
 * window.__preview exposes the page's state to tests.
 */
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var frame = $('scorm_object');
  var LEARNER = { student_id: 'preview', student_name: 'Learner, Preview', lesson_mode: 'normal', credit: 'credit' };
  var MAX_LOG = 1000;
  var preview = window.__preview = {
    generation: 0, launches: 0, launchedGeneration: 0, target: null, status: null, info: null,
    calls: [], statements: [], errors: []
  };

  /* ---- small helpers ------------------------------------------------------------------- */

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function getJSON(url, init) {
    return fetch(url, Object.assign({ cache: 'no-store' }, init || {})).then(function (r) {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return r.status === 204 ? null : r.json();
    });
  }

  function key(name) {
    var id = preview.status && preview.status.course ? preview.status.course.id : 'course';
    return 'scormbuild.preview.' + id + '.' + name;
  }

  var store = {
    get: function (name) {
      try { return JSON.parse(window.localStorage.getItem(key(name))); } catch (e) { return null; }
    },
    set: function (name, value) {
      try { window.localStorage.setItem(key(name), JSON.stringify(value)); } catch (e) { /* full */ }
    }
  };

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0;
      return (c === 'x' ? r : (r & 3 | 8)).toString(16);
    });
  }

  function registration(name) {
    var reg = store.get(name + '.registration');
    if (!reg) { reg = uuid(); store.set(name + '.registration', reg); }
    return reg;
  }

  function flatten(value, prefix, out) {
    out = out || [];
    if (value && typeof value === 'object') {
      Object.keys(value).forEach(function (k) { flatten(value[k], prefix + '.' + k, out); });
    } else if (value !== '' && value !== null && value !== undefined) {
      out.push([prefix, String(value)]);
    }
    return out;
  }

  function dropEmpty(value) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    var out = {};
    Object.keys(value).forEach(function (k) {
      var v = dropEmpty(value[k]);
      var empty = v === '' || v === null || v === undefined ||
        (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
      if (!empty) out[k] = v;
    });
    return out;
  }

  function query(params) {
    return Object.keys(params).filter(function (k) { return params[k] !== undefined && params[k] !== null; })
      .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); }).join('&');
  }

  /* ---- the call log and the panels ----------------------------------------------------- */

  function logLine(text, cls) {
    var list = $('call-list');
    var item = el('li', text, cls);
    list.appendChild(item);
    while (list.children.length > MAX_LOG) list.removeChild(list.firstChild);
    item.scrollIntoView({ block: 'nearest' });
  }

  function logCall(call) {
    preview.calls.push(call);
    if (preview.calls.length > MAX_LOG) preview.calls.shift();
    var text = call.name + '(' + call.args.map(function (a) { return JSON.stringify(a); }).join(', ') + ')';
    if (call.result !== undefined) text += ' → ' + JSON.stringify(call.result);
    var bad = call.result === 'false' || (call.error && call.error !== '0');
    if (call.error && call.error !== '0') text += '  [error ' + call.error + ']';
    if (call.exception) text += '  [exception ' + call.exception + ']';
    logLine(text, bad || call.exception ? 'bad' : '');
  }

  function showPanel(panel) {
    $('cmi-panel').hidden = panel !== 'cmi';
    $('statements-panel').hidden = panel !== 'statements';
  }

  function renderCmi(api) {
    var body = $('cmi-table').tBodies[0];
    body.textContent = '';
    var cmi = {};
    try { cmi = api.renderCMIToJSONObject().cmi; } catch (e) { /* not ready */ }
    flatten(cmi, 'cmi').forEach(function (row) {
      var tr = el('tr');
      tr.appendChild(el('td', row[0]));
      tr.appendChild(el('td', row[1]));
      tr.setAttribute('data-element', row[0]);
      body.appendChild(tr);
    });
  }

  function statementSummary(s) {
    var verb = s.verb || {};
    var display = verb.display || {};
    var verbName = display['en-US'] || display[Object.keys(display)[0]] || String(verb.id || '').split('/').pop();
    var object = s.object || {};
    var def = object.definition || {};
    var names = def.name || {};
    var objectName = names['en-US'] || names[Object.keys(names)[0]] || object.id || '';
    var result = s.result || {};
    var bits = [];
    if (result.score && result.score.scaled !== undefined) bits.push('scaled ' + result.score.scaled);
    if (result.success !== undefined) bits.push(result.success ? 'success' : 'no success');
    if (result.completion !== undefined) bits.push(result.completion ? 'complete' : 'incomplete');
    if (result.response !== undefined) bits.push('response ' + JSON.stringify(result.response));
    var time = (s.timestamp || '').replace(/^.*T(\d\d:\d\d:\d\d).*$/, '$1');
    return time + ' ' + verbName + ' ' + objectName + (bits.length ? ' (' + bits.join(', ') + ')' : '');
  }

  function addStatement(s) {
    if (preview.statements.some(function (known) { return known.id === s.id; })) return;
    preview.statements.push(s);
    var item = el('li');
    var details = el('details');
    details.appendChild(el('summary', statementSummary(s)));
    details.appendChild(el('pre', JSON.stringify(s, null, 2)));
    item.appendChild(details);
    var list = $('statement-list');
    list.insertBefore(item, list.firstChild);
    $('statement-count').textContent = '(' + preview.statements.length + ')';
  }

  function clearStatements() {
    preview.statements = [];
    $('statement-list').textContent = '';
    $('statement-count').textContent = '';
  }

  function loadStatements() {
    return getJSON('/__preview__/statements').then(function (all) {
      clearStatements();
      all.forEach(addStatement);
    });
  }

  /* ---- errors and build status --------------------------------------------------------- */

  function showDiagnostics(diagnostics) {
    var errors = diagnostics.filter(function (d) { return d.severity === 'error'; });
    var warnings = diagnostics.filter(function (d) { return d.severity !== 'error'; });
    preview.errors = errors;
    var list = $('error-list');
    list.textContent = '';
    errors.forEach(function (d) { list.appendChild(el('li', d.text)); });
    $('errors').hidden = errors.length === 0;
    var wlist = $('warning-list');
    wlist.textContent = '';
    warnings.forEach(function (d) { wlist.appendChild(el('li', d.text)); });
    $('warning-count').textContent = String(warnings.length);
    $('warnings-box').hidden = warnings.length === 0;
  }

  function refreshStatus() {
    return getJSON('/__preview__/status').then(function (status) {
      preview.status = status;
      preview.generation = status.generation;
      if (status.course) {
        $('course-title').textContent = status.course.title;
        document.title = status.course.title + ' · scormbuild preview';
      }
      var select = $('target');
      if (!select.options.length) {
        status.targets.forEach(function (t) {
          var option = el('option', t.name);
          option.value = t.name;
          option.title = t.description;
          select.appendChild(option);
        });
        var wanted = new URLSearchParams(window.location.search).get('target');
        preview.target = status.targets.some(function (t) { return t.name === wanted; }) ? wanted : status.target;
        select.value = preview.target;
      }
      var target = status.targets.filter(function (t) { return t.name === preview.target; })[0];
      $('target-help').textContent = target ? target.description : '';
      $('build').textContent = 'Build ' + status.generation + ' at ' +
        new Date(status.built_at * 1000).toLocaleTimeString() + (status.ok ? '' : ' — has errors');
      showDiagnostics(status.diagnostics);
      return status;
    });
  }

  /* ---- launchers ------------------------------------------------------------------------ */

  var launchers = {};

  launchers.scorm12 = {
    panel: 'cmi',
    launch: function (info) {
      var stored = store.get('scorm12.cmi');
      var cmi;
      if (stored) {  /* what an LMS hands the next session (SCORM 1.2 RTE 3.4.2, like Moodle) */
        cmi = dropEmpty(JSON.parse(JSON.stringify(stored)));
        cmi.core = cmi.core || {};
        var lastExit = cmi.core.exit;
        delete cmi.core.exit;
        delete cmi.core.session_time;
        delete cmi.interactions;
        cmi.core.entry = lastExit === 'suspend' ? 'resume' : '';
      } else {
        cmi = { core: { entry: 'ab-initio' } };
      }
      Object.keys(LEARNER).forEach(function (k) { cmi.core[k] = LEARNER[k]; });
      if (info.mastery_score) { cmi.student_data = cmi.student_data || {}; cmi.student_data.mastery_score = info.mastery_score; }
      if (info.launch_data) cmi.launch_data = info.launch_data;
      var api = new window.Scorm12API({ autocommit: false, logLevel: 5 });
      api.loadFromJSON({ cmi: cmi });
      var lastError = api.LMSGetLastError.bind(api);
      var quiet = { LMSGetLastError: 1, LMSGetErrorString: 1, LMSGetDiagnostic: 1 };
      ['LMSInitialize', 'LMSFinish', 'LMSGetValue', 'LMSSetValue', 'LMSCommit', 'LMSGetLastError',
        'LMSGetErrorString', 'LMSGetDiagnostic'].forEach(function (name) {
        var original = api[name].bind(api);
        api[name] = function () {
          var args = Array.prototype.slice.call(arguments).map(String);
          var call = { name: name, args: args, time: Date.now() };
          var result;
          try {
            result = original.apply(null, arguments);
          } catch (error) {
            call.exception = String(error);
            logCall(call);
            throw error;
          }
          call.result = result;
          if (!quiet[name]) call.error = String(lastError());
          if (result === 'true' && (name === 'LMSCommit' || name === 'LMSFinish')) {
            /* the data the LMS would persist; the next launch starts from it */
            store.set('scorm12.cmi', api.renderCommitCMI(name === 'LMSFinish').cmi);
          }
          logCall(call);
          renderCmi(api);
          return result;
        };
      });
      window.API = api;
      renderCmi(api);
      logLine('entry=' + cmi.core.entry + (info.mastery_score ? ', mastery_score=' + info.mastery_score : ''), 'sep');
      return info.base + info.href;
    },
    reset: function () { window.localStorage.removeItem(key('scorm12.cmi')); }
  };

  launchers.tincan = {
    panel: 'statements',
    launch: function (info) {
      var params = { endpoint: info.endpoint, auth: info.auth, actor: JSON.stringify(info.actor),
        registration: registration('tincan'), activity_id: info.activity_id };
      return info.base + info.href + (info.href.indexOf('?') < 0 ? '?' : '&') + query(params);
    },
    reset: function () { window.localStorage.removeItem(key('tincan.registration')); }
  };

  launchers.cmi5 = {
    panel: 'statements',
    query: function () { return { registration: registration('cmi5') }; },
    launch: function (info) { return info.base + info.url; },
    reset: function () { window.localStorage.removeItem(key('cmi5.registration')); }
  };

  launchers.plain = {
    panel: 'none',
    launch: function (info) { return info.base + info.href; }
  };

  window.ScormbuildPreview = { launchers: launchers };

  /* ---- launching ------------------------------------------------------------------------ */

  function unload() {
    /* leaving the course fires its pagehide handlers: LMSFinish, the last statements */
    return new Promise(function (resolve) {
      var href = '';
      try { href = frame.contentWindow.location.href; } catch (e) { href = 'x'; }
      if (!href || href === 'about:blank') { resolve(); return; }
      var done = false;
      var finish = function () { if (!done) { done = true; resolve(); } };
      frame.addEventListener('load', finish, { once: true });
      setTimeout(finish, 3000);
      frame.src = 'about:blank';
    });
  }

  function launch() {
    var target = preview.target;
    return unload().then(function () {
      if (!preview.status || !preview.status.ok) return null;
      var extra = {};
      var before = launchers[(preview.status.targets.filter(function (t) { return t.name === target; })[0] || {}).launcher];
      if (before && before.query) extra = before.query();
      extra.target = target;
      return getJSON('/__preview__/launch?' + query(extra));
    }).then(function (info) {
      if (!info) return;
      preview.info = info;
      if (!info.ok) { showDiagnostics(info.diagnostics); return; }
      var launcher = launchers[info.launcher] || launchers.plain;
      showPanel(launcher.panel);
      preview.launches += 1;
      preview.launchedGeneration = info.generation;
      logLine('— launch ' + preview.launches + ': ' + target + ', build ' + info.generation + ' —', 'sep');
      var loaded = launcher.panel === 'statements' ? loadStatements() : Promise.resolve();
      return loaded.then(function () { frame.src = launcher.launch(info); });
    }).catch(function (error) {
      logLine('preview: ' + error, 'bad');
    });
  }

  var chain = Promise.resolve();
  function enqueue(step) {
    chain = chain.then(step, step);
    return chain;
  }

  function rebuilt() {
    return refreshStatus().then(launch);
  }

  function reset() {
    return unload().then(function () {
      Object.keys(launchers).forEach(function (name) { if (launchers[name].reset) launchers[name].reset(); });
      /* what the packages keep in the browser themselves (xAPI queues, the html target) */
      Object.keys(window.localStorage).forEach(function (k) {
        if (k.indexOf('scormbuild.preview.') !== 0) window.localStorage.removeItem(k);
      });
      try { window.sessionStorage.clear(); } catch (e) { /* blocked */ }
      return fetch('/__preview__/reset', { method: 'POST' });
    }).then(function () {
      clearStatements();
      $('call-list').textContent = '';
      preview.calls = [];
      logLine('— learner reset —', 'sep');
    }).then(launch);
  }

  $('relaunch').addEventListener('click', function () { enqueue(launch); });
  $('reset').addEventListener('click', function () { enqueue(reset); });
  $('clear-log').addEventListener('click', function () { $('call-list').textContent = ''; preview.calls = []; });
  $('target').addEventListener('change', function (event) {
    preview.target = event.target.value;
    var url = new URL(window.location.href);
    url.searchParams.set('target', preview.target);
    window.history.replaceState(null, '', url.toString());
    enqueue(rebuilt);
  });

  function listen() {
    var events = new EventSource('/__preview__/events');
    events.addEventListener('hello', function (e) {
      var data = JSON.parse(e.data);
      if (preview.status && data.generation !== preview.generation) enqueue(rebuilt);
    });
    events.addEventListener('build', function () { enqueue(rebuilt); });
    events.addEventListener('statement', function (e) {
      if (!$('statements-panel').hidden) addStatement(JSON.parse(e.data));
    });
    events.addEventListener('state', function (e) {
      var d = JSON.parse(e.data);
      logLine('LRS ' + d.path + ' ' + (d.stateId || d.profileId || '') + ' stored');
    });
    events.addEventListener('lrs', function () { clearStatements(); });
  }

  enqueue(rebuilt);
  listen();
})();
