"""`scormbuild preview`: a local LMS on 127.0.0.1 that rebuilds the course whenever a file changes.

One ThreadingHTTPServer serves:

- `/` the LMS page (preview_assets/lms.html, lms.js, lms.css): the course in an iframe, a panel
  of every API call and the current cmi values (SCORM 1.2, on the vendored scorm-again
  Scorm12API) or a statement viewer (TinCan, cmi5), and buttons to reset the learner, relaunch
  as resume and switch target;
- `/pkg/<target>/...` the package of that target, rendered in memory (never zipped);
- `/__preview__/...` build status with diagnostics, launch facts, server-sent events;
- `/__lrs__/...` a tiny in-memory LRS (statements, State and profile documents, cmi5 fetch).

Launchers plug in by target name (LAUNCHERS here, the same names in lms.js); a target without
one is opened as a plain page. A watchfiles thread rebuilds on changes and pushes a `build`
event; the page then relaunches the course (as a resume) or shows the errors with file:line.
"""

from __future__ import annotations

import base64
import contextlib
import json
import mimetypes
import queue
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from lxml import etree
from watchfiles import DefaultFilter, watch

from . import pipeline
from .errors import CourseInvalid, Diagnostic, Location
from .targets import TARGETS

HOST = "127.0.0.1"
ASSETS = "preview_assets"
SCORM_AGAIN = "scorm-again-scorm12.min.js"
PREVIEW_AUTH = "Basic " + base64.b64encode(b"preview:preview").decode()
ACTOR = {"objectType": "Agent", "name": "Preview Learner",
         "mbox": "mailto:learner@preview.scormbuild.invalid"}
WATCHED = ("course.yml", "lessons", "quizzes", "assets", "templates")
CMI5_EXT = "https://w3id.org/xapi/cmi5/context/extensions/"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"

Site = dict[str, bytes]


# --- launch facts per target --------------------------------------------------------------


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _xml(files: Site, name: str) -> Any:
    return etree.fromstring(files[name], etree.XMLParser(resolve_entities=False, no_network=True))


def _scorm12_launch(files: Site) -> dict[str, Any]:
    """The first SCO of the default organization, with masteryscore and datafromlms (like
    Moodle's scorm_parse_scorm)."""
    root = _xml(files, "imsmanifest.xml")
    resources_by_id = {r.get("identifier"): r for r in root.iter() if _local(r.tag) == "resource"}
    for item in root.iter():
        if _local(item.tag) != "item" or item.get("identifierref") not in resources_by_id:
            continue
        href = resources_by_id[item.get("identifierref")].get("href", "index.html")
        params = (item.get("parameters") or "").lstrip("?&")
        if params:
            href += ("&" if "?" in href else "?") + params
        text = {_local(c.tag): (c.text or "").strip() for c in item}
        return {"href": href, "title": text.get("title", ""),
                "mastery_score": text.get("masteryscore") or None,
                "launch_data": text.get("datafromlms") or None}
    return {"href": "index.html", "title": "", "mastery_score": None, "launch_data": None}


def _tincan_launch(files: Site) -> dict[str, Any]:
    root = _xml(files, "tincan.xml")
    for activity in root.iter():
        if _local(activity.tag) == "activity":
            launch = next((c.text for c in activity if _local(c.tag) == "launch"), None)
            if launch:
                return {"href": launch.strip(), "activity_id": activity.get("id"),
                        "auth": PREVIEW_AUTH, "actor": ACTOR}
    return {"href": "index.html", "activity_id": None, "auth": PREVIEW_AUTH, "actor": ACTOR}


def _cmi5_launch(files: Site) -> dict[str, Any]:
    root = _xml(files, "cmi5.xml")
    au = next(e for e in root.iter() if _local(e.tag) == "au")
    url = next((c.text or "" for c in au if _local(c.tag) == "url"), "index.html").strip()
    mastery = au.get("masteryScore")
    return {"href": url, "au_id": au.get("id"), "move_on": au.get("moveOn", "NotApplicable"),
            "mastery_score": float(mastery) if mastery else None, "actor": ACTOR}


def _plain_launch(files: Site) -> dict[str, Any]:
    return {"href": "index.html"}


# target name -> (launcher name in lms.js, launch facts from the rendered package)
LAUNCHERS: dict[str, tuple[str, Callable[[Site], dict[str, Any]]]] = {
    "scorm12": ("scorm12", _scorm12_launch),
    "tincan": ("tincan", _tincan_launch),
    "cmi5": ("cmi5", _cmi5_launch),
}


