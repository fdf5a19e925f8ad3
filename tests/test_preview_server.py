"""preview.py without a browser: the in-memory LRS, launch facts, rebuilds, the vendored file."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import re
import select
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from scormbuild import preview, scaffold

AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:a@example.org", "name": "A"})
AGENT_REORDERED = json.dumps({"name": "A", "mbox": "mailto:a@example.org"})


@pytest.fixture
def lrs() -> preview.MemoryLrs:
    return preview.MemoryLrs(preview.EventHub())


def test_statements_post_put_get(lrs: preview.MemoryLrs) -> None:
    stmt = {"actor": json.loads(AGENT), "verb": {"id": "http://adlnet.gov/expapi/verbs/x"},
            "object": {"id": "http://example.org/a"}, "context": {"registration": "r1"}}
    status, headers, body = lrs.handle("POST", "xAPI/statements", {}, json.dumps([stmt]).encode(),
                                       "application/json")
    assert status == 200 and headers["X-Experience-API-Version"] == "1.0.3"
    (stmt_id,) = json.loads(body)
    status, _, _ = lrs.handle("PUT", "xAPI/statements", {"statementId": "abc"},
                              json.dumps(stmt).encode(), "application/json")
    assert status == 204
    _, _, body = lrs.handle("GET", "xAPI/statements", {"registration": "r1"}, b"", "")
    assert [s["id"] for s in json.loads(body)["statements"]] == ["abc", stmt_id]
    assert all("stored" in s and "authority" in s for s in lrs.statements)
    assert lrs.handle("GET", "xAPI/statements", {"statementId": "nope"}, b"", "")[0] == 404
    assert lrs.handle("POST", "xAPI/statements", {}, b"{not json", "")[0] == 400


def test_state_documents(lrs: preview.MemoryLrs) -> None:
    scope = {"activityId": "http://example.org/a", "agent": AGENT, "registration": "r",
             "stateId": "s"}
    assert lrs.handle("GET", "xAPI/activities/state", scope, b"", "")[0] == 404
    assert lrs.handle("PUT", "xAPI/activities/state", scope, b'{"a": 1}',
                      "application/json")[0] == 204
    assert lrs.handle("POST", "xAPI/activities/state", scope, b'{"b": 2}',
                      "application/json")[0] == 204
    same_agent = {**scope, "agent": AGENT_REORDERED}
    status, _, body = lrs.handle("GET", "xAPI/activities/state", same_agent, b"", "")
    assert status == 200 and json.loads(body) == {"a": 1, "b": 2}
    ids = lrs.handle("GET", "xAPI/activities/state",
                     {k: v for k, v in scope.items() if k != "stateId"}, b"", "")
    assert json.loads(ids[2]) == ["s"]
    assert lrs.handle("DELETE", "xAPI/activities/state", scope, b"", "")[0] == 204
    assert lrs.handle("GET", "xAPI/activities/state", scope, b"", "")[0] == 404


def test_cmi5_fetch_answers_once(lrs: preview.MemoryLrs) -> None:
    url = lrs.new_fetch_url("http://127.0.0.1:1")
    fetch_id = url.rsplit("/", 1)[-1]
    first = json.loads(lrs.handle("POST", f"fetch/{fetch_id}", {}, b"", "")[2])
    second = json.loads(lrs.handle("POST", f"fetch/{fetch_id}", {}, b"", "")[2])
    assert "auth-token" in first
    assert second["error-code"] == "1"


def test_clear_forgets_everything(lrs: preview.MemoryLrs) -> None:
    lrs.store({"actor": {}, "verb": {"id": "v"}, "object": {"id": "o"}})
    lrs.put_document("agents/profile", {"agent": AGENT, "profileId": "p"}, b"{}")
    lrs.clear()
    assert lrs.statements == [] and lrs.documents == {}


def test_vendored_scorm_again_matches_its_provenance_note() -> None:
    assets = resources.files("scormbuild").joinpath(preview.ASSETS)
    note = assets.joinpath("PROVENANCE.md").read_text()
    digest = hashlib.sha256(assets.joinpath(preview.SCORM_AGAIN).read_bytes()).hexdigest()
    assert digest in note
    assert assets.joinpath("scorm-again-LICENSE").read_text().startswith("MIT License")
    assert re.search(r"Scorm12API", assets.joinpath(preview.SCORM_AGAIN).read_text()[:200])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[preview.PreviewServer]:
    folder = tmp_path / "course"
    scaffold.write_course(folder, "Course", "course", "en-US")
    with preview.PreviewServer(folder, port=0, debounce_ms=50) as running:
        yield running


def get(server: preview.PreviewServer, path: str) -> Any:
    with urllib.request.urlopen(server.url + path) as response:
        body = response.read()
        kind = response.headers["Content-Type"]
    return json.loads(body) if kind.startswith("application/json") else body


def test_launch_facts_for_every_target(server: preview.PreviewServer) -> None:
    scorm = get(server, "/__preview__/launch?target=scorm12")
    assert (scorm["launcher"], scorm["href"], scorm["mastery_score"]) == ("scorm12", "index.html",
                                                                          "80")
    tincan = get(server, "/__preview__/launch?target=tincan")
    assert tincan["endpoint"] == f"{server.url}/__lrs__/xAPI/"
    cmi5 = get(server, "/__preview__/launch?target=cmi5&registration=r-1")
    assert "fetch=" in cmi5["url"] and "registration=r-1" in cmi5["url"]
    assert [s["verb"]["id"].rsplit("/", 1)[-1] for s in server.lrs.statements] == ["launched"]
    assert get(server, "/pkg/scorm12/index.html").startswith(b"<!")
    with pytest.raises(urllib.error.HTTPError) as missing:
        get(server, "/pkg/scorm12/nope.html")
    assert missing.value.code == 404
    missing.value.close()


def test_assets_with_encoded_names_are_served(tmp_path: Path) -> None:
    """The package's HTML says assets/my%20file.svg; the preview serves the file of that name."""
    folder = tmp_path / "course"
    scaffold.write_course(folder, "Course", "course", "en-US")
    svg = (folder / "assets" / "diagram.svg").read_bytes()
    lesson = folder / "lessons" / "welcome.md"
    extra = ""
    for name in ("my file.svg", "slide#2.svg", "café.svg"):
        (folder / "assets" / name).write_bytes(svg)
        extra += f"\n![Diagram](<../assets/{name}>)\n"
    lesson.write_text(lesson.read_text() + extra)
    with preview.PreviewServer(folder, port=0, debounce_ms=50) as running:
        html = get(running, "/pkg/scorm12/index.html").decode()
        for url in ("assets/my%20file.svg", "assets/slide%232.svg", "assets/caf%C3%A9.svg"):
            assert f'src="{url}"' in html
            assert get(running, f"/pkg/scorm12/{url}") == svg


