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
import io
import json
import mimetypes
import queue
import re
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

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
# The watcher hands a batch of changes over once no new one came for this long. An editor's
# save is a burst of events within a few ms, so 20 ms still sees it as one change; it is part of
# the delay between a save and the page showing it (was 50 ms: 50-100 ms after the save).
WATCH_STEP_MS = 20
CMI5_EXT = "https://w3id.org/xapi/cmi5/context/extensions/"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"

# Largest request body. The player POSTs at most 50 statements at once (xapi.js BATCH); an
# `answered` statement carries the question and each choice as text: a few KB for a usual
# question, tens of KB for a long one. The State document is the codec's string (at most 4,096
# characters, state.js LIMIT) plus the bookmark. 4 MiB holds 50 statements of 80 KB each.
MAX_BODY = 4 * 1024 * 1024
REQUEST_TIMEOUT = 20.0  # seconds from the first byte of a request to its last (slowloris)
IDLE_TIMEOUT = 60.0  # seconds a kept-alive connection may wait for its next request
STATE_CHANGING = frozenset({"POST", "PUT", "DELETE"})
METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "OPTIONS"})
_TEXT = "text/plain; charset=utf-8"
_LINGER = 1.0  # seconds spent reading what a refused client still sends before closing

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


# --- JSON bodies ----------------------------------------------------------------------------

