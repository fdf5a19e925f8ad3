"""Test-side helpers for xAPI: a real LRS (Ralph, run from .venv-ralph) and statement validators.

Used by the fixtures in tests/browser/conftest.py; see docs/testing.md.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
RALPH_VENV = REPO_ROOT / ".venv-ralph"
RALPH_PYTHON = RALPH_VENV / "bin" / "python"
RALPH_CLI = RALPH_VENV / "bin" / "ralph"
LAUNCHER = REPO_ROOT / "tests" / "lrs" / "ralph_launcher.py"
RALPH_VALIDATOR = REPO_ROOT / "tests" / "lrs" / "ralph_validate.py"
JS_DIR = REPO_ROOT / "tests" / "js"
NODE_VALIDATOR = JS_DIR / "xapi-validate.cjs"
XAPI_VERSION = "1.0.3"
INSTALL_HINT = "run `bash scripts/install-test-deps.sh` (or `make test-deps`) first"

# Plain opener: never route loopback traffic through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class HttpResult:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def http(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> HttpResult:
    """One HTTP request; any status (4xx/5xx included) comes back as an HttpResult."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpResult(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return HttpResult(error.code, error.headers, error.read())


@dataclass
class RalphLrs:
    """A Ralph LRS on 127.0.0.1 with the file-system backend, plus the launcher's extra routes.

    ``endpoint`` is the xAPI endpoint (ends with ``/xAPI/``), ``auth`` the value for an
    ``Authorization`` header. Data lives in ``workdir`` and survives ``stop()``/``start()``.
    """

    workdir: Path
    username: str = "scormbuild"
    password: str = "test-secret"
    port: int = field(default_factory=free_port)
    startup_timeout: float = 30.0
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/xAPI/"

    @property
    def credentials(self) -> str:
        return f"{self.username}:{self.password}"

    @property
    def auth(self) -> str:
        return "Basic " + base64.b64encode(self.credentials.encode()).decode()

    @property
    def auth_file(self) -> Path:
        return self.workdir / "auth.json"

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    @property
    def log_file(self) -> Path:
        return self.workdir / "ralph.log"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- process control ---------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RALPH_")}
        env.update(
            RALPH_RUNSERVER_BACKEND="fs",
            RALPH_AUTH_FILE=str(self.auth_file),
            SCORMBUILD_LRS_CREDENTIALS=self.credentials,
            NO_PROXY="127.0.0.1,localhost",
        )
        return env

    def create_credentials(self) -> None:
        """Write auth.json with ``ralph auth`` (bcrypt hash, all scopes)."""
        if not RALPH_CLI.exists():
            raise RuntimeError(f"{RALPH_CLI} is missing: {INSTALL_HINT}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.auth_file.unlink(missing_ok=True)
        subprocess.run(
            [
                str(RALPH_CLI), "auth", "-u", self.username, "-p", self.password, "-s", "all",
                "-M", "mailto:lrs-admin@example.com", "-N", "LRS admin", "-w",
            ],
            env=self._env(), cwd=self.workdir, check=True, capture_output=True,
        )  # fmt: skip

    def start(self) -> None:
        """Start the server (again) on the same port and data dir; wait until it answers."""
        if self.running:
            return
        if not self.auth_file.exists():
            self.create_credentials()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    str(RALPH_PYTHON), str(LAUNCHER), "--host", "127.0.0.1",
                    "--port", str(self.port), "--data-dir", str(self.data_dir),
                    "--auth-file", str(self.auth_file),
                ],
                env=self._env(), cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"Ralph exited early:\n{self.log_tail()}")
            try:
                if http("GET", f"{self.base_url}/__heartbeat__", timeout=1).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"Ralph did not answer within {self.startup_timeout}s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Stop the server (simulates an outage); data and port are kept for ``start()``."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    # -- HTTP --------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
    ) -> HttpResult:
        """A request to ``path`` (relative to the server root, e.g. ``/xAPI/statements``)."""
        url = self.base_url + path
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        all_headers = {"X-Experience-API-Version": XAPI_VERSION}
        if authenticated:
            all_headers["Authorization"] = self.auth
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        return http(method, url, body=body, headers=all_headers)

    def _ok(self, result: HttpResult, what: str) -> HttpResult:
        if not 200 <= result.status < 300:
            raise AssertionError(f"{what}: HTTP {result.status} {result.body[:500]!r}")
        return result

    def post_statements(self, statements: Mapping[str, Any] | Sequence[Any]) -> list[str]:
        """POST one statement or a list; returns the ids the LRS reports."""
        result = self._ok(
            self.request("POST", "/xAPI/statements", json_body=statements), "POST statements"
        )
        ids: list[str] = result.json()
        return ids

    def statements(self, registration: str | None = None, **params: str) -> list[dict[str, Any]]:
        """All stored statements (optionally of one registration), following ``more`` links.

        Other xAPI query parameters go in ``params`` (note: Ralph 5.1.0 ignores ``verb`` and
        ``activity`` filters and returns nothing for them; filter in Python instead).
        """
        query = dict(params)
        if registration is not None:
            query["registration"] = registration
        path = "/xAPI/statements" + ("?" + urllib.parse.urlencode(query) if query else "")
        found: list[dict[str, Any]] = []
        seen: set[str] = set()
        for _ in range(10_000):
            page = self._ok(self.request("GET", path), "GET statements").json()
            for statement in page.get("statements", []):
                if statement.get("id") not in seen:
                    seen.add(statement.get("id"))
                    found.append(statement)
            more = page.get("more")
            if not more or not page.get("statements"):
                return found
            parsed = urllib.parse.urlsplit(more)
            path = parsed.path + ("?" + parsed.query if parsed.query else "")
        raise AssertionError("statements(): too many pages")

    def _document_params(
        self, activity_id: str | None, agent: Mapping[str, Any] | None, **extra: str | None
    ) -> dict[str, str]:
        params: dict[str, str] = {}
        if activity_id is not None:
            params["activityId"] = activity_id
        if agent is not None:
            params["agent"] = json.dumps(dict(agent))
        params.update({k: v for k, v in extra.items() if v is not None})
        return params

    def put_state(
        self,
        activity_id: str,
        agent: Mapping[str, Any],
        state_id: str,
        document: Any,
        registration: str | None = None,
    ) -> None:
        """PUT a JSON State document (e.g. cmi5's ``LMS.LaunchData``)."""
        params = self._document_params(
            activity_id, agent, stateId=state_id, registration=registration
        )
        self._ok(
            self.request("PUT", "/xAPI/activities/state", params=params, json_body=document),
            "PUT state",
        )

    def get_state(
        self,
        activity_id: str,
        agent: Mapping[str, Any],
        state_id: str,
        registration: str | None = None,
    ) -> Any:
        """The stored State document parsed as JSON, or None when there is none (404)."""
        params = self._document_params(
            activity_id, agent, stateId=state_id, registration=registration
        )
        result = self.request("GET", "/xAPI/activities/state", params=params)
        if result.status == 404:
            return None
        return self._ok(result, "GET state").json()

    def put_agent_profile(self, agent: Mapping[str, Any], profile_id: str, document: Any) -> None:
        """PUT a JSON Agent Profile document (e.g. ``cmi5LearnerPreferences``)."""
        params = self._document_params(None, agent, profileId=profile_id)
        self._ok(
            self.request("PUT", "/xAPI/agents/profile", params=params, json_body=document),
            "PUT agent profile",
        )

    def get_agent_profile(self, agent: Mapping[str, Any], profile_id: str) -> Any:
        params = self._document_params(None, agent, profileId=profile_id)
        result = self.request("GET", "/xAPI/agents/profile", params=params)
        if result.status == 404:
            return None
        return self._ok(result, "GET agent profile").json()

    def new_fetch_url(self, auth_token: str | None = None) -> str:
        """A one-time cmi5 fetch URL; POSTing to it returns ``{"auth-token": ...}`` once.

        The token defaults to base64 of this LRS's ``user:password``.
        """
        body = {"auth-token": auth_token} if auth_token else {}
        result = self._ok(
            self.request("POST", "/__test__/fetch", json_body=body), "register fetch token"
        )
        url: str = result.json()["url"]
        return url

    def prepare_cmi5_launch(self, au_url: str, **kwargs: Any) -> Cmi5Launch:
        """See the module function ``prepare_cmi5_launch``."""
        return prepare_cmi5_launch(self, au_url, **kwargs)


