"""preview.py without a browser: the in-memory LRS, launch facts, rebuilds, the vendored file."""

from __future__ import annotations

import hashlib
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

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