# Deepest nesting of a JSON body. A statement is about 8 levels deep (context, contextActivities,
# grouping, activity, definition, extensions, values); 64 leaves room for any extension a real
# client sends and keeps the parser far from Python's recursion limit (about 1,000).
MAX_JSON_DEPTH = 64


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed value (without recursion)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def load_json(body: bytes) -> Any:
    """Parse a request body as UTF-8 JSON (RFC 8259) nested at most MAX_JSON_DEPTH levels;
    raises ValueError with a reason fit for a 400 reply (never RecursionError)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"the body is not UTF-8 (byte {err.start} is not valid)") from None
    too_deep = f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep"
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError(too_deep) from None
    except ValueError as err:  # JSONDecodeError, an int over 4,300 digits, NaN, 1e999
        raise ValueError(f"the body is not JSON: {err}") from None
    if _json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(too_deep)
    return value


# --- the in-memory LRS ------------------------------------------------------------------------


def _agent_key(text: str) -> str:
    """An agent by its inverse functional identifier, so key order in the JSON does not matter."""
    try:
        agent = load_json(text.encode("utf-8", "surrogatepass"))
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


def _statement_problem(statement: Any) -> str | None:
    """Why a statement cannot be stored (xAPI 1.0.3 Data 2.2: actor, verb and object are
    required objects), or None. The preview and its viewer read these fields."""
    if not isinstance(statement, dict):
        return "a statement must be a JSON object"
    for key in ("actor", "verb", "object"):
        if not isinstance(statement.get(key), dict):
            return f"a statement needs '{key}' as a JSON object"
    if not isinstance(statement["verb"].get("id"), str):
        return "a statement needs 'verb.id' as a string (an IRI)"
    for key in ("id", "timestamp", "version"):
        if key in statement and not isinstance(statement[key], str):
            return f"a statement's '{key}' must be a string"
    for key in ("context", "result"):
        if key in statement and not isinstance(statement[key], dict):
            return f"a statement's '{key}' must be a JSON object"
    registration = statement.get("context", {}).get("registration")
    if registration is not None and not isinstance(registration, str):
        return "a statement's 'context.registration' must be a string (a UUID)"
    return None


def _json_type(content_type: str) -> bool | None:
    """True for application/json (any parameters), None when absent, False otherwise."""
    kind = content_type.partition(";")[0].strip().lower()
    return None if not kind else kind == "application/json"


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
        self._ids: set[str] = set()
        self.documents: dict[tuple[str, ...], tuple[bytes, str]] = {}
        self._fetch: dict[str, bool] = {}

    def clear(self) -> None:
        """Forget every statement, document and fetch URL (reset the learner)."""
        with self._lock:
            self.statements.clear()
            self._ids.clear()
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
            if statement["id"] in self._ids:
                return str(statement["id"])
            self._ids.add(statement["id"])
            self.statements.append(statement)
        self._hub.publish("statement", statement)
        return str(statement["id"])

    def snapshot(self) -> list[dict[str, Any]]:
        """The statements stored so far, oldest first (a copy, safe to serialise)."""
        with self._lock:
            return list(self.statements)

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
            return self._statements(method, query, body, content_type, headers)
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

    def _statements(self, method: str, query: dict[str, str], body: bytes, content_type: str,
                    headers: dict[str, str]) -> Response:
        if method == "GET":
            found = self.snapshot()
            if "statementId" in query:
                match = [s for s in found if s["id"] == query["statementId"]]
                return _json(200, match[0], headers) if match else _json(404, {}, headers)
            if "registration" in query:
                found = [s for s in found
                         if s.get("context", {}).get("registration") == query["registration"]]
            return _json(200, {"statements": found[::-1], "more": ""}, headers)
        if method not in ("PUT", "POST"):
            return _json(405, {"error": f"{method} not allowed"}, headers)
        if _json_type(content_type) is False:  # multipart/mixed (attachments) is not supported
            return _json(415, {"error": f"statements are sent as application/json, "
                                        f"not {content_type}"}, headers)
        try:
            data = load_json(body)
        except ValueError as err:
            return _json(400, {"error": str(err)}, headers)
        if method == "PUT":
            if "statementId" in query and isinstance(data, dict):
                data["id"] = query["statementId"]
            items = [data]
        else:
            items = data if isinstance(data, list) else [data]
        for index, item in enumerate(items):
            problem = _statement_problem(item)
            if problem:
                where = f"statement {index + 1}: " if isinstance(data, list) else ""
                return _json(400, {"error": where + problem}, headers)
        ids = [self.store(s) for s in items]
        return (204, headers, b"") if method == "PUT" else _json(200, ids, headers)

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
            merged = self._merge(old, body, content_type)
            if isinstance(merged, str):
                return _json(400, {"error": merged}, headers)
            body = merged
        if method in ("PUT", "POST"):
            self.put_document(path, query, body, content_type or "application/json")
            return 204, headers, b""
        return _json(405, {"error": f"{method} not allowed"}, headers)

    @staticmethod
    def _merge(old: tuple[bytes, str] | None, body: bytes, content_type: str) -> bytes | str:
        """The merged document of a POST, or why it cannot merge: both must be JSON objects
        (xAPI 1.0.3 Communication 2.2, "JSON Procedure with Requirements")."""
        if _json_type(content_type) is False:
            return f"a POST merges JSON documents: send application/json, not {content_type}"
        try:
            new = load_json(body)
        except ValueError as err:
            return str(err)
        if not isinstance(new, dict):
            return "a POST merges JSON objects: the body must be a JSON object"
        if old is None:
            return body
        try:
            current = load_json(old[0])
        except ValueError:
            current = None
        if not isinstance(current, dict) or _json_type(old[1]) is False:
            return "the stored document is not a JSON object: PUT it instead of POST"
        return json.dumps({**current, **new}).encode()


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
        self._opened: set[str] = set()  # targets a page asked for: rendered at each rebuild
        self._last_good: pipeline.Compiled | None = None
        self._since: set[Path] | None = None  # changed since _last_good (None: not known)

    def rebuild(self, changed: Iterable[Path] | None = None) -> int:
        """Compile the course again; returns the new generation number.

        With `changed` (absolute paths of the files that changed since the last build), only
        what they affect is read and rendered again (pipeline.recompile_course). The packages
        the page had opened are rendered before the new generation is published, so the page
        that reloads on the `build` event finds them ready.
        """
        started = time.perf_counter()
        with self._lock:
            previous, opened = self._last_good, sorted(self._opened)
        compiled: pipeline.Compiled | None = None
        # every file changed since the last build that worked: a change made while the course
        # had errors must not be forgotten when a later change fixes them
        self._since = None if changed is None or self._since is None else \
            self._since | set(changed)
        try:
            if previous is not None and self._since is not None:
                compiled = pipeline.recompile_course(previous, sorted(self._since))
            else:
                compiled = pipeline.compile_course(self.root, reusable=True)
            diags = list(compiled.warnings)
            self._last_good, self._since = compiled, set()
        except CourseInvalid as invalid:
            diags = list(invalid.diagnostics)
        except OSError as err:
            diags = [Diagnostic(Location(PurePosixPath(err.filename or ".")),
                                f"cannot read the course: {err.strerror or err}",
                                "check that the course folder and its files exist")]
        except Exception as err:  # an internal bug must not end the preview session
            traceback.print_exc(file=sys.stderr)
            self._since = None  # the next change compiles the whole course
            diags = [Diagnostic(Location(PurePosixPath("course.yml")),
                                f"internal error: {type(err).__name__}: {err}",
                                "this is a scormbuild bug: please report it with the course")]
        packages: dict[str, Site | list[Diagnostic]] = {}
        for target in opened:
            try:
                if compiled is not None:
                    packages[target] = self._render(compiled, target)
            except Exception:  # a bug: the page's own request for the package reports it
                traceback.print_exc(file=sys.stderr)
        with self._lock:
            self._compiled = compiled
            self._diagnostics = diags
            self._packages = packages
            self.generation += 1
            self.built_at = time.time()
            self.seconds = time.perf_counter() - started
            return self.generation

    def _render(self, compiled: pipeline.Compiled, target: str) -> Site | list[Diagnostic]:
        try:
            return dict(pipeline.render_package(compiled, TARGETS[target], self.templates))
        except CourseInvalid as invalid:
            return list(invalid.diagnostics)

    def package(self, target: str) -> Site | list[Diagnostic]:
        """The rendered files of one target, or the diagnostics that stopped it."""
        with self._lock:
            self._opened.add(target)
            if target in self._packages:
                return self._packages[target]
            compiled = self._compiled
            if compiled is None:
                return self._diagnostics
            found = self._packages[target] = self._render(compiled, target)
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
                 debounce_ms: int = 150, request_timeout: float = REQUEST_TIMEOUT,
                 idle_timeout: float = IDLE_TIMEOUT) -> None:
        """Bind 127.0.0.1:port (0 = any free port); raises OSError when that fails.

        A request must arrive whole within `request_timeout` seconds of its first byte; a
        connection waiting for its next request is closed after `idle_timeout` seconds."""
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
        self.request_timeout = request_timeout
        self.idle_timeout = idle_timeout
        self.httpd = _HttpServer((HOST, port), _make_handler(self))
        # The names this server answers to (DNS rebinding: a page of attacker.example whose
        # name now resolves to 127.0.0.1 still sends Host: attacker.example). Only 127.0.0.1
        # is bound, so [::1] is not one of them.
        names = [f"{name}:{self.port}" for name in ("127.0.0.1", "localhost")]
        if self.port == 80:  # a browser leaves the default port out of Host and Origin
            names += ["127.0.0.1", "localhost"]
        self.hosts = frozenset(names)
        self.origins = frozenset(f"http://{name}" for name in names)

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

    def rebuild(self, changed: list[Path] | None = None) -> None:
        """Rebuild now and tell every page; `changed` (absolute paths) limits the work to what
        those files affect (None: the whole course)."""
        generation = self.builds.rebuild(changed)
        status = self.builds.status()
        errors = sum(d["severity"] == "error" for d in status["diagnostics"])
        stamp = time.strftime("%H:%M:%S")
        what = ", ".join(sorted({p.relative_to(self.root).as_posix()
                                 if p.is_relative_to(self.root) else str(p)
                                 for p in changed or []})) or "course"
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
                        debounce=self.debounce_ms, step=WATCH_STEP_MS, yield_on_timeout=True,
                        rust_timeout=200, raise_interrupt=False)
        ready.set()
        for batch in changes:
            if self._stop.is_set():
                return
            if batch:
                self.rebuild(sorted({Path(p) for _, p in batch}))

    # answers used by the handler -----------------------------------------------------------

    def launch(self, target: str, query: dict[str, str],
               base_url: str | None = None) -> dict[str, Any]:
        """Launch facts of a target, or its errors: what lms.js needs to open the course.

        `base_url` is the origin the page was opened at (http://localhost:<port> or the
        default `url`): the LRS endpoint must be on it, or its requests would be cross-site."""
        base_url = base_url or self.url
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
            info["endpoint"] = f"{base_url}/__lrs__/xAPI/"
        if launcher == "cmi5":
            info["url"] = self._prepare_cmi5(info, query.get("registration") or str(uuid.uuid4()),
                                             status["course"] or {}, base_url)
        return info

    def _prepare_cmi5(self, info: dict[str, Any], registration: str,
                      course: dict[str, Any], base_url: str) -> str:
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
        query = urlencode({"endpoint": info["endpoint"], "fetch": self.lrs.new_fetch_url(base_url),
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


# --- HTTP: limits, checks, the route table ----------------------------------------------------


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True  # a stuck connection never keeps the process alive
    request_queue_size = 512  # socketserver's listen backlog of 5 drops a burst of connections


class _Refused(Exception):
    """A request answered with an HTTP error and a short plain-text reason."""

    def __init__(self, status: int, reason: str, *, close: bool = False,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.close = close
        self.headers = headers or {}


class _DeadlineReader(io.RawIOBase):
    """The socket as a raw stream whose reads time out: a request may wait `idle` seconds for
    its first byte, then it must arrive whole (line, headers, body) within `budget` seconds,
    however slowly a client trickles its bytes (slowloris)."""

    def __init__(self, sock: socket.socket, idle: float, budget: float) -> None:
        super().__init__()
        self._sock = sock
        self._idle = idle
        self._budget = budget
        self.deadline: float | None = None
        self.received = 0
        sock.settimeout(budget)  # writes: a client that stops reading is given up

    def start_request(self) -> None:
        self.deadline = None
        self.received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wait = self._idle
        if self.deadline is not None:
            wait = self.deadline - time.monotonic()
            if wait <= 0:
                raise TimeoutError("the request did not arrive in time")
        self._sock.settimeout(wait)
        try:
            count = self._sock.recv_into(buffer)
        finally:
            self._sock.settimeout(self._budget)
        if count and self.deadline is None:
            self.deadline = time.monotonic() + self._budget
        self.received += count
        return count


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    path: str  # as sent: percent-encoded, without the query
    match: re.Match[str]
    query: dict[str, str]
    headers: Message
    body: bytes
    handler: _Handler


_Answer = Callable[[PreviewServer, _Request], Response | None]


@dataclass(frozen=True, slots=True)
class _Route:
    methods: frozenset[str]
    pattern: re.Pattern[str]  # matched against the whole path
    answer: _Answer  # None: the answer was streamed by the function itself


def _route(methods: str, pattern: str, answer: _Answer) -> _Route:
    return _Route(frozenset(methods.split()), re.compile(pattern), answer)


def _static(preview: PreviewServer, request: _Request) -> Response:
    name, kind = _STATIC[request.path]
    return 200, {"Content-Type": kind}, _asset(name)


def _events(preview: PreviewServer, request: _Request) -> None:
    request.handler.stream_events()


def _status(preview: PreviewServer, request: _Request) -> Response:
    status = preview.builds.status()
    status["target"] = preview.target
    return _json(200, status)


def _launch(preview: PreviewServer, request: _Request) -> Response:
    target = request.query.get("target", preview.target)
    if target not in TARGETS:
        return _json(404, {"error": f"unknown target {target}"})
    host = request.headers["Host"].strip().lower()  # one of preview.hosts (_admit)
    return _json(200, preview.launch(target, request.query, f"http://{host}"))


def _reset(preview: PreviewServer, request: _Request) -> Response:
    preview.lrs.clear()
    return 204, {}, b""


def _statements(preview: PreviewServer, request: _Request) -> Response:
    return _json(200, preview.lrs.snapshot())


def _lrs(preview: PreviewServer, request: _Request) -> Response:
    return preview.lrs.handle(request.method, request.match["rest"], request.query, request.body,
                              request.headers.get("Content-Type", ""))


def _package_name(raw: str) -> str:
    """The file a /pkg/<target>/ path names, percent-decoded segment by segment (RFC 3986
    2.4: `my%20file.png`, `slide%232.png`); raises _Refused for what cannot be a file of a
    package: `.`/`..` or empty segments, encoded slashes, backslashes, NUL, invalid UTF-8."""
    names = []
    for segment in raw.split("/"):
        try:
            name = unquote(segment, errors="strict")
        except UnicodeDecodeError:
            raise _Refused(400, "the path is not UTF-8 once percent-decoded") from None
        if name in (".", "..") or any(c in name for c in "/\\\x00"):
            raise _Refused(400, "a package path cannot hold . or .. segments, encoded slashes, "
                                "backslashes or NUL")
        names.append(name)
    if "" in names[:-1]:
        raise _Refused(400, "a package path cannot hold empty segments (//)")
    return "/".join(names)


def _package_file(preview: PreviewServer, request: _Request) -> Response:
    target, name = request.match["target"], _package_name(request.match["name"] or "")
    if target not in TARGETS:
        return 404, {"Content-Type": _TEXT}, b"no such target"
    found = preview.builds.package(target)
    if isinstance(found, list):
        text = "\n".join(d.render() for d in found) or "the course has errors"
        return 503, {"Content-Type": _TEXT}, text.encode()
    data = found.get(name or "index.html")
    if data is None:
        return 404, {"Content-Type": _TEXT}, f"{name} is not in the {target} package".encode()
    return 200, {"Content-Type": _content_type(name)}, data


def _options(preview: PreviewServer, request: _Request) -> Response:
    return 204, {"Allow": "GET, POST, PUT, DELETE, OPTIONS"}, b""


# First match wins; a path that matches with another method gets 405 with Allow.
_ROUTES = (
    _route("GET", r"/|/__preview__/(?:lms\.js|lms\.css|scorm12\.js)", _static),
    _route("GET", r"/__preview__/events", _events),
    _route("GET", r"/__preview__/status", _status),
    _route("GET", r"/__preview__/launch", _launch),
    _route("POST", r"/__preview__/reset", _reset),
    _route("GET", r"/__preview__/statements", _statements),
    _route("GET POST PUT DELETE", r"/__lrs__/(?P<rest>.*)", _lrs),
    _route("GET", r"/pkg/(?P<target>[^/]*)(?:/(?P<name>.*))?", _package_file),
)
_OPTIONS = _route("OPTIONS", r".*", _options)


def _find_route(method: str, path: str) -> tuple[_Route, re.Match[str]]:
    """The route of a request; raises _Refused (404, or 405 with the methods the path takes)."""
    routes = (_OPTIONS,) if method == "OPTIONS" else _ROUTES
    allowed: set[str] = set()
    for route in routes:
        match = route.pattern.fullmatch(path)
        if match is None:
            continue
        if method in route.methods:
            return route, match
        allowed |= route.methods
    if allowed:
        methods = ", ".join(sorted(allowed))
        raise _Refused(405, f"{path} takes {methods}", headers={"Allow": f"{methods}, OPTIONS"})
    raise _Refused(404, "not found")


class _Handler(BaseHTTPRequestHandler):
    """One connection. Each request is checked in one place per rule (`_admit`: Host, request
    target, body framing, origin, route, body), answered from `_ROUTES`, and whatever goes
    wrong becomes an HTTP error reply with a short plain-text reason, never a dropped
    connection without a word."""

    protocol_version = "HTTP/1.1"
    server_version = "scormbuild-preview"
    preview: PreviewServer  # set by _make_handler

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the terminal shows rebuilds, the page shows everything else

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # replaced by a reader whose reads time out per request
        self._reader = _DeadlineReader(self.connection, self.preview.idle_timeout,
                                       self.preview.request_timeout)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        """Read one request and answer it; like http.server's, plus 408, 500 and lingering."""
        self._reader.start_request()
        self._replied = False
        self._expect_continue = False
        self._pending: int | None = None  # body bytes still to come; None: not known
        try:
            self.raw_requestline = self.rfile.readline(65537)
            for _ in range(8):  # RFC 9112 2.2: ignore empty lines before a request line
                if self.raw_requestline not in (b"\r\n", b"\n"):
                    break
                self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            elif not self.raw_requestline.strip():  # http.server would close without a word
                self.requestline = self.command = ""
                self.request_version = "HTTP/1.0"
                self.send_error(HTTPStatus.BAD_REQUEST, "Empty request line")
            elif self.parse_request():
                self._dispatch()
            self.wfile.flush()
        except TimeoutError:
            if self._reader.received and not self._replied:
                with contextlib.suppress(OSError):
                    self._reply(408, "the request did not arrive in time", close=True)
            else:
                self._pending = 0
            self.close_connection = True
        except OSError:  # the client went away (reset, broken pipe)
            self.close_connection = True
            self._pending = 0
        except Exception as err:  # a bug costs one request, never the connection or thread
            path = getattr(self, "path", "")[:200]
            print(f"preview: internal error answering {getattr(self, 'command', None)} {path!r}: "
                  f"{type(err).__name__}: {err}", file=sys.stderr)
            if not self._replied:
                with contextlib.suppress(OSError):
                    self._reply(500, "internal error in the preview server (see its terminal)",
                                close=True)
            self.close_connection = True
        if self.close_connection:
            self._linger()

    def handle_expect_100(self) -> bool:
        # 100 Continue only once the request passed every check, just before its body is read
        self._expect_continue = True
        return True

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """Errors that http.server finds itself (request line, headers): plain text, close."""
        short, long = self.responses.get(HTTPStatus(code), ("Error", ""))
        self._reply(code, f"{message or short}: {explain or long}", close=True)

    # checks ----------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        try:
            route, request = self._admit()
        except _Refused as refused:
            close = refused.close or self._pending is None or self._pending > 0
            self._reply(refused.status, refused.reason, close=close, headers=refused.headers)
            return
        try:
            answer = route.answer(self.preview, request)
        except _Refused as refused:
            self._reply(refused.status, refused.reason, close=refused.close,
                        headers=refused.headers)
            return
        if answer is not None:
            self._send(*answer)

    def _admit(self) -> tuple[_Route, _Request]:
        """Every check, in the order of the replies; raises _Refused."""
        preview = self.preview
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1:
            raise _Refused(400, "a request needs exactly one Host header", close=True)
        if hosts[0].strip().lower() not in preview.hosts:
            # DNS rebinding: another site's page whose name now points at 127.0.0.1
            raise _Refused(403, f"this preview answers only to {preview.url} and "
                                f"http://localhost:{preview.port}", close=True)
        if not self.path.startswith("/"):
            raise _Refused(400, "the request target must be a path such as /index.html")
        self._pending = self._body_length()
        if self.command not in METHODS:
            raise _Refused(501, f"{self.command} is not supported here",
                           headers={"Allow": "GET, POST, PUT, DELETE, OPTIONS"})
        self._check_site()
        path, _, query_text = self.path.partition("#")[0].partition("?")
        route, match = _find_route(self.command, path)
        query = {k: v[-1] for k, v in parse_qs(query_text, keep_blank_values=True).items()}
        body = self._read_body(self._pending)
        return route, _Request(self.command, path, match, query, self.headers, body, self)

    def _body_length(self) -> int:
        """The Content-Length of the body (RFC 9112 6.3); raises _Refused (400, 411, 413)."""
        lengths = self.headers.get_all("Content-Length") or []
        if self.headers.get_all("Transfer-Encoding"):
            if lengths:
                raise _Refused(400, "a request cannot carry both Transfer-Encoding and "
                                    "Content-Length", close=True)
            raise _Refused(411, "send the body with a Content-Length (chunked bodies are not "
                                "accepted)", close=True)
        if not lengths:
            return 0
        values = {value.strip() for value in lengths}
        text = values.pop()
        if values or not re.fullmatch(r"[0-9]+", text):
            raise _Refused(400, "Content-Length must be one whole number of bytes", close=True)
        if len(text.lstrip("0")) > 12 or int(text) > MAX_BODY:
            raise _Refused(413, f"the body is over the preview's limit of {MAX_BODY} bytes",
                           close=True)
        return int(text)

    def _check_site(self) -> None:
        """Refuse what another web site's page sends: a state-changing request needs this
        server's own Origin (the Fetch standard has browsers send one with every POST, PUT
        and DELETE, so the player always does; `null` is refused), and with Sec-Fetch-Site a
        request from another site is refused unless it opens a page in a tab (a link to the
        preview); in a frame of another site it would be clickjacking."""
        site = (self.headers.get("Sec-Fetch-Site") or "").strip().lower()
        elsewhere = site in ("cross-site", "same-site")
        if self.command in STATE_CHANGING:
            origins = [o.strip().lower() for o in self.headers.get_all("Origin") or []]
            if not origins:
                raise _Refused(403, "a request that changes the preview needs an Origin header: "
                                    f"browsers send one; a script must send Origin: "
                                    f"{self.preview.url}")
            if len(origins) > 1 or origins[0] not in self.preview.origins or elsewhere:
                raise _Refused(403, "refused a request from another web site: only pages of "
                                    f"{self.preview.url} may change the preview")
        elif elsewhere and ((self.headers.get("Sec-Fetch-Mode") or "").lower() != "navigate"
                            or (self.headers.get("Sec-Fetch-Dest") or "document").lower()
                            != "document"):
            raise _Refused(403, f"refused a request from another web site ({site})")

    def _read_body(self, length: int) -> bytes:
        if not length:
            return b""
        if self._expect_continue:
            self.send_response_only(HTTPStatus.CONTINUE)
            self.end_headers()
            self.wfile.flush()
        body = self.rfile.read(length)
        if len(body) < length:
            self._pending = 0  # the client has stopped sending
            raise _Refused(400, f"the body ended after {len(body)} of {length} bytes",
                           close=True)
        self._pending = 0
        return body

    # replies ---------------------------------------------------------------------------------

    def _reply(self, status: int, text: str, *, close: bool = False,
               headers: dict[str, str] | None = None) -> None:
        if close:
            self.close_connection = True
        self._send(status, {"Content-Type": _TEXT, **(headers or {})}, (text + "\n").encode())

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self._replied = True
        if self.request_version == "HTTP/0.9":  # a garbage request line: no browser reads 0.9
            self.request_version = "HTTP/1.0"
        self.send_response(HTTPStatus(status))
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "SAMEORIGIN")  # no other site frames the LMS page
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _linger(self) -> None:
        """Before closing, read what the client may still be sending: closing a socket with
        unread data resets the connection, and the client may then lose the reply."""
        if self._pending == 0:
            return
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(_LINGER / 4)
            until = time.monotonic() + _LINGER
            drained = 0
            while drained <= MAX_BODY and time.monotonic() < until:
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                drained += len(chunk)

    def stream_events(self) -> None:
        """Server-sent events until the server stops or the page goes away."""
        self._replied = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        with self.preview.hub.subscribe() as events:
            self._event("hello", {"generation": self.preview.builds.generation})
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


def _make_handler(server: PreviewServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        preview = server

    return Handler