CMI5_EXT = "https://w3id.org/xapi/cmi5/context/extensions/"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
DEFAULT_ACTOR: dict[str, Any] = {
    "objectType": "Agent",
    "name": "Test Learner",
    "account": {"homePage": "https://lms.example.com", "name": "learner-1"},
}


@dataclass
class Cmi5Launch:
    """What ``RalphLrs.prepare_cmi5_launch`` set up for one AU launch."""

    url: str  # the AU URL with endpoint, fetch, actor, registration and activityId
    registration: str
    session_id: str
    activity_id: str
    actor: dict[str, Any]
    launch_data: dict[str, Any]
    launched_statement: dict[str, Any]


def prepare_cmi5_launch(
    lrs: RalphLrs,
    au_url: str,
    *,
    publisher_id: str,
    activity_id: str | None = None,
    actor: Mapping[str, Any] | None = None,
    launch_mode: str = "Normal",
    move_on: str = "CompletedOrPassed",
    mastery_score: float | None = None,
    launch_parameters: str | None = None,
    return_url: str | None = None,
    registration: str | None = None,
    learner_preferences: Mapping[str, str] | None = None,
) -> Cmi5Launch:
    """Do the LMS side of a cmi5 launch (cmi5 sections 8-11) against ``lrs``.

    Writes ``LMS.LaunchData`` state, the ``cmi5LearnerPreferences`` agent profile and the
    ``launched`` statement, registers a one-time fetch URL, and returns the launch URL.
    ``publisher_id`` is the AU id from cmi5.xml; ``activity_id`` (LMS-generated) must differ.
    """
    actor = dict(actor or DEFAULT_ACTOR)
    registration = registration or str(uuid.uuid4())
    session_id = str(uuid.uuid4())
    activity_id = activity_id or f"https://lms.example.com/au/{uuid.uuid4()}"
    context_template = {
        "contextActivities": {"grouping": [{"objectType": "Activity", "id": publisher_id}]},
        "extensions": {CMI5_EXT + "sessionid": session_id},
    }
    launch_data: dict[str, Any] = {
        "contextTemplate": context_template,
        "launchMode": launch_mode,
        "moveOn": move_on,
    }
    if mastery_score is not None:
        launch_data["masteryScore"] = mastery_score
    if launch_parameters is not None:
        launch_data["launchParameters"] = launch_parameters
    if return_url is not None:
        launch_data["returnURL"] = return_url
    lrs.put_state(activity_id, actor, "LMS.LaunchData", launch_data, registration=registration)
    lrs.put_agent_profile(
        actor,
        "cmi5LearnerPreferences",
        dict(learner_preferences or {"languagePreference": "en-US", "audioPreference": "on"}),
    )
    extensions: dict[str, Any] = {
        CMI5_EXT + "sessionid": session_id,
        CMI5_EXT + "launchmode": launch_mode,
        CMI5_EXT + "launchurl": au_url,
        CMI5_EXT + "moveon": move_on,
    }
    if mastery_score is not None:
        extensions[CMI5_EXT + "masteryscore"] = mastery_score
    if launch_parameters is not None:
        extensions[CMI5_EXT + "launchparameters"] = launch_parameters
    launched = {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/launched",
            "display": {"en-US": "launched"},
        },
        "object": {"objectType": "Activity", "id": activity_id},
        "context": {
            "registration": registration,
            "contextActivities": {
                "grouping": [{"objectType": "Activity", "id": publisher_id}],
                "category": [{"objectType": "Activity", "id": CMI5_CATEGORY}],
            },
            "extensions": extensions,
        },
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    lrs.post_statements(launched)
    query = urllib.parse.urlencode(
        {
            "endpoint": lrs.endpoint,
            "fetch": lrs.new_fetch_url(),
            "actor": json.dumps(actor),
            "registration": registration,
            "activityId": activity_id,
        }
    )
    url = au_url + ("&" if "?" in au_url else "?") + query
    return Cmi5Launch(url, registration, session_id, activity_id, actor, launch_data, launched)


