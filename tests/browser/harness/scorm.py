"""A Moodle-like SCORM 1.2 player on scorm-again, for browser tests."""

from __future__ import annotations

import copy
import html
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Frame, Page

from .browser import BrowserLog
from .lrs import INSTALL_HINT, REPO_ROOT
from .server import StaticServer

SCORM_AGAIN_DIST = REPO_ROOT / "tests" / "js" / "node_modules" / "scorm-again" / "dist"
SCORM_AGAIN_FILE = "scorm12.js"  # classic script; sets the global `Scorm12API` (a class)


_LMS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test LMS (SCORM 1.2)</title>
<script src="/__lms__/{scorm_again}"></script>
<script type="application/json" id="lms-config">{config}</script>
<script>
(() => {{
  const config = JSON.parse(document.getElementById("lms-config").textContent);
  const api = new Scorm12API(config.settings);
  if (config.cmi) api.loadFromJSON(config.cmi);
  const clone = (value) => JSON.parse(JSON.stringify(value));
  const lastError = api.LMSGetLastError.bind(api);
  const quiet = new Set(["LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"]);
  window.__scormCalls = [];
  window.__lmsStore = {{ cmi: null, commits: 0, finished: false, initialized: false }};
  for (const name of ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit",
                      "LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"]) {{
    const original = api[name].bind(api);
    api[name] = function (...args) {{
      const call = {{ name, args: args.map(String), time: Date.now() }};
      window.__scormCalls.push(call);
      let result;
      try {{
        result = original(...args);
      }} catch (error) {{
        call.exception = String(error);
        throw error;
      }}
      call.result = result;
      if (!quiet.has(name)) call.error = String(lastError());
      if (result === "true") {{
        const store = window.__lmsStore;
        if (name === "LMSInitialize") store.initialized = true;
        if (name === "LMSCommit" || name === "LMSFinish") {{
          store.cmi = clone(api.renderCommitCMI(name === "LMSFinish").cmi);
          store.commits += 1;
          if (name === "LMSFinish") store.finished = true;
        }}
      }}
      return result;
    }};
  }}
  window.API = api;
}})();
</script>
<style>html,body{{margin:0;height:100%}} iframe{{border:0;width:100%;height:100%}}</style>
</head><body><iframe id="scorm_object" name="scorm_object" title="{title}"
 src="{launch_url}"></iframe></body></html>
