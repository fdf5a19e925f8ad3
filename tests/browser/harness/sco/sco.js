// Minimal SCORM 1.2 SCO for the harness self-test: ADL's API discovery, then one whole session.
// Each session moves lesson_location one page on ("page-1", "page-2", ...).
(function () {
  "use strict";

  function findAPI(win) {
    var tries = 0;
    while (win.API == null && win.parent != null && win.parent !== win) {
      tries += 1;
      if (tries > 7) return null;
      win = win.parent;
    }
    return win.API || null;
  }

  function getAPI() {
    var api = findAPI(window);
    if (api == null && window.opener != null) api = findAPI(window.opener);
    return api;
  }

  function show(id, text) {
    document.getElementById(id).textContent = text;
  }

  window.addEventListener("load", function () {
    var api = getAPI();
    if (api == null) {
      show("status", "no API");
      return;
    }
    if (api.LMSInitialize("") !== "true") {
      show("status", "initialize failed");
      return;
    }
    var entry = api.LMSGetValue("cmi.core.entry");
    var previous = api.LMSGetValue("cmi.core.lesson_location");
    show("entry", entry);
    show("previous", previous);
    var page = 1;
    var match = /^page-(\d+)$/.exec(previous);
    if (entry === "resume" && match) page = Number(match[1]) + 1;
    api.LMSSetValue("cmi.core.lesson_location", "page-" + page);
    api.LMSSetValue("cmi.suspend_data", JSON.stringify({ visits: page }));
    api.LMSSetValue("cmi.core.score.raw", "85");
    api.LMSSetValue("cmi.core.lesson_status", "incomplete");
    api.LMSSetValue("cmi.core.session_time", "0000:00:05.00");
    api.LMSSetValue("cmi.core.exit", "suspend");
    api.LMSCommit("");
    api.LMSFinish("");
    show("status", "finished");
    console.info("harness SCO finished");
  });
})();