def test_a_change_rebuilds_and_errors_carry_file_and_line(server: preview.PreviewServer) -> None:
    course_yml = server.root / "course.yml"
    course_yml.write_text(course_yml.read_text().replace("id: course", "id: Not A Slug"))
    deadline = time.monotonic() + 10
    while get(server, "/__preview__/status")["generation"] < 2:
        assert time.monotonic() < deadline, "no rebuild after a change"
        time.sleep(0.05)
    status = get(server, "/__preview__/status")
    assert status["ok"] is False
    assert re.match(r"course\.yml:4:\d+: error: .*not a valid id", status["diagnostics"][0]["text"])
    launch = get(server, "/__preview__/launch?target=scorm12")
    assert launch["ok"] is False and launch["diagnostics"]


# --- hostile HTTP: a corpus of raw requests, each with its exact status -----------------------
#
# Issue 13: the preview must answer only its own loopback names (DNS rebinding), obey no
# state-changing request from another site, bound bodies and slow clients, and answer every bad
# request with an HTTP error, never a traceback or a dropped connection.

HANG_GUARD = 30.0  # seconds: only so that a hung server fails the test instead of stalling it
STATEMENT = {"actor": {"objectType": "Agent", "mbox": "mailto:a@example.org"},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
             "object": {"id": "http://example.org/a"}}