# -- statement validators ------------------------------------------------------------------------


class _LineWorker:
    """A validator kept running (``--lines``): one JSON line in, one out. Starting node or
    Ralph's models costs 1-2 s, paid once per test session instead of once per check."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.command, self.cwd = command, cwd
        self._process: subprocess.Popen[str] | None = None
        self._stderr = tempfile.TemporaryFile("w+")  # noqa: SIM115 - lives as long as the worker
        self._lock = threading.Lock()
        atexit.register(self.close)

    def ask(self, payload: str) -> list[list[str]]:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = subprocess.Popen(
                    [*self.command, "--lines"], cwd=self.cwd, text=True, bufsize=1,
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                )  # fmt: skip
            assert self._process.stdin is not None and self._process.stdout is not None
            try:
                self._process.stdin.write(payload + "\n")
                self._process.stdin.flush()
                line = self._process.stdout.readline()
            except OSError:
                line = ""
            if not line:
                self._stderr.seek(0)
                raise RuntimeError(f"{self.command[0]} failed:\n{self._stderr.read()[-2000:]}")
            result: list[list[str]] = json.loads(line)
            return result

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()


_WORKERS: dict[str, _LineWorker] = {}


def _worker(name: str, command: list[str], cwd: Path) -> _LineWorker:
    if name not in _WORKERS:
        _WORKERS[name] = _LineWorker(command, cwd)
    return _WORKERS[name]


def node_xapi_warnings(statements: Sequence[Any]) -> list[list[str]]:
    """@learninglocker/xapi-validation warnings for each statement (a long-lived node worker)."""
    node = shutil.which("node")
    if node is None or not (JS_DIR / "node_modules" / "@learninglocker").exists():
        raise RuntimeError(f"node or tests/js/node_modules is missing: {INSTALL_HINT}")
    worker = _worker("node", [node, str(NODE_VALIDATOR)], JS_DIR)
    return worker.ask(json.dumps(list(statements)))


def ralph_xapi_errors(statements: Sequence[Any]) -> list[list[str]]:
    """Ralph ``BaseXapiStatement`` errors for each statement (a long-lived python worker)."""
    if not RALPH_PYTHON.exists():
        raise RuntimeError(f"{RALPH_PYTHON} is missing: {INSTALL_HINT}")
    worker = _worker("ralph", [str(RALPH_PYTHON), str(RALPH_VALIDATOR)], REPO_ROOT)
    return worker.ask(json.dumps(list(statements)))


def xapi_validate_many(statements: Sequence[Any]) -> list[list[str]]:
    """Both validators over many statements, run in parallel: one list of messages each.

    Messages start with ``xapi-validation:`` or ``ralph:``. Known gaps (docs/testing.md):
    xapi-validation wrongly rejects a single-object contextActivities value; Ralph accepts
    non-ISO durations and timestamps without a zone.
    """
    statements = list(statements)
    if not statements:
        return []
    with ThreadPoolExecutor(max_workers=2) as pool:
        node_future = pool.submit(node_xapi_warnings, statements)
        ralph_future = pool.submit(ralph_xapi_errors, statements)
        node_results, ralph_results = node_future.result(), ralph_future.result()
    return [
        [f"xapi-validation: {m}" for m in node] + [f"ralph: {m}" for m in ralph]
        for node, ralph in zip(node_results, ralph_results, strict=True)
    ]


def xapi_validate(statement: Mapping[str, Any]) -> list[str]:
    """Both validators over one statement; an empty list means both accept it."""
    return xapi_validate_many([statement])[0]
