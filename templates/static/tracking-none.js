/* scormbuild tracking adapter for the plain web export (--target html): no LMS.
 * Keeps the codec's string and the last page in localStorage, so a reviewer who reloads the
 * page comes back where they were. Storage may be missing or full (private windows, file://):
 * then nothing is kept and the course still works. */
(function () {
  'use strict';

  function create(data) {
    var key = 'scormbuild:' + data.id + ':' + data.version;
    var doc = { location: '', state: '' };
    var storage = null;
    try {
      storage = window.localStorage;
      var found = storage.getItem(key);
      if (found) doc = JSON.parse(found) || doc;
    } catch (e) {
      storage = null;
    }

    function store() {
      if (!storage) return;
      try { storage.setItem(key, JSON.stringify(doc)); } catch (e) { /* full or blocked */ }
    }

    return {
      start: function () {
        var resume = !!(doc.state || doc.location);
        return { available: true, resume: resume, location: doc.location, state: doc.state, learner: null };
      },
      pageViewed: function (page) { doc.location = page.id; },
      questionAnswered: function () {},
      progress: function () {},
      saveState: function (text) { doc.state = text; },
      commit: store,
      finish: store
    };
  }

  window.ScormbuildTracking = { create: create };
}());