SPECIAL_ASSETS = ("my file.svg", "slide#2.svg", "100%.svg", "a?b.svg")


def nested(depth: int) -> dict[str, Any]:
    """A statement nested depth + 3 levels deep: an extension of `depth` JSON arrays."""
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return {**STATEMENT, "context": {"extensions": {"http://example.org/x": value}}}


def js(value: Any) -> bytes:
    return json.dumps(value).encode()


class Case:
    """One raw request. Headers: Host, and for POST/PUT/DELETE Origin and Content-Type, are
    filled in unless given (None leaves one out); Content-Length is computed unless given.
    `{port}` in any string is the server's port."""

    def __init__(self, name: str, status: int, method: str = "GET",
                 path: str = "/__preview__/status", headers: dict[str, str | None] | None = None,
                 body: bytes = b"", extra: tuple[tuple[str, str], ...] = (),
                 raw: bytes | None = None, half_close: bool = False) -> None:
        self.name, self.status, self.method, self.path = name, status, method, path
        self.headers, self.body, self.extra = headers or {}, body, extra
        self.raw, self.half_close = raw, half_close

    def encode(self, port: int) -> bytes:
        if self.raw is not None:
            return self.raw.replace(b"{port}", str(port).encode())
        fields: dict[str, str | None] = {"Host": "127.0.0.1:{port}"}
        if self.method in ("POST", "PUT", "DELETE"):
            fields.update({"Origin": "http://127.0.0.1:{port}", "Content-Type": "application/json"})
        fields["Content-Length"] = str(len(self.body)) if self.body or self.method != "GET" \
            else None
        fields.update(self.headers)
        lines = [f"{self.method} {self.path} HTTP/1.1"]
        lines += [f"{k}: {v}" for k, v in fields.items() if v is not None]
        lines += [f"{k}: {v}" for k, v in self.extra]
        head = "\r\n".join(lines).replace("{port}", str(port))
        return head.encode("latin-1") + b"\r\n\r\n" + self.body


RESET = {"method": "POST", "path": "/__preview__/reset"}
POST = {"method": "POST", "path": "/__lrs__/xAPI/statements"}
STATE = "/__lrs__/xAPI/activities/state?activityId=http%3A%2F%2Fexample.org%2Fa&stateId=s&agent=" \
    + quote(json.dumps(STATEMENT["actor"]))