def launcher_for(target: str) -> tuple[str, Callable[[Site], dict[str, Any]]]:
    """The page-side launcher and the launch-facts reader of a target (plain page if none)."""
    return LAUNCHERS.get(target, ("plain", _plain_launch))


# --- events (server-sent) -------------------------------------------------------------------


class EventHub:
    """Fan-out of (event, data) to every connected page; None closes the streams."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: list[queue.Queue[tuple[str, Any] | None]] = []

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[queue.Queue[tuple[str, Any] | None]]:
        q: queue.Queue[tuple[str, Any] | None] = queue.Queue()
        with self._lock:
            self._clients.append(q)
        try:
            yield q
        finally:
            with self._lock:
                self._clients.remove(q)

    def publish(self, event: str, data: Any) -> None:
        with self._lock:
            for q in self._clients:
                q.put((event, data))

    def close(self) -> None:
        with self._lock:
            for q in self._clients:
                q.put(None)

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)


# --- the in-memory LRS ------------------------------------------------------------------------


def _agent_key(text: str) -> str:
    """An agent by its inverse functional identifier, so key order in the JSON does not matter."""
    try:
        agent = json.loads(text)
    except ValueError:
        return text
    if not isinstance(agent, dict):
        return text
    for ifi in ("mbox", "mbox_sha1sum", "openid"):
        if agent.get(ifi):
            return f"{ifi}:{agent[ifi]}"
    account = agent.get("account")
    if isinstance(account, dict):
        return f"account:{account.get('homePage')}|{account.get('name')}"
    return json.dumps(agent, sort_keys=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_DOCUMENT_IDS = {"activities/state": "stateId", "activities/profile": "profileId",
                 "agents/profile": "profileId"}
_DOCUMENT_SCOPE = {"activities/state": ("activityId", "agent", "registration"),
                   "activities/profile": ("activityId",), "agents/profile": ("agent",)}
Response = tuple[int, dict[str, str], bytes]


class MemoryLrs:
    """Just enough of an LRS for preview: statements, State/profile documents, cmi5 fetch.

    Any credentials are accepted; everything lives in memory until `clear()`.
    """

    def __init__(self, hub: EventHub) -> None:
        self._lock = threading.Lock()
        self._hub = hub
        self.statements: list[dict[str, Any]] = []
        self.documents: dict[tuple[str, ...], tuple[bytes, str]] = {}
        self._fetch: dict[str, bool] = {}

    def clear(self) -> None:
        """Forget every statement, document and fetch URL (reset the learner)."""
        with self._lock:
            self.statements.clear()
            self.documents.clear()
            self._fetch.clear()
        self._hub.publish("lrs", {"cleared": True})

    # statements --------------------------------------------------------------------------

    def store(self, statement: dict[str, Any]) -> str:
        """Store one statement as an LRS would (id, stored, timestamp, authority)."""
        statement = dict(statement)
        statement.setdefault("id", str(uuid.uuid4()))
        statement.setdefault("timestamp", _now())
        statement["stored"] = _now()
        statement.setdefault("version", "1.0.0")
        statement["authority"] = {"objectType": "Agent", "name": "scormbuild preview",
                                  "mbox": "mailto:preview@scormbuild.invalid"}
        with self._lock:
            if any(s["id"] == statement["id"] for s in self.statements):
                return str(statement["id"])
            self.statements.append(statement)
        self._hub.publish("statement", statement)
        return str(statement["id"])

    def new_fetch_url(self, base_url: str) -> str:
        fetch_id = uuid.uuid4().hex
        with self._lock:
            self._fetch[fetch_id] = False
        return f"{base_url}/__lrs__/fetch/{fetch_id}"

    def put_document(self, path: str, params: dict[str, str], body: bytes,
                     content_type: str = "application/json") -> None:
        with self._lock:
            self.documents[self._doc_key(path, params)] = (body, content_type)
        self._hub.publish("state", {"path": path, **params})

    # HTTP --------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes,
               content_type: str) -> Response:
        """Answer one request to /__lrs__/<path>."""
        headers = {"X-Experience-API-Version": "1.0.3"}
        if path.startswith("fetch/") and method == "POST":
            return self._fetch_token(path.removeprefix("fetch/"), headers)
        if not path.startswith("xAPI/"):
            return _json(404, {"error": "not found"}, headers)
        resource = path.removeprefix("xAPI/").strip("/")
        if resource == "about":
            return _json(200, {"version": ["1.0.3"]}, headers)
        if resource == "statements":
            return self._statements(method, query, body, headers)
        if resource in _DOCUMENT_IDS:
            return self._document(method, resource, query, body, content_type, headers)
        return _json(404, {"error": f"no resource {resource}"}, headers)

    def _fetch_token(self, fetch_id: str, headers: dict[str, str]) -> Response:
        with self._lock:
            used = self._fetch.get(fetch_id)
            if used is False:
                self._fetch[fetch_id] = True
        if used is False:
            return _json(200, {"auth-token": PREVIEW_AUTH.removeprefix("Basic ")}, headers)
        # cmi5 8.2.3: a second fetch is an error reported with HTTP 200
        return _json(200, {"error-code": "1", "error-text": "already used or unknown"}, headers)

    def _statements(self, method: str, query: dict[str, str], body: bytes,
                    headers: dict[str, str]) -> Response:
        if method == "GET":
            with self._lock:
                found = list(self.statements)
            if "statementId" in query:
                match = [s for s in found if s["id"] == query["statementId"]]
                return _json(200, match[0], headers) if match else _json(404, {}, headers)
            if "registration" in query:
                found = [s for s in found
                         if s.get("context", {}).get("registration") == query["registration"]]
            return _json(200, {"statements": found[::-1], "more": ""}, headers)
        try:
            data = json.loads(body or b"null")
        except ValueError:
            return _json(400, {"error": "the body is not JSON"}, headers)
        if method == "PUT" and isinstance(data, dict):
            if "statementId" in query:
                data["id"] = query["statementId"]
            self.store(data)
            return 204, headers, b""
        if method == "POST":
            items = data if isinstance(data, list) else [data]
            if not all(isinstance(s, dict) for s in items):
                return _json(400, {"error": "statements must be objects"}, headers)
            return _json(200, [self.store(s) for s in items], headers)
        return _json(405, {"error": f"{method} not allowed"}, headers)

    def _doc_key(self, path: str, params: dict[str, str]) -> tuple[str, ...]:
        scope = tuple(_agent_key(params.get(k, "")) if k == "agent" else params.get(k, "")
                      for k in _DOCUMENT_SCOPE[path])
        return (path, *scope, params.get(_DOCUMENT_IDS[path], ""))

    def _document(self, method: str, path: str, query: dict[str, str], body: bytes,
                  content_type: str, headers: dict[str, str]) -> Response:
        id_name = _DOCUMENT_IDS[path]
        if method == "GET" and id_name not in query:
            prefix = self._doc_key(path, query)[:-1]
            with self._lock:
                ids = [k[-1] for k in self.documents if k[:-1] == prefix]
            return _json(200, ids, headers)
        key = self._doc_key(path, query)
        if method == "GET":
            with self._lock:
                doc = self.documents.get(key)
            if doc is None:
                return _json(404, {"error": "no such document"}, headers)
            return 200, {**headers, "Content-Type": doc[1]}, doc[0]
        if method == "DELETE":
            with self._lock:
                self.documents.pop(key, None)
            self._hub.publish("state", {"path": path, **query})
            return 204, headers, b""
        if method == "POST":  # JSON merge (xAPI 1.0.3 Communication 2.2)
            with self._lock:
                old = self.documents.get(key)
            with contextlib.suppress(ValueError, TypeError):
                if old is not None:
                    merged = {**json.loads(old[0]), **json.loads(body)}
                    body = json.dumps(merged).encode()
        if method in ("PUT", "POST"):
            self.put_document(path, query, body, content_type or "application/json")
            return 204, headers, b""
        return _json(405, {"error": f"{method} not allowed"}, headers)


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    return status, {**(headers or {}), "Content-Type": "application/json; charset=utf-8"}, \
        json.dumps(data).encode()


# --- builds ---------------------------------------------------------------------------------


def _diagnostic(diag: Diagnostic) -> dict[str, Any]:
    where = diag.where
    return {"text": diag.render(), "path": str(where.path), "line": where.line,
            "column": where.column, "severity": diag.severity, "message": diag.message,
            "hint": diag.hint}


class Builds:
    """The latest build of the course: compiled once per change, packages rendered on demand."""

    def __init__(self, root: Path, templates: Path | None) -> None:
        self.root = root
        self.templates = templates
        self.generation = 0
        self.built_at = 0.0
        self.seconds = 0.0
        self._lock = threading.RLock()
        self._compiled: pipeline.Compiled | None = None
        self._diagnostics: list[Diagnostic] = []
        self._packages: dict[str, Site | list[Diagnostic]] = {}

    def rebuild(self) -> int:
        """Compile the course again; returns the new generation number."""
        started = time.perf_counter()
        compiled: pipeline.Compiled | None = None
        try:
            compiled = pipeline.compile_course(self.root)
            diags = list(compiled.warnings)
        except CourseInvalid as invalid:
            diags = list(invalid.diagnostics)
        except OSError as err:
            diags = [Diagnostic(Location(PurePosixPath(err.filename or ".")),
                                f"cannot read the course: {err.strerror or err}",
                                "check that the course folder and its files exist")]
        except Exception as err:  # an internal bug must not end the preview session
            traceback.print_exc(file=sys.stderr)
            diags = [Diagnostic(Location(PurePosixPath("course.yml")),
                                f"internal error: {type(err).__name__}: {err}",
                                "this is a scormbuild bug: please report it with the course")]
        with self._lock:
            self._compiled = compiled
            self._diagnostics = diags
            self._packages = {}
            self.generation += 1
            self.built_at = time.time()
            self.seconds = time.perf_counter() - started
            return self.generation

    def package(self, target: str) -> Site | list[Diagnostic]:
        """The rendered files of one target, or the diagnostics that stopped it."""
        with self._lock:
            if target in self._packages:
                return self._packages[target]
            compiled = self._compiled
            if compiled is None:
                return self._diagnostics
            try:
                found: Site | list[Diagnostic] = dict(
                    pipeline.render_package(compiled, TARGETS[target], self.templates))
            except CourseInvalid as invalid:
                found = list(invalid.diagnostics)
            self._packages[target] = found
            return found

    def status(self) -> dict[str, Any]:
        with self._lock:
            course = self._compiled.course if self._compiled else None
            return {
                "generation": self.generation,
                "built_at": self.built_at,
                "ok": self._compiled is not None,
                "course": None if course is None else {
                    "id": course.id, "title": course.title, "version": course.version,
                    "language": course.language},
                "diagnostics": [_diagnostic(d) for d in self._diagnostics],
                "targets": [{"name": t.name, "description": t.description,
                             "launcher": launcher_for(t.name)[0]} for t in TARGETS.values()],
            }


class _CourseFilter(DefaultFilter):
    """Only the files a build reads: course.yml, lessons/, quizzes/, assets/, templates/."""

    def __init__(self, root: Path, extra: list[Path]) -> None:
        super().__init__()
        self.root = root
        self.extra = extra

    def __call__(self, change: Any, path: str) -> bool:
        if not super().__call__(change, path):
            return False
        full = Path(path)
        if any(full.is_relative_to(e) for e in self.extra):
            return True
        if not full.is_relative_to(self.root):
            return False
        parts = full.relative_to(self.root).parts
        return bool(parts) and parts[0] in WATCHED


# --- the server -----------------------------------------------------------------------------


class PreviewServer:
    """The preview LMS for one course folder; use as a context manager (start/stop)."""

    def __init__(self, course_dir: Path, target: str = "scorm12", *, port: int = 0,
                 templates: Path | None = None, watch_files: bool = True,
                 debounce_ms: int = 150) -> None:
        """Bind 127.0.0.1:port (0 = any free port); raises OSError when that fails."""
        if target not in TARGETS:
            raise ValueError(f"unknown target {target!r}")
        self.root = course_dir.resolve()
        self.target = target
        self.hub = EventHub()
        self.lrs = MemoryLrs(self.hub)
        self.builds = Builds(self.root, templates)
        self.templates = templates.resolve() if templates else None
        self.watch_files = watch_files
        self.debounce_ms = debounce_ms
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.httpd = ThreadingHTTPServer((HOST, port), _make_handler(self))
        self.httpd.daemon_threads = True

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        """Build once, then serve and watch in background threads."""
        self.builds.rebuild()
        self._spawn(self.httpd.serve_forever, "preview-http")
        if self.watch_files:
            ready = threading.Event()
            self._spawn(lambda: self._watch(ready), "preview-watch")
            ready.wait(5)

    def stop(self) -> None:
        """Stop watching and serving; open event streams end."""
        self._stop.set()
        self.hub.close()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> PreviewServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_until_interrupted(self) -> None:
        """Block until Ctrl+C."""
        with contextlib.suppress(KeyboardInterrupt):
            while not self._stop.wait(0.5):
                pass

    def rebuild(self, changed: list[str] | None = None) -> None:
        """Rebuild now and tell every page."""
        generation = self.builds.rebuild()
        status = self.builds.status()
        errors = sum(d["severity"] == "error" for d in status["diagnostics"])
        stamp = time.strftime("%H:%M:%S")
        what = ", ".join(changed or []) or "course"
        print(f"{stamp} rebuilt after {what}: "
              + ("ok" if status["ok"] else f"{errors} error(s), see the page"), file=sys.stderr)
        self.hub.publish("build", {"generation": generation, "ok": status["ok"]})

    def _spawn(self, func: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=func, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _watch(self, ready: threading.Event) -> None:
        paths = [self.root] + ([self.templates] if self.templates else [])
        watch_filter = _CourseFilter(self.root, paths[1:])
        changes = watch(*paths, watch_filter=watch_filter, stop_event=self._stop,
                        debounce=self.debounce_ms, step=50, yield_on_timeout=True,
                        rust_timeout=200, raise_interrupt=False)
        ready.set()
        for batch in changes:
            if self._stop.is_set():
                return
            if batch:
                names = sorted({Path(p).relative_to(self.root).as_posix()
                                if Path(p).is_relative_to(self.root) else p for _, p in batch})
                self.rebuild(names)

    # answers used by the handler -----------------------------------------------------------

    def launch(self, target: str, query: dict[str, str]) -> dict[str, Any]:
        """Launch facts of a target, or its errors: what lms.js needs to open the course."""
        status = self.builds.status()
        launcher, read = launcher_for(target)
        found = self.builds.package(target)
        if isinstance(found, list):
            return {"ok": False, "target": target, "launcher": launcher,
                    "generation": status["generation"],
                    "diagnostics": [_diagnostic(d) for d in found]}
        info = read(found)
        info.update(ok=True, target=target, launcher=launcher, generation=status["generation"],
                    base=f"/pkg/{target}/")
        if launcher in ("tincan", "cmi5"):
            info["endpoint"] = f"{self.url}/__lrs__/xAPI/"
        if launcher == "cmi5":
            info["url"] = self._prepare_cmi5(info, query.get("registration") or str(uuid.uuid4()),
                                             status["course"] or {})
        return info

    def _prepare_cmi5(self, info: dict[str, Any], registration: str,
                      course: dict[str, Any]) -> str:
        """The LMS side of a cmi5 launch (cmi5 sections 8-11): LaunchData, preferences,
        `launched`, a one-time fetch URL; returns the AU URL."""
        actor = json.dumps(ACTOR)
        activity_id = f"https://preview.scormbuild.invalid/au/{quote(course.get('id', 'course'))}"
        session = str(uuid.uuid4())
        template = {"contextActivities": {"grouping": [{"objectType": "Activity",
                                                        "id": info["au_id"]}]},
                    "extensions": {CMI5_EXT + "sessionid": session}}
        launch_data: dict[str, Any] = {"contextTemplate": template, "launchMode": "Normal",
                                       "moveOn": info["move_on"]}
        if info.get("mastery_score") is not None:
            launch_data["masteryScore"] = info["mastery_score"]
        scope = {"activityId": activity_id, "agent": actor, "registration": registration,
                 "stateId": "LMS.LaunchData"}
        self.lrs.put_document("activities/state", scope, json.dumps(launch_data).encode())
        prefs = {"languagePreference": course.get("language", "en-US"), "audioPreference": "on"}
        self.lrs.put_document("agents/profile", {"agent": actor,
                                                 "profileId": "cmi5LearnerPreferences"},
                              json.dumps(prefs).encode())
        extensions: dict[str, Any] = {CMI5_EXT + "sessionid": session,
                                      CMI5_EXT + "launchmode": "Normal",
                                      CMI5_EXT + "launchurl": info["href"],
                                      CMI5_EXT + "moveon": info["move_on"]}
        if info.get("mastery_score") is not None:
            extensions[CMI5_EXT + "masteryscore"] = info["mastery_score"]
        self.lrs.store({
            "actor": ACTOR,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/launched",
                     "display": {"en-US": "launched"}},
            "object": {"objectType": "Activity", "id": activity_id},
            "context": {"registration": registration,
                        "contextActivities": {
                            "grouping": [{"objectType": "Activity", "id": info["au_id"]}],
                            "category": [{"objectType": "Activity", "id": CMI5_CATEGORY}]},
                        "extensions": extensions},
        })
        info["registration"] = registration
        info["activity_id"] = activity_id
        query = urlencode({"endpoint": info["endpoint"], "fetch": self.lrs.new_fetch_url(self.url),
                           "actor": actor, "registration": registration,
                           "activityId": activity_id})
        href = info["href"]
        return f"{href}{'&' if '?' in href else '?'}{query}"


def _asset(name: str) -> bytes:
    return resources.files("scormbuild").joinpath(ASSETS, name).read_bytes()


_STATIC = {"/": ("lms.html", "text/html; charset=utf-8"),
           "/__preview__/lms.js": ("lms.js", "text/javascript; charset=utf-8"),
           "/__preview__/lms.css": ("lms.css", "text/css; charset=utf-8"),
           "/__preview__/scorm12.js": (SCORM_AGAIN, "text/javascript; charset=utf-8")}


def _content_type(path: str) -> str:
    kind = {".js": "text/javascript", ".mjs": "text/javascript", ".svg": "image/svg+xml",
            ".woff2": "font/woff2", ".woff": "font/woff", ".json": "application/json",
            ".webm": "video/webm", ".vtt": "text/vtt"}.get(PurePosixPath(path).suffix.lower())
    kind = kind or mimetypes.guess_type(path)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/json", "application/xml", "image/svg+xml"):
        kind += "; charset=utf-8"
    return kind


def _make_handler(server: PreviewServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "scormbuild-preview"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the terminal shows rebuilds, the page shows everything else

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PUT(self) -> None:
            self._route("PUT")

        def do_DELETE(self) -> None:
            self._route("DELETE")

        def do_OPTIONS(self) -> None:
            self._send(204, {"Allow": "GET, POST, PUT, DELETE, OPTIONS"}, b"")

        def _route(self, method: str) -> None:
            parts = urlsplit(self.path)
            path = parts.path
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                if path == "/__preview__/events" and method == "GET":
                    self._events()
                    return
                self._send(*self._answer(method, path, query, body))
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _answer(self, method: str, path: str, query: dict[str, str],
                    body: bytes) -> Response:
            if path in _STATIC and method == "GET":
                name, kind = _STATIC[path]
                return 200, {"Content-Type": kind}, _asset(name)
            if path == "/__preview__/status":
                status = server.builds.status()
                status["target"] = server.target
                return _json(200, status)
            if path == "/__preview__/launch":
                target = query.get("target", server.target)
                if target not in TARGETS:
                    return _json(404, {"error": f"unknown target {target}"})
                return _json(200, server.launch(target, query))
            if path == "/__preview__/reset" and method == "POST":
                server.lrs.clear()
                return 204, {}, b""
            if path == "/__preview__/statements":
                return _json(200, server.lrs.statements)
            if path.startswith("/__lrs__/"):
                return server.lrs.handle(method, path.removeprefix("/__lrs__/"), query, body,
                                         self.headers.get("Content-Type", ""))
            if path.startswith("/pkg/") and method == "GET":
                return self._package_file(path.removeprefix("/pkg/"))
            return 404, {"Content-Type": "text/plain; charset=utf-8"}, b"not found"

        def _package_file(self, rest: str) -> Response:
            target, _, name = rest.partition("/")
            if target not in TARGETS:
                return 404, {"Content-Type": "text/plain; charset=utf-8"}, b"no such target"
            found = server.builds.package(target)
            if isinstance(found, list):
                text = "\n".join(d.render() for d in found) or "the course has errors"
                return 503, {"Content-Type": "text/plain; charset=utf-8"}, text.encode()
            data = found.get(unquote(name) or "index.html")  # the build writes encoded URLs
            if data is None:
                return 404, {"Content-Type": "text/plain; charset=utf-8"}, \
                    f"{name} is not in the {target} package".encode()
            return 200, {"Content-Type": _content_type(name)}, data

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(HTTPStatus(status))
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            with server.hub.subscribe() as events:
                self._event("hello", {"generation": server.builds.generation})
                while True:
                    try:
                        item = events.get(timeout=15)
                    except queue.Empty:
                        self.wfile.write(b": ping\n\n")
                        self.wfile.flush()
                        continue
                    if item is None:
                        return
                    self._event(*item)

        def _event(self, name: str, data: Any) -> None:
            self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()

    return Handler
