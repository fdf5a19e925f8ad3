/* scormbuild xAPI runtime, shared by the TinCan and cmi5 tracking adapters (window.ScormbuildXapi).
 * Statement parts (UUIDs, ISO 8601 durations, UTC timestamps, interaction definitions, responses),
 * a client for the LRS's Statement and State APIs, and a durable queue: every write is kept in
 * localStorage until the LRS took it, sent in order, retried with backoff while the LRS is down,
 * and never blocks the learner. A 401/403 stops the queue (credentials will not get better by
 * retrying): the items stay queued for a later launch and onBlocked is called once. Rules: /shared/reference/xapi.md section 3 (xAPI 1.0.3). */
(function () {
  'use strict';
  var VERSION = '1.0.3';
  var ADL = 'http://adlnet.gov/expapi/verbs/';
  var VERBS = {
    initialized: ADL + 'initialized', experienced: ADL + 'experienced', answered: ADL + 'answered',
    completed: ADL + 'completed', passed: ADL + 'passed', failed: ADL + 'failed',
    terminated: ADL + 'terminated', suspended: 'https://w3id.org/xapi/adl/verbs/suspended'
  };
  var ACTIVITY = {
    course: 'http://adlnet.gov/expapi/activities/course',
    lesson: 'http://adlnet.gov/expapi/activities/lesson',
    assessment: 'http://adlnet.gov/expapi/activities/assessment',
    interaction: 'http://adlnet.gov/expapi/activities/cmi.interaction'
  };
  var TYPES = { 'single': 'choice', 'multiple': 'choice', 'true-false': 'true-false', 'fill-in': 'fill-in',
    'numeric': 'numeric', 'matching': 'matching', 'ordering': 'sequencing', 'likert': 'likert' };
  var BATCH = 50;          /* statements per POST */
  var MAX_DELAY = 8000;    /* backoff ceiling, ms */
  var KEEPALIVE_MAX = 60000; /* keepalive bodies are limited to 64 KiB in flight */
  var TIMEOUT = 10000;     /* a request that hangs is given up and sent again */

  /* ---- statement parts -------------------------------------------------------------------- */

  function uuid() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === 'function') return c.randomUUID();
    var b = new Uint8Array(16);
    c.getRandomValues(b); /* randomUUID needs a secure context, getRandomValues does not */
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  /* ISO 8601 duration with at most 0.01 s precision (xAPI Data 4.6): PT1H2M3.45S */
  function duration(ms) {
    var cs = Math.max(0, Math.round(ms / 10));
    var h = Math.floor(cs / 360000), m = Math.floor(cs / 6000) % 60, s = (cs % 6000) / 100;
    return 'PT' + (h ? h + 'H' : '') + (m ? m + 'M' : '') + s.toFixed(2).replace(/\.?0+$/, '') + 'S';
  }

  /* UTC with milliseconds, strictly increasing within a page so that order survives equal clocks */
  var lastStamp = 0;
  function timestamp() {
    var now = Math.max(Date.now(), lastStamp + 1);
    lastStamp = now;
    return new Date(now).toISOString();
  }

  function text(html) {
    if (!html) return '';
    var doc = new DOMParser().parseFromString(String(html), 'text/html'); /* loads nothing */
    return (doc.body.textContent || '').replace(/\s+/g, ' ').trim();
  }

  function langMap(lang, value) { var map = {}; map[lang] = value; return map; }

  function questionId(data, quiz, question) {
    return data.activityId + '/quizzes/' + quiz + '/questions/' + question;
  }
  function pageId(data, page) { return data.activityId + '/pages/' + page; }

  function number(n) { return String(Number(n)); }

  /* correctResponsesPattern, mirroring targets/tincan.py; null when any answer is right */
  function correctPatterns(q) {
    switch (q.type) {
      case 'single': case 'multiple':
        return [q.choices.filter(function (c) { return c.correct; }).map(function (c) { return c.id; }).join('[,]')];
      case 'true-false':
        return [q.choices.some(function (c) { return c.id === 't' && c.correct; }) ? 'true' : 'false'];
      case 'fill-in':
        if (!q.answers.length) return null;
        return q.answers.map(function (a) { return (q.caseSensitive ? '{case_matters=true}' : '') + a; });
      case 'numeric':
        if (q.answer !== null && q.answer !== undefined) {
          if (!q.tolerance) return [number(q.answer)];
          return [number(q.answer - q.tolerance) + '[:]' + number(q.answer + q.tolerance)];
        }
        return [(q.min === null ? '' : number(q.min)) + '[:]' + (q.max === null ? '' : number(q.max))];
      case 'matching':
        return [q.pairs.map(function (p) { return p[0] + '[.]' + p[1]; }).join('[,]')];
      case 'ordering':
        return [q.items.map(function (i) { return i.id; }).join('[,]')];
      default:
        return null;
    }
  }

  function componentList(list, lang) {
    return list.map(function (c) { return { id: c.id, description: langMap(lang, text(c.text) || c.id) }; });
  }

  /* The Activity definition of one question (xAPI Data 2.4.4.1) */
  function interaction(data, quizName, q) {
    var lang = data.language;
    var def = {
      type: ACTIVITY.interaction,
      name: langMap(lang, data.quizzes[quizName].title + ': ' + q.id),
      description: langMap(lang, text(q.prompt) || q.id),
      interactionType: TYPES[q.type]
    };
    var patterns = correctPatterns(q);
    if (patterns) def.correctResponsesPattern = patterns;
    if (q.type === 'single' || q.type === 'multiple') def.choices = componentList(q.choices, lang);
    if (q.type === 'likert') def.scale = componentList(q.choices, lang);
    if (q.type === 'ordering') def.choices = componentList(q.items, lang);
    if (q.type === 'matching') {
      def.source = componentList(q.sources, lang);
      def.target = componentList(q.targets, lang);
    }
    return { objectType: 'Activity', id: questionId(data, quizName, q.id), definition: def };
  }

  /* The learner's response in the same format as the patterns */
  function response(q, r) {
    switch (q.type) {
      case 'true-false': return r === 't' ? 'true' : 'false';
      case 'multiple': return (r || []).slice().sort().join('[,]');
      case 'ordering': return (r || []).join('[,]');
      case 'matching':
        return q.sources.filter(function (s) { return r && r[s.id]; })
          .map(function (s) { return s.id + '[.]' + r[s.id]; }).join('[,]');
      case 'numeric': { /* a number as xAPI writes it: '3,5' in a decimal-comma language is 3.5 */
        var text = String(r).trim();
        return q.decimal === ',' ? text.replace(',', '.') : text;
      }
      default: return r === undefined || r === null ? '' : String(r);
    }
  }

  function activity(id, type, name, lang) {
    var a = { objectType: 'Activity', id: id, definition: { type: type } };
    if (name) a.definition.name = langMap(lang, name);
    return a;
  }

  function pageActivity(data, page) {
    return activity(pageId(data, page.id), page.kind === 'quiz' ? ACTIVITY.assessment : ACTIVITY.lesson,
      page.title, data.language);
  }

  /* score {scaled, raw, min, max} from a 0..100 course score; scaled rounded to 4 decimals */
  function score(percent) {
    var scaled = Math.round(Math.max(0, Math.min(100, percent)) * 100) / 10000;
    return { scaled: scaled, raw: Math.round(percent), min: 0, max: 100 };
  }

  function verb(name, lang) {
    return { id: VERBS[name], display: langMap(lang || 'en-US', name) };
  }

  /* ---- launch parameters -------------------------------------------------------------------- */

  function query(search) {
    var params = {};
    (search || '').replace(/^\?/, '').split('&').forEach(function (pair) {
      if (!pair) return;
      var i = pair.indexOf('=');
      var key = decodeURIComponent((i < 0 ? pair : pair.slice(0, i)).replace(/\+/g, ' '));
      params[key] = i < 0 ? '' : decodeURIComponent(pair.slice(i + 1).replace(/\+/g, ' '));
    });
    return params;
  }

  /* An Agent from a launch `actor`, 1.0 or the 0.95 array form {"name":["x"],"mbox":["mailto:y"]} */
  function agent(json) {
    var raw = typeof json === 'string' ? JSON.parse(json) : json;
    if (!raw || typeof raw !== 'object') return null;
    var first = function (v) { return Array.isArray(v) ? v[0] : v; };
    var out = { objectType: 'Agent' };
    var name = first(raw.name);
    if (name) out.name = String(name);
    var account = first(raw.account);
    if (raw.mbox) out.mbox = String(first(raw.mbox));
    else if (raw.mbox_sha1sum) out.mbox_sha1sum = String(first(raw.mbox_sha1sum));
    else if (raw.openid) out.openid = String(first(raw.openid));
    else if (account) {
      out.account = { homePage: account.homePage || account.accountServiceHomePage,
        name: account.name || account.accountName };
    } else return null;
    if (out.mbox && out.mbox.indexOf('mailto:') !== 0) out.mbox = 'mailto:' + out.mbox;
    return out;
  }

  /* ---- the LRS client and the durable queue ------------------------------------------------ */

  var queues = []; /* every Lrs of the page, for tests and debugging */

  function Lrs(endpoint, auth) {
    this.endpoint = endpoint.charAt(endpoint.length - 1) === '/' ? endpoint : endpoint + '/';
    this.auth = auth || '';
    this.key = 'scormbuild.xapi.queue:' + this.endpoint;
    this.items = [];
    this.sending = null;
    this.timer = null;
    this.delay = 0;
    this.paused = true;
    this.waiters = [];
    this.onDrop = null;
    this.blocked = 0;      /* 401 or 403 seen: nothing more is sent from this page */
    this.onBlocked = null; /* called once with the status */
    this.extended = {};    /* launch parameters echoed on every request (TinCan launch) */
    try { this.items = JSON.parse(window.localStorage.getItem(this.key) || '[]') || []; } catch (e) { this.items = []; }
    var self = this;
    window.addEventListener('online', function () { self.retryNow(); });
    queues.push(this);
  }

  Lrs.prototype.headers = function (json) {
    var h = { 'X-Experience-API-Version': VERSION };
    if (this.auth) h.Authorization = this.auth;
    if (json) h['Content-Type'] = 'application/json';
    return h;
  };

  Lrs.prototype.request = function (method, path, own, body, options) {
    var self = this;
    var url = this.endpoint + path;
    var echoed = Object.keys(this.extended).length > 0;
    var params = Object.assign({}, this.extended, own || {});
    var qs = Object.keys(params).filter(function (k) { return params[k] !== undefined && params[k] !== null; })
      .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); }).join('&');
    if (qs) url += '?' + qs;
    var init = { method: method, headers: this.headers(body !== undefined), mode: 'cors', credentials: 'omit',
      cache: 'no-store' };
    if (body !== undefined) init.body = body;
    if (options && options.keepalive) init.keepalive = true;
    if (options && options.timeout && window.AbortController) {
      var abort = new AbortController();
      init.signal = abort.signal;
      setTimeout(function () { abort.abort(); }, options.timeout);
    }
    /* read every body: an unread one keeps its connection busy, and six of them stall the host */
    return fetch(url, init).then(function (r) {
      return r.text().then(function (text) {
        if (r.status === 400 && echoed && Object.keys(self.extended).length) {
          /* xAPI 1.0.3 Communication 3.2 (Error Codes): an LRS MUST reject parameters it does
           * not recognise with 400. This one does, so echoing the launch's extra parameters
           * stops and the request goes again without them (nothing is dropped for it) */
          if (window.console) console.warn('scormbuild: the LRS refused the echoed launch parameters: ' + text);
          self.extended = {};
          return self.request(method, path, own, body, options);
        }
        return { ok: r.ok, status: r.status, body: text };
      });
    });
  };

  /* GET a document (State or Agent Profile API): its text, or null when there is none (404) */
  Lrs.prototype.getDocument = function (path, params, timeout) {
    return this.request('GET', path, params, undefined, { timeout: timeout || 8000 }).then(function (r) {
      if (r.status === 404) return null;
      if (!r.ok) throw new Error('GET ' + path + ': HTTP ' + r.status);
      return r.body;
    });
  };

  Lrs.prototype.persist = function () {
    try { window.localStorage.setItem(this.key, JSON.stringify(this.items)); } catch (e) { /* full or blocked */ }
  };

  /* Queue a statement; it is sent after everything queued before it */
  Lrs.prototype.sendStatement = function (statement) {
    this.items.push({ kind: 'statement', body: statement });
    this.persist();
    this.kick();
  };

  /* Queue a State document PUT; a newer one replaces a queued older one of the same key */
  Lrs.prototype.putState = function (params, textValue) {
    var key = JSON.stringify(params);
    var sending = this.sending || [];
    this.items = this.items.filter(function (item) {
      return item.kind !== 'state' || item.key !== key || sending.indexOf(item) >= 0;
    });
    this.items.push({ kind: 'state', key: key, params: params, body: textValue });
    this.persist();
    this.kick();
  };

  /* The last queued (not yet stored) State document for params, or null */
  Lrs.prototype.pendingState = function (params) {
    var key = JSON.stringify(params);
    for (var i = this.items.length - 1; i >= 0; i--) {
      if (this.items[i].kind === 'state' && this.items[i].key === key) return this.items[i].body;
    }
    return null;
  };

  Lrs.prototype.start = function () { this.paused = false; this.kick(); };

  Lrs.prototype.kick = function () {
    if (this.blocked) { this.settle(); return; }
    if (this.paused || this.sending || this.timer) return;
    if (!this.items.length) { this.settle(); return; }
    this.sendHead(false);
  };

  Lrs.prototype.retryNow = function () {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    this.kick();
  };

  /* The head of the queue as one request: consecutive statements, or one State PUT */
  Lrs.prototype.head = function () {
    var first = this.items[0];
    if (first.kind === 'state') return [first];
    var batch = [];
    for (var i = 0; i < this.items.length && batch.length < BATCH && this.items[i].kind === 'statement'; i++) {
      batch.push(this.items[i]);
    }
    return batch;
  };

  Lrs.prototype.requestFor = function (batch, keepalive) {
    if (batch[0].kind === 'state') {
      return this.request('PUT', 'activities/state', batch[0].params, batch[0].body,
        { keepalive: keepalive, timeout: keepalive ? 0 : TIMEOUT });
    }
    /* POST is idempotent here: an LRS drops statements it already has with the same id and content */
    var body = JSON.stringify(batch.map(function (item) { return item.body; }));
    return this.request('POST', 'statements', null, body, { keepalive: keepalive, timeout: keepalive ? 0 : TIMEOUT });
  };

  Lrs.prototype.sendHead = function () {
    var self = this;
    var batch = this.head();
    this.sending = batch;
    this.requestFor(batch, false).then(function (r) {
      self.sending = null;
      if (r.ok || r.status === 409 && batch[0].kind === 'statement') {
        self.delivered(batch);
      } else if (r.status === 401 || r.status === 403) {
        self.block(r.status);
      } else if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
        /* the LRS will never take it: keep the rest of the queue moving */
        if (window.console) console.warn('scormbuild: the LRS refused ' + batch.length + ' item(s): HTTP ' + r.status);
        if (self.onDrop) self.onDrop(r.status, batch);
        self.delivered(batch);
      } else {
        self.backoff();
      }
    }, function () {
      self.sending = null;
      self.backoff();
    });
  };

  Lrs.prototype.delivered = function (batch) {
    this.items = this.items.filter(function (item) { return batch.indexOf(item) < 0; });
    this.persist();
    this.delay = 0;
    this.kick();
  };

  Lrs.prototype.backoff = function () {
    var self = this;
    this.delay = Math.min(MAX_DELAY, this.delay ? this.delay * 2 : 500);
    this.timer = setTimeout(function () { self.timer = null; self.kick(); }, this.delay * (0.75 + Math.random() / 2));
    this.settle(); /* waiters learn that the LRS is not answering now; the queue keeps trying */
  };

  /* Refused credentials: stop for good on this page, keep every item queued, tell once */
  Lrs.prototype.block = function (status) {
    var first = !this.blocked;
    this.blocked = status;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (first && window.console) console.warn('scormbuild: the LRS refused the credentials: HTTP ' + status);
    if (first && this.onBlocked) this.onBlocked(status);
    this.settle();
  };

  Lrs.prototype.settle = function () {
    var waiters = this.waiters;
    this.waiters = [];
    waiters.forEach(function (resolve) { resolve(this.items.length === 0); }, this);
  };

  /* Resolves true once the queue is empty, false if the LRS does not answer (within timeout) */
  Lrs.prototype.flush = function (timeout) {
    var self = this;
    return new Promise(function (resolve) {
      var done = false;
      var finish = function (ok) { if (!done) { done = true; resolve(ok); } };
      if (!self.items.length && !self.sending) { finish(true); return; }
      if (self.blocked) { finish(false); return; }
      self.waiters.push(finish);
      setTimeout(function () { finish(self.items.length === 0); }, timeout || 3000);
      self.retryNow();
    });
  };

  /* Page going away: hand everything left to the browser with keepalive, in one ordered request
   * per kind. Items stay in localStorage until a later page sees them stored (sent again then;
   * the LRS drops the duplicates). */
  Lrs.prototype.flushOnExit = function () {
    if (this.paused || this.blocked) return;
    var statements = this.items.filter(function (item) { return item.kind === 'statement'; });
    var states = this.items.filter(function (item) { return item.kind === 'state'; });
    var self = this;
    var body = [];
    var size = 0;
    statements.forEach(function (item) {
      var length = JSON.stringify(item.body).length;
      if (size + length < KEEPALIVE_MAX) { body.push(item); size += length; }
    });
    try {
      if (body.length) {
        this.requestFor(body, true).then(function (r) {
          if (r.ok) self.delivered(body); else if (r.status === 401 || r.status === 403) self.block(r.status);
        }, function () { /* later */ });
      }
      states.forEach(function (item) {
        if (size + item.body.length >= KEEPALIVE_MAX) return;
        size += item.body.length;
        self.requestFor([item], true).then(function (r) { if (r.ok) self.delivered([item]); }, function () { /* later */ });
      });
    } catch (e) { /* keepalive refused: the items wait in localStorage */ }
  };

  window.ScormbuildXapi = {
    VERSION: VERSION, VERBS: VERBS, ACTIVITY: ACTIVITY,
    uuid: uuid, duration: duration, timestamp: timestamp, text: text, langMap: langMap,
    questionId: questionId, pageId: pageId, pageActivity: pageActivity, activity: activity,
    correctPatterns: correctPatterns, interaction: interaction, response: response, score: score, verb: verb,
    query: query, agent: agent, Lrs: Lrs, queues: queues
  };
}());