CASES = [
    # Host: only the names the server printed (DNS rebinding sends the attacker's name)
    Case("host-own", 200),
    Case("host-localhost", 200, headers={"Host": "localhost:{port}"}),
    Case("host-upper-case", 200, headers={"Host": "LOCALHOST:{port}"}),
    Case("host-attacker", 403, headers={"Host": "attacker.example:{port}"}),
    Case("host-attacker-no-port", 403, headers={"Host": "attacker.example"}),
    Case("host-localhost-prefix", 403, headers={"Host": "localhost.attacker.example:{port}"}),
    Case("host-rebinding-rbndr", 403, headers={"Host": "7f000001.c0a80001.rbndr.us:{port}"}),
    Case("host-rebinding-nip-io", 403, headers={"Host": "127.0.0.1.nip.io:{port}"}),
    Case("host-empty", 403, headers={"Host": ""}),
    Case("host-missing", 400, headers={"Host": None}),
    Case("host-two", 400, extra=(("Host", "attacker.example"),)),
    Case("host-no-port", 403, headers={"Host": "127.0.0.1"}),
    Case("host-other-port", 403, headers={"Host": "127.0.0.1:1"}),
    Case("host-ipv6-loopback-not-bound", 403, headers={"Host": "[::1]:{port}"}),
    Case("host-ipv4-mapped-ipv6", 403, headers={"Host": "[::ffff:127.0.0.1]:{port}"}),
    Case("host-trailing-dot", 403, headers={"Host": "localhost.:{port}"}),
    Case("host-short-ip", 403, headers={"Host": "127.1:{port}"}),
    Case("host-decimal-ip", 403, headers={"Host": "2130706433:{port}"}),
    Case("host-any-address", 403, headers={"Host": "0.0.0.0:{port}"}),
    Case("host-userinfo", 403, headers={"Host": "attacker.example@127.0.0.1:{port}"}),
    Case("host-port-suffix", 403, headers={"Host": "127.0.0.1:{port}@attacker.example"}),
    Case("target-absolute-form", 400, path="http://attacker.example/__preview__/status"),
    Case("target-absolute-form-own", 400, path="http://127.0.0.1:{port}/__preview__/status"),
    Case("target-asterisk", 400, method="OPTIONS", path="*"),
    # Origin: a state-changing request only from the server's own pages
    Case("origin-own", 204, **RESET),
    Case("origin-localhost", 204, headers={"Origin": "http://localhost:{port}"}, **RESET),
    Case("origin-same-origin-fetch", 204, headers={"Sec-Fetch-Site": "same-origin"}, **RESET),
    Case("origin-missing", 403, headers={"Origin": None}, **RESET),
    Case("origin-null", 403, headers={"Origin": "null"}, **RESET),
    Case("origin-attacker", 403, headers={"Origin": "http://attacker.example"}, **RESET),
    Case("origin-attacker-own-port", 403, headers={"Origin": "http://attacker.example:{port}"},
         **RESET),
    Case("origin-lookalike", 403, headers={"Origin": "http://127.0.0.1:{port}.attacker.example"},
         **RESET),
    Case("origin-other-local-port", 403, headers={"Origin": "http://127.0.0.1:1"}, **RESET),
    Case("origin-https", 403, headers={"Origin": "https://127.0.0.1:{port}"}, **RESET),
    Case("origin-ipv6", 403, headers={"Origin": "http://[::1]:{port}"}, **RESET),
    Case("origin-with-slash", 403, headers={"Origin": "http://127.0.0.1:{port}/"}, **RESET),
    Case("origin-two", 403, extra=(("Origin", "http://attacker.example"),), **RESET),
    Case("origin-own-but-cross-site", 403, headers={"Sec-Fetch-Site": "cross-site"}, **RESET),
    Case("origin-own-but-same-site", 403, headers={"Sec-Fetch-Site": "same-site"}, **RESET),
    Case("origin-statements", 403, headers={"Origin": "http://attacker.example"},
         body=js([STATEMENT]), **POST),
    Case("origin-state-put", 403, method="PUT", path=STATE, body=b"{}",
         headers={"Origin": "http://attacker.example"}),
    Case("origin-state-delete", 403, method="DELETE", path=STATE, headers={"Origin": "null"}),
    Case("origin-form-post", 403, headers={"Origin": "http://attacker.example",
                                           "Content-Type": "text/plain"},
         body=js([STATEMENT]), **POST),
    Case("cross-site-subresource", 403, path="/__preview__/launch?target=cmi5",
         headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}),
    Case("cross-site-preflight", 403, method="OPTIONS", path="/__lrs__/xAPI/statements",
         headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors",
                  "Origin": "http://attacker.example"}),
    Case("cross-site-navigation", 200, path="/",
         headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
                  "Sec-Fetch-Dest": "document"}),
    Case("cross-site-iframe", 403, path="/",
         headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
                  "Sec-Fetch-Dest": "iframe"}),
    Case("cross-site-event-stream", 403, path="/__preview__/events",
         headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors",
                  "Origin": "http://attacker.example"}),
    # Content-Length: bounded, well-formed, never trusted to hang a thread
    Case("statements-ok", 200, body=js([STATEMENT]), **POST),
    Case("statements-json-charset", 200, body=js(STATEMENT), **POST,
         headers={"Content-Type": "application/json; charset=utf-8"}),
    Case("length-negative", 400, headers={"Content-Length": "-1"}, **POST),
    Case("length-text", 400, headers={"Content-Length": "abc"}, **POST),
    Case("length-exponent", 400, headers={"Content-Length": "1e3"}, **POST),
    Case("length-plus", 400, headers={"Content-Length": "+5"}, **POST),
    Case("length-list", 400, headers={"Content-Length": "2, 2"}, body=b"[]", **POST),
    Case("length-superscript-digit", 400, headers={"Content-Length": "\xb2"}, body=b"[]", **POST),
    Case("length-two-different", 400, extra=(("Content-Length", "3"),), body=b"[]", **POST),
    Case("length-10-gb", 413, headers={"Content-Length": "10000000000"}, **POST),
    Case("length-over-limit", 413, headers={"Content-Length": str(preview.MAX_BODY + 1)}, **POST),
    Case("length-5000-digits", 413, headers={"Content-Length": "9" * 5000}, **POST),
    Case("length-chunked", 411, headers={"Content-Length": None, "Transfer-Encoding": "chunked"},
         body=b"2\r\n[]\r\n0\r\n\r\n", **POST),
    Case("length-chunked-and-length", 400, headers={"Transfer-Encoding": "chunked"},
         body=b"2\r\n[]\r\n0\r\n\r\n", **POST),
    Case("length-short-body", 400, headers={"Content-Length": "100"}, body=b"[]",
         half_close=True, **POST),
    Case("length-on-get", 200, body=b"ignored"),
    # bodies: JSON of bounded depth, UTF-8, statements of the right shape, right content type
    Case("json-nested-arrays", 400, body=b"[" * 100_000, **POST),
    Case("json-nested-objects", 400, body=b'{"a":' * 100_000, **POST),
    Case("json-depth-over-limit", 400, body=js(nested(preview.MAX_JSON_DEPTH - 2)), **POST),
    Case("json-depth-at-limit", 200, body=js(nested(preview.MAX_JSON_DEPTH - 3)), **POST),
    Case("json-not-utf8", 400, body=b'[{"actor": "\xff"}]', **POST),
    Case("json-utf16", 400, body=js([STATEMENT]).decode().encode("utf-16"), **POST),
    Case("json-bom", 400, body=b"\xef\xbb\xbf" + js([STATEMENT]), **POST),
    Case("json-nan", 400, body=js([STATEMENT])[:-2] + b', "result": {"score": {"raw": NaN}}}]',
         **POST),
    Case("json-huge-float", 400, body=b'[{"n": 1e999}]', **POST),
    Case("json-huge-int", 400, body=b"[" + b"1" * 5000 + b"]", **POST),
    Case("json-empty", 400, **POST),
    Case("json-broken", 400, body=b"{not json", **POST),
    Case("statement-array-of-numbers", 400, body=b"[1, 2]", **POST),
    Case("statement-string", 400, body=b'"text"', **POST),
    Case("statement-null", 400, body=b"null", **POST),
    Case("statement-context-string", 400, body=js({**STATEMENT, "context": "x"}), **POST),
    Case("statement-context-list", 400, body=js({**STATEMENT, "context": []}), **POST),
    Case("statement-registration-number", 400,
         body=js({**STATEMENT, "context": {"registration": 5}}), **POST),
    Case("statement-no-verb", 400, body=js({**STATEMENT, "verb": None}), **POST),
    Case("statement-verb-id-number", 400, body=js({**STATEMENT, "verb": {"id": 1}}), **POST),
    Case("statement-id-list", 400, body=js({**STATEMENT, "id": []}), **POST),
    Case("statement-put-list", 400, method="PUT", path="/__lrs__/xAPI/statements?statementId=a",
         body=js([STATEMENT])),
    Case("type-text-plain", 415, headers={"Content-Type": "text/plain"}, body=js([STATEMENT]),
         **POST),
    Case("type-form", 415, headers={"Content-Type": "application/x-www-form-urlencoded"},
         body=b"a=1", **POST),
    Case("type-multipart", 415, headers={"Content-Type": "multipart/form-data; boundary=x"},
         body=b"--x--", **POST),
    Case("state-merge-list", 400, method="POST", path=STATE, body=b"[1]"),
    Case("state-merge-not-json", 400, method="POST", path=STATE, body=b"{"),
    Case("state-merge-text", 400, method="POST", path=STATE, body=b"{}",
         headers={"Content-Type": "text/plain"}),
    Case("state-agent-nested", 404,
         path="/__lrs__/xAPI/activities/state?activityId=a&stateId=s&agent=" + "%5B" * 5000),
    # package paths: percent-decoded once, no way out of the package
    *[Case(f"asset-{name}", 200, path="/pkg/html/assets/" + quote(name)) for name in SPECIAL_ASSETS],
    Case("asset-raw-space", 400, path="/pkg/html/assets/my file.svg"),
    Case("asset-missing", 404, path="/pkg/html/assets/nope.svg"),
    Case("asset-source-file", 404, path="/pkg/html/course.yml"),
    Case("traversal-dots", 400, path="/pkg/html/../../course.yml"),
    Case("traversal-encoded-dots", 400, path="/pkg/html/assets/%2e%2e/%2e%2e/course.yml"),
    Case("traversal-encoded-slash", 400, path="/pkg/html/assets/..%2F..%2Fcourse.yml"),
    Case("traversal-encoded-slash-name", 400, path="/pkg/html/assets%2Fdiagram.svg"),
    Case("traversal-absolute", 400, path="/pkg/html//etc/passwd"),
    Case("traversal-encoded-absolute", 400, path="/pkg/html/%2Fetc%2Fpasswd"),
    Case("traversal-backslash", 400, path="/pkg/html/..%5Ccourse.yml"),
    Case("traversal-nul", 400, path="/pkg/html/index.html%00.svg"),
    Case("path-not-utf8", 400, path="/pkg/html/assets/%ff.svg"),
    Case("package-unknown-target", 404, path="/pkg/nope/index.html"),
    # request line, headers, methods
    Case("header-line-too-long", 431, headers={"X-Big": "a" * 70_000}),
    Case("headers-too-many", 431, extra=tuple((f"X-{i}", "1") for i in range(101))),
    Case("request-line-too-long", 414, path="/" + "a" * 70_000),
    Case("request-line-garbage", 400, raw=b"HELLO\r\n\r\n"),
    Case("request-line-blank", 400, raw=b"   \r\n\r\n"),
    Case("request-line-many-empty", 400, raw=b"\r\n" * 20),
    Case("request-after-empty-line", 200,
         raw=b"\r\nGET /__preview__/status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
    Case("request-line-http2", 505, raw=b"GET / HTTP/2.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
    Case("http10", 200, raw=b"GET /__preview__/status HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
    Case("method-unknown", 501, method="BREW"),
    Case("method-lower-case", 501, method="get"),
    Case("method-not-allowed", 405, method="DELETE", path="/"),
    Case("method-post-status", 405, method="POST"),
    Case("path-unknown", 404, path="/nope"),
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[preview.PreviewServer]:
    folder = tmp_path_factory.mktemp("hostile") / "course"
    scaffold.write_course(folder, "Course", "course", "en-US")
    lesson = folder / "lessons" / "welcome.md"
    for name in SPECIAL_ASSETS:
        (folder / "assets" / name).write_bytes((folder / "assets" / "diagram.svg").read_bytes())
        lesson.write_text(lesson.read_text() + f"\n![{name}](<../assets/{name}>)\n")
    with preview.PreviewServer(folder, port=0, watch_files=False) as running:
        yield running


def exchange(server: preview.PreviewServer, data: bytes,
             half_close: bool = False) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes on a new connection; the status, headers and body of the reply."""
    with socket.create_connection((preview.HOST, server.port), timeout=HANG_GUARD) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        reply = http.client.HTTPResponse(sock)
        reply.begin()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_request(hostile: preview.PreviewServer, case: Case) -> None:
    hostile.lrs.store(STATEMENT)  # so that a reset that gets through is seen
    before = (len(hostile.lrs.statements), dict(hostile.lrs.documents))
    status, headers, body = exchange(hostile, case.encode(hostile.port), case.half_close)
    assert status == case.status, body[:300]
    if status >= 400:
        assert body.strip(), "an error reply says why"
        assert b"Traceback" not in body
        assert (len(hostile.lrs.statements), dict(hostile.lrs.documents)) == before
        if status != 404 and not case.path.startswith("/__lrs__/"):
            assert headers["content-type"] == "text/plain; charset=utf-8"
    assert headers["x-frame-options"] == "SAMEORIGIN"
    # whatever came before, the server still answers
    assert exchange(hostile, Case("after", 200).encode(hostile.port))[0] == 200


def test_reset_from_another_site_keeps_the_statements(hostile: preview.PreviewServer) -> None:
    hostile.lrs.store(STATEMENT)
    count = len(hostile.lrs.statements)
    bad = Case("x", 403, headers={"Origin": "http://attacker.example"}, **RESET)
    assert exchange(hostile, bad.encode(hostile.port))[0] == 403
    assert len(hostile.lrs.statements) == count
    assert exchange(hostile, Case("x", 204, **RESET).encode(hostile.port))[0] == 204
    assert hostile.lrs.statements == []


def test_a_refusal_without_a_body_keeps_the_connection(hostile: preview.PreviewServer) -> None:
    connection = http.client.HTTPConnection(preview.HOST, hostile.port, timeout=HANG_GUARD)
    try:
        for path, status in [("/nope", 404), ("/__preview__/status", 200),
                             ("/pkg/html/../x", 400), ("/pkg/html/index.html", 200)]:
            connection.request("GET", path)
            reply = connection.getresponse()
            reply.read()
            assert reply.status == status and not reply.will_close
    finally:
        connection.close()


def test_a_page_opened_at_localhost_gets_its_lrs_there(hostile: preview.PreviewServer) -> None:
    """The LRS endpoint is on the page's own origin, else every statement would be cross-site."""
    for host in ("localhost", "127.0.0.1"):
        for target in ("tincan", "cmi5"):
            launch = Case("x", 200, path=f"/__preview__/launch?target={target}",
                          headers={"Host": f"{host}:{{port}}"})
            info = json.loads(exchange(hostile, launch.encode(hostile.port))[2])
            own = f"http://{host}:{hostile.port}"
            assert info["endpoint"] == f"{own}/__lrs__/xAPI/"
            if target == "cmi5":
                assert f"fetch={quote(own, safe='')}%2F__lrs__%2Ffetch%2F" in info["url"]


def test_a_foreign_host_gets_its_connection_closed(hostile: preview.PreviewServer) -> None:
    status, headers, body = exchange(
        hostile, Case("x", 403, headers={"Host": "attacker.example"}).encode(hostile.port))
    assert status == 403 and headers["connection"] == "close"
    assert body.decode() == (f"this preview answers only to {hostile.url} and "
                             f"http://localhost:{hostile.port}\n")


def test_a_refused_upload_is_drained_so_the_reply_arrives(hostile: preview.PreviewServer) -> None:
    """A client still sending a refused body must read the 403, not a connection reset."""
    case = Case("x", 403, headers={"Origin": "null"}, body=b"[" + b" " * 2_000_000 + b"]", **POST)
    assert exchange(hostile, case.encode(hostile.port))[0] == 403


def test_an_internal_error_is_a_500_and_one_line(hostile: preview.PreviewServer,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(hostile.builds, "status", broken)
    status, headers, body = exchange(hostile, Case("x", 500).encode(hostile.port))
    assert status == 500 and headers["content-type"] == "text/plain; charset=utf-8"
    assert body == b"internal error in the preview server (see its terminal)\n"
    assert capsys.readouterr().err == ("preview: internal error answering GET "
                                       "'/__preview__/status': RuntimeError: a bug\n")
    monkeypatch.undo()
    assert exchange(hostile, Case("x", 200).encode(hostile.port))[0] == 200


def test_a_burst_of_200_requests_is_answered(hostile: preview.PreviewServer) -> None:
    requests = [Case("x", 200, body=js(STATEMENT), **POST) if i % 4 == 0 else
                Case("x", 200, path="/pkg/html/index.html") if i % 4 == 1 else Case("x", 200)
                for i in range(200)]
    hostile.lrs.clear()
    start = threading.Barrier(len(requests))
    results: list[int] = []
    lock = threading.Lock()

    def send(case: Case) -> None:
        start.wait(HANG_GUARD)
        status = exchange(hostile, case.encode(hostile.port))[0]
        with lock:
            results.append(status)

    threads = [threading.Thread(target=send, args=(c,), daemon=True) for c in requests]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + HANG_GUARD
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert results == [200] * len(requests)
    assert len(hostile.lrs.statements) == 50
    # the listen backlog holds the whole burst (socketserver's default of 5 drops SYNs, and
    # each dropped one costs the client a retransmission timeout of 1 s or more)
    assert hostile.httpd.request_queue_size >= len(requests)


# --- slow clients (slowloris): a request must arrive whole within request_timeout -------------


@pytest.fixture
def impatient(tmp_path: Path) -> Iterator[preview.PreviewServer]:
    folder = tmp_path / "course"
    scaffold.write_course(folder, "Course", "course", "en-US")
    with preview.PreviewServer(folder, port=0, watch_files=False, request_timeout=0.5,
                               idle_timeout=1.0) as running:
        yield running


def trickle(server: preview.PreviewServer, head: bytes, data: bytes) -> bytes:
    """Send `head`, then `data` one byte every 50 ms until the server answers or closes;
    returns what it sent back."""
    with socket.create_connection((preview.HOST, server.port), timeout=HANG_GUARD) as sock:
        sock.sendall(head)
        deadline = time.monotonic() + HANG_GUARD
        for byte in data:
            assert time.monotonic() < deadline, "the server waits for a slow client forever"
            readable, _, _ = select.select([sock], [], [], 0.05)
            if readable:
                break
            with contextlib.suppress(OSError):
                sock.send(bytes([byte]))
        received = b""
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                received += chunk
        return received


def test_slow_headers_get_408(impatient: preview.PreviewServer) -> None:
    head = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{impatient.port}\r\n".encode()
    received = trickle(impatient, head, b"X-Slow: " + b"a" * 100_000)
    assert received.startswith(b"HTTP/1.1 408 ")
    assert received.endswith(b"\r\n\r\nthe request did not arrive in time\n")


def test_a_slow_body_gets_408(impatient: preview.PreviewServer) -> None:
    case = Case("x", 408, headers={"Content-Length": "100000"}, **POST)
    received = trickle(impatient, case.encode(impatient.port), b" " * 100_000)
    assert received.startswith(b"HTTP/1.1 408 ")


def test_an_idle_connection_is_closed(impatient: preview.PreviewServer) -> None:
    with socket.create_connection((preview.HOST, impatient.port), timeout=HANG_GUARD) as sock:
        assert sock.recv(1) == b""  # closed without a reply: nothing was asked


def test_slow_clients_do_not_block_others(impatient: preview.PreviewServer) -> None:
    slow = [socket.create_connection((preview.HOST, impatient.port), timeout=HANG_GUARD)
            for _ in range(20)]
    try:
        for sock in slow:
            sock.sendall(b"GET / HTTP/1.1\r\n")
        assert exchange(impatient, Case("x", 200).encode(impatient.port))[0] == 200
    finally:
        for sock in slow:
            sock.close()


@pytest.mark.parametrize(("origin", "first_line"), [
    ("http://127.0.0.1:{port}", b"HTTP/1.1 100 Continue"),
    ("http://attacker.example", b"HTTP/1.1 403 Forbidden"),
])
def test_100_continue_only_after_the_checks(hostile: preview.PreviewServer, origin: str,
                                            first_line: bytes) -> None:
    """An upload that asks first (Expect: 100-continue) is told to go on only if it would be
    accepted; a refused one gets its final answer before sending its body."""
    body = js([STATEMENT])
    head = Case("x", 0, headers={"Origin": origin, "Expect": "100-continue",
                                 "Content-Length": str(len(body))}, **POST)
    with socket.create_connection((preview.HOST, hostile.port), timeout=HANG_GUARD) as sock:
        sock.sendall(head.encode(hostile.port))
        reader = sock.makefile("rb")
        assert reader.readline().rstrip() == first_line
        if first_line.endswith(b"Continue"):
            assert reader.readline() == b"\r\n"
            sock.sendall(body)
            assert reader.readline().startswith(b"HTTP/1.1 200 ")