"""


@dataclass
class ScoInfo:
    """What the player reads from imsmanifest.xml, like Moodle does on import."""

    href: str  # launch URL relative to the package root (xml:base and parameters applied)
    title: str
    mastery_score: str | None
    launch_data: str | None


def read_manifest(package_dir: Path) -> ScoInfo:
    """The first SCO of the default organization (falls back to index.html)."""
    manifest = package_dir / "imsmanifest.xml"
    if not manifest.exists():
        return ScoInfo("index.html", "SCO", None, None)
    root = ET.parse(manifest).getroot()

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    def children(element: ET.Element, name: str) -> list[ET.Element]:
        return [c for c in element if local(c.tag) == name]

    xml_base = "{http://www.w3.org/XML/1998/namespace}base"
    resources: dict[str, tuple[str, ET.Element]] = {}
    for group in children(root, "resources"):
        group_base = group.get(xml_base, "")
        for res in children(group, "resource"):
            resources[res.get("identifier", "")] = (group_base + res.get(xml_base, ""), res)
    orgs = children(root, "organizations")
    organizations = children(orgs[0], "organization") if orgs else []
    default = orgs[0].get("default") if orgs else None
    chosen = next((o for o in organizations if o.get("identifier") == default), None)
    if chosen is None and organizations:
        chosen = organizations[0]
    items = [] if chosen is None else [i for i in chosen.iter() if local(i.tag) == "item"]
    for item in items:
        ref = item.get("identifierref")
        if not ref or ref not in resources:
            continue
        base, resource = resources[ref]
        href = base + resource.get("href", "")
        params = item.get("parameters", "")
        if params:
            params = params.lstrip("?&")
            href += ("&" if "?" in href else "?") + params
        title = next((t.text or "" for t in children(item, "title")), "SCO")
        mastery = next((m.text for m in children(item, "masteryscore")), None)
        launch_data = next((d.text for d in children(item, "datafromlms")), None)
        return ScoInfo(href, title.strip(), mastery, launch_data)
    return ScoInfo("index.html", "SCO", None, None)


def _drop_empty(value: Any) -> Any:
    """Drop "" values and empty objects: scorm-again renders every element, set or not."""
    if isinstance(value, dict):
        cleaned = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in ("", {}, None)}
    return value


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def flatten_cmi(cmi: dict[str, Any], prefix: str = "cmi") -> dict[str, str]:
    """{"core": {"lesson_status": "passed"}} -> {"cmi.core.lesson_status": "passed"}."""
    flat: dict[str, str] = {}
    for key, value in cmi.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            flat.update(flatten_cmi(value, name))
        else:
            flat[name] = "" if value is None else str(value)
    return flat


class ScormLms:
    """A Moodle-like SCORM 1.2 player page on scorm-again, served by ``static_server``.

    ``/lms.html`` defines ``window.API`` (a ``Scorm12API``) whose LMS* methods record every call
    into ``window.__scormCalls`` and load the SCO into ``<iframe id="scorm_object">``. The CMI
    "stored by the LMS" is taken at every successful LMSCommit/LMSFinish.
    """

    def __init__(self, server: StaticServer, log: BrowserLog) -> None:
        if not (SCORM_AGAIN_DIST / SCORM_AGAIN_FILE).exists():
            raise RuntimeError(f"scorm-again is missing in tests/js/node_modules: {INSTALL_HINT}")
        self.server = server
        self.log = log
        server.mount("/__lms__/", SCORM_AGAIN_DIST)
        self.package_dir: Path | None = None
        self.sco: ScoInfo | None = None
        self.learner: dict[str, Any] = {}
        self.settings: dict[str, Any] = {}
        self.launches = 0
        self.history: list[dict[str, Any]] = []  # stored CMI of each finished/left session

    # set-up ---------------------------------------------------------------------------------

    def serve(self, package_dir: Path) -> ScormLms:
        """Serve an extracted package (imsmanifest.xml + SCO files) under ``/pkg/``."""
        self.package_dir = Path(package_dir)
        self.server.mount("/pkg/", self.package_dir)
        self.sco = read_manifest(self.package_dir)
        return self

    def launch(
        self,
        page: Page,
        cmi: dict[str, Any] | None = None,
        *,
        package_dir: Path | None = None,
        student_id: str = "learner-1",
        student_name: str = "Learner, Test",
        lesson_mode: str = "normal",
        credit: str = "credit",
        log_level: int = 4,
        settings: dict[str, Any] | None = None,
    ) -> Frame:
        """Open /lms.html and return the SCO's frame once the page (iframe included) loaded.

        ``cmi`` is preloaded with ``loadFromJSON`` before LMSInitialize (inner dict such as
        ``{"core": {"entry": "resume", "lesson_location": "p2"}, "suspend_data": "..."}``, or
        with a top-level ``"cmi"`` key). Without it the launch is a first attempt
        (``entry=ab-initio``). Manifest masteryscore/datafromlms are applied like Moodle does.
        ``log_level``: scorm-again's (1 debug .. 4 error, 5 none); errors go to console.error.
        """
        if package_dir is not None:
            self.serve(package_dir)
        if self.sco is None:
            raise ValueError("no package: call serve(package_dir) or pass package_dir")
        self.learner = {
            "student_id": student_id,
            "student_name": student_name,
            "lesson_mode": lesson_mode,
            "credit": credit,
        }
        # mastery_override as Moodle's masteryoverride (on by default there): at LMSFinish, with
        # a mastery score and score.raw in a normal credit launch, passed/failed by the score
        self.settings = {"autocommit": False, "logLevel": log_level, "mastery_override": True,
                         **(settings or {})}
        base: dict[str, Any] = {"core": dict(self.learner)}
        if cmi is None:
            base["core"]["entry"] = "ab-initio"
        if self.sco.mastery_score:
            base["student_data"] = {"mastery_score": self.sco.mastery_score.strip()}
        if self.sco.launch_data:
            base["launch_data"] = self.sco.launch_data
        initial = _merge(base, (cmi or {}).get("cmi", cmi or {}))
        return self._open(page, initial)

    def _open(self, page: Page, initial: dict[str, Any]) -> Frame:
        assert self.sco is not None
        self.launches += 1
        config = {"settings": self.settings, "cmi": {"cmi": initial}}
        self.server.add_file(
            "/lms.html",
            _LMS_PAGE.format(
                scorm_again=SCORM_AGAIN_FILE,
                config=json.dumps(config).replace("</", "<\\/"),
                title=html.escape(self.sco.title),
                launch_url=html.escape("/pkg/" + self.sco.href),
            ),
        )
        page.goto(self.server.url(f"/lms.html?launch={self.launches}"), wait_until="load")
        return self.frame(page)

    # reading --------------------------------------------------------------------------------

    def frame(self, page: Page) -> Frame:
        frame = page.frame(name="scorm_object")
        if frame is None:
            raise AssertionError("no #scorm_object iframe on the page")
        return frame

    def calls(self, page: Page, name: str | None = None) -> list[dict[str, Any]]:
        """Recorded API calls: {"name", "args", "result", "error", "time"[, "exception"]}.

        ``error`` is LMSGetLastError() right after the call (not on the three error calls).
        """
        calls: list[dict[str, Any]] = page.evaluate("window.__scormCalls || []")
        return [c for c in calls if name is None or c["name"] == name]

    def values_set(self, page: Page) -> dict[str, str]:
        """element -> last value the SCO set successfully with LMSSetValue."""
        return {
            c["args"][0]: c["args"][1]
            for c in self.calls(page, "LMSSetValue")
            if c.get("result") == "true"
        }

    def api_errors(self, page: Page) -> list[dict[str, Any]]:
        """Calls that returned "false" or left a non-zero error code."""
        return [
            c
            for c in self.calls(page)
            if c.get("result") == "false" or c.get("error", "0") not in ("0", "")
        ]

    def cmi(self, page: Page) -> dict[str, Any]:
        """The live CMI data model (scorm-again's renderCMIToJSONObject()["cmi"])."""
        cmi: dict[str, Any] = page.evaluate("window.API.renderCMIToJSONObject().cmi")
        return cmi

    def value(self, page: Page, element: str) -> str:
        """A live CMI value by dotted name, read without going through the SCO API."""
        return flatten_cmi(self.cmi(page)).get(element, "")

    def stored_cmi(self, page: Page) -> dict[str, Any] | None:
        """The CMI as the LMS stored it at the last successful LMSCommit/LMSFinish."""
        stored: dict[str, Any] | None = page.evaluate("window.__lmsStore.cmi")
        return stored

    def finished(self, page: Page) -> bool:
        return bool(page.evaluate("window.__lmsStore.finished"))

    def wait_for_call(self, page: Page, name: str, timeout_ms: float = 5000) -> dict[str, Any]:
        """Wait until the SCO called ``name``; return that (first) call."""
        page.wait_for_function(
            "name => (window.__scormCalls || []).some(c => c.name === name)",
            arg=name,
            timeout=timeout_ms,
        )
        return self.calls(page, name)[0]

    def console_errors(self, page: Page | None = None) -> list[str]:
        """console.error texts of the page and the SCO frame (uncaught errors included)."""
        return self.log.console_errors()

    def page_errors(self, page: Page | None = None) -> list[str]:
        return list(self.log.page_errors)

    # leaving and coming back ----------------------------------------------------------------

    def unload(self, page: Page, timeout_ms: float = 5000, require_finish: bool = True) -> None:
        """Leave the SCO like a learner closing it (iframe -> about:blank, firing its unload
        handlers); then wait for LMSFinish unless ``require_finish`` is False."""
        if self.frame(page).url != "about:blank":
            page.evaluate("document.getElementById('scorm_object').src = 'about:blank'")
            page.wait_for_function(
                "() => { const f = document.getElementById('scorm_object');"
                " return f.contentWindow && f.contentWindow.location.href === 'about:blank'; }",
                timeout=timeout_ms,
            )
        if require_finish and not self.finished(page):
            try:
                page.wait_for_function("window.__lmsStore.finished", timeout=timeout_ms)
            except Exception as exc:
                raise AssertionError(
                    f"the SCO never called LMSFinish; calls: {self.calls(page)}"
                ) from exc

    def next_launch_cmi(self, stored: dict[str, Any]) -> dict[str, Any]:
        """What the LMS hands the next session: stored data, entry from the last exit, without
        the write-only session elements (exit, session_time, interactions)."""
        cmi = _drop_empty(copy.deepcopy(stored))
        core = cmi.setdefault("core", {})
        last_exit = core.pop("exit", "")
        core.pop("session_time", None)
        cmi.pop("interactions", None)
        core["entry"] = "resume" if last_exit == "suspend" else ""
        core.update(self.learner)
        return cmi

    def relaunch(self, page: Page, *, require_finish: bool = True) -> Frame:
        """Unload the SCO, take the CMI stored at its LMSFinish (or last LMSCommit when
        ``require_finish`` is False) and launch again: entry=resume after exit=suspend."""
        self.unload(page, require_finish=require_finish)
        stored = self.stored_cmi(page)
        if stored is None:
            raise AssertionError("nothing was stored: the SCO never committed or finished")
        self.history.append(stored)
        return self._open(page, self.next_launch_cmi(stored))
