"""Self-tests of the browser/xAPI harness (conftest.py, lrs.py) with a hand-written SCO."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

try:
    from harness import BrowserLog, RalphLrs, ScormLms, StaticServer, http
except ImportError:  # pragma: no cover - when tests/ is made a package
    from .harness import BrowserLog, RalphLrs, ScormLms, StaticServer, http

pytestmark = pytest.mark.browser

SCO_DIR = Path(__file__).parent / "harness" / "sco"
ACTOR = {"objectType": "Agent", "name": "Test Learner", "mbox": "mailto:learner@example.com"}


def good_statement(registration: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": ACTOR,
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/completed",
            "display": {"en-US": "completed"},
        },
        "object": {
            "objectType": "Activity",
            "id": "https://example.com/courses/harness",
            "definition": {"name": {"en-US": "Harness course"}},
        },
        "result": {"completion": True, "duration": "PT1H2M3S"},
        "timestamp": "2026-11-23T10:00:00.000Z",
    }
    if registration:
        statement["context"] = {"registration": registration}
    return statement


def test_sco_session_is_recorded_and_resumes(
    page: Page, scorm_lms: ScormLms, static_server: StaticServer, browser_log: BrowserLog
) -> None:
    frame = scorm_lms.serve(SCO_DIR).launch(page)
    frame.wait_for_selector("#status:text('finished')")

    names = [c["name"] for c in scorm_lms.calls(page)]
    assert names[0] == "LMSInitialize"
    assert names[-2:] == ["LMSCommit", "LMSFinish"]
    assert all(c["result"] is not None for c in scorm_lms.calls(page))
    assert scorm_lms.api_errors(page) == []
    get_entry = scorm_lms.calls(page, "LMSGetValue")[0]
    assert get_entry["args"] == ["cmi.core.entry"]
    assert get_entry["result"] == "ab-initio"
    assert scorm_lms.values_set(page) == {
        "cmi.core.lesson_location": "page-1",
        "cmi.suspend_data": '{"visits":1}',
        "cmi.core.score.raw": "85",
        "cmi.core.lesson_status": "incomplete",
        "cmi.core.session_time": "0000:00:05.00",
        "cmi.core.exit": "suspend",
    }
    stored = scorm_lms.stored_cmi(page)
    assert stored is not None
    assert stored["core"]["exit"] == "suspend"
    assert stored["core"]["lesson_location"] == "page-1"
    assert stored["core"]["total_time"] == "00:00:05"
    # scorm-again judges against the manifest's masteryscore at LMSFinish: raw 85 >= 80 turns
    # the SCO's "incomplete" into "passed" (credit/normal mode).
    assert stored["core"]["lesson_status"] == "passed"
    assert scorm_lms.value(page, "cmi.student_data.mastery_score") == "80"  # from the manifest

    frame = scorm_lms.relaunch(page)
    frame.wait_for_selector("#status:text('finished')")
    assert frame.text_content("#entry") == "resume"
    assert frame.text_content("#previous") == "page-1"
    gets = {c["args"][0]: c["result"] for c in scorm_lms.calls(page, "LMSGetValue")}
    assert gets == {"cmi.core.entry": "resume", "cmi.core.lesson_location": "page-1"}
    assert scorm_lms.value(page, "cmi.core.lesson_location") == "page-2"
    assert scorm_lms.stored_cmi(page)["core"]["total_time"] == "00:00:10"  # type: ignore[index]
    assert scorm_lms.api_errors(page) == []

    # Nothing but the player, scorm-again and the package was requested, all on loopback.
    assert browser_log.offsite == []
    assert set(static_server.paths) <= {
        "/lms.html",
        "/__lms__/scorm12.js",
        "/pkg/index.html",
        "/pkg/sco.js",
        "/favicon.ico",
    }
    assert scorm_lms.console_errors() == []
    assert scorm_lms.page_errors() == []


def test_errors_of_both_frames_are_captured(
    page: Page, scorm_lms: ScormLms, browser_log: BrowserLog
) -> None:
    frame = scorm_lms.serve(SCO_DIR).launch(page)
    frame.wait_for_selector("#status:text('finished')")
    frame.add_script_tag(content="console.error('sco says no')")
    frame.evaluate("setTimeout(() => { throw new Error('sco boom'); })")
    page.evaluate("setTimeout(() => { throw new Error('lms boom'); })")
    page.wait_for_timeout(100)
    assert scorm_lms.console_errors() == ["sco says no"]
    assert [(e.type, e.text) for e in browser_log.console if "/pkg/sco.js" in e.url] == [
        ("info", "harness SCO finished")
    ]
    uncaught = "\n".join(scorm_lms.page_errors())
    assert "sco boom" in uncaught
    assert "lms boom" in uncaught
    # An invalid SetValue is recorded with scorm-again's error code.
    page.evaluate("window.API.LMSSetValue('cmi.core.lesson_status', 'done')")
    bad = scorm_lms.api_errors(page)[-1]
    assert bad["result"] == "false"
    assert bad["error"] != "0"


def test_offsite_requests_are_blocked_and_recorded(
    page: Page, static_server: StaticServer, browser_log: BrowserLog
) -> None:
    static_server.add_file("/index.html", "<!doctype html><title>t</title><p>hi</p>")
    page.goto(static_server.url("/index.html"))
    page.evaluate("fetch('http://example.invalid/x').catch(() => {})")
    page.wait_for_timeout(100)
    assert browser_log.offsite == ["http://example.invalid/x"]
    assert static_server.paths[0] == "/index.html"
    browser_log.offsite.clear()  # expected here: do not fail the test at teardown


def test_lrs_statements_state_fetch_and_outage(lrs: RalphLrs) -> None:
    registration = str(uuid.uuid4())
    statement = good_statement(registration)

    unauthorized = lrs.request("POST", "/xAPI/statements", json_body=statement, authenticated=False)
    assert unauthorized.status == 401
    assert lrs.post_statements(statement) == [statement["id"]]
    second = good_statement(registration)
    assert lrs.post_statements([second]) == [second["id"]]  # second write (APPEND workaround)
    stored = lrs.statements(registration=registration)
    assert {s["id"] for s in stored} == {statement["id"], second["id"]}
    response = lrs.request("GET", "/xAPI/statements", params={"registration": registration})
    assert response.headers["X-Experience-API-Version"] == "1.0.3"

    activity = "https://example.com/au/1"
    launch_data = {"launchMode": "Normal", "moveOn": "Completed"}
    lrs.put_state(activity, ACTOR, "LMS.LaunchData", launch_data, registration=registration)
    assert lrs.get_state(activity, ACTOR, "LMS.LaunchData", registration) == launch_data
    assert lrs.get_state(activity, ACTOR, "LMS.LaunchData", str(uuid.uuid4())) is None
    lrs.put_agent_profile(ACTOR, "cmi5LearnerPreferences", {"languagePreference": "en-US"})
    assert lrs.get_agent_profile(ACTOR, "cmi5LearnerPreferences") == {"languagePreference": "en-US"}

    fetch_url = lrs.new_fetch_url()
    first = http("POST", fetch_url).body
    assert json.loads(first) == {"auth-token": base64.b64encode(lrs.credentials.encode()).decode()}
    again = json.loads(http("POST", fetch_url).body)
    assert again["error-code"] == "1"

    preflight = http(
        "OPTIONS",
        lrs.endpoint + "statements",
        headers={
            "Origin": "http://127.0.0.1:9",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-experience-api-version",
        },
    )
    assert preflight.status == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:9"

    lrs.stop()
    with pytest.raises(OSError):
        http("GET", lrs.base_url + "/__heartbeat__", timeout=1)
    lrs.start()
    assert {s["id"] for s in lrs.statements(registration=registration)} == {
        statement["id"],
        second["id"],
    }
    assert lrs.get_state(activity, ACTOR, "LMS.LaunchData", registration) == launch_data


def test_lrs_is_usable_from_a_page(page: Page, lrs: RalphLrs, static_server: StaticServer) -> None:
    registration = str(uuid.uuid4())
    static_server.add_file("/index.html", "<!doctype html><title>xapi</title>")
    page.goto(static_server.url("/index.html"))
    status = page.evaluate(
        """async ([endpoint, auth, statement]) => {
            const r = await fetch(endpoint + "statements", {method: "POST", headers: {
                Authorization: auth, "Content-Type": "application/json",
                "X-Experience-API-Version": "1.0.3"}, body: JSON.stringify(statement)});
            return [r.status, r.headers.get("X-Experience-API-Version")];
        }""",
        [lrs.endpoint, lrs.auth, good_statement(registration)],
    )
    assert status == [200, "1.0.3"]
    assert len(lrs.statements(registration=registration)) == 1


_AU_PAGE = """<!doctype html><title>AU</title><script>
window.auDone = (async () => {
  const p = new URLSearchParams(location.search);
  const token = await (await fetch(p.get("fetch"), {method: "POST"})).json();
  const headers = {Authorization: "Basic " + token["auth-token"],
                   "X-Experience-API-Version": "1.0.3"};
  const q = new URLSearchParams({stateId: "LMS.LaunchData", activityId: p.get("activityId"),
                                 agent: p.get("actor"), registration: p.get("registration")});
  const launchData = await (await fetch(p.get("endpoint") + "activities/state?" + q,
                                        {headers})).json();
  const context = {...launchData.contextTemplate, registration: p.get("registration"),
    contextActivities: {...launchData.contextTemplate.contextActivities,
      category: [{id: "https://w3id.org/xapi/cmi5/context/categories/cmi5"}]}};
  const statement = {id: crypto.randomUUID(), actor: JSON.parse(p.get("actor")),
    verb: {id: "http://adlnet.gov/expapi/verbs/initialized"},
    object: {id: p.get("activityId")}, context, timestamp: new Date().toISOString()};
  const post = await fetch(p.get("endpoint") + "statements", {method: "POST",
    headers: {...headers, "Content-Type": "application/json"}, body: JSON.stringify(statement)});
  return {status: post.status, launchMode: launchData.launchMode};
})();
</script>"""


def test_cmi5_launch_from_a_page(
    page: Page,
    lrs: RalphLrs,
    static_server: StaticServer,
    xapi_validate_many: Callable[[list[dict[str, Any]]], list[list[str]]],
) -> None:
    static_server.add_file("/au/index.html", _AU_PAGE)
    launch = lrs.prepare_cmi5_launch(
        static_server.url("/au/index.html"), publisher_id="https://example.com/au/harness"
    )
    page.goto(launch.url)
    assert page.evaluate("window.auDone") == {"status": 200, "launchMode": "Normal"}
    stored = lrs.statements(registration=launch.registration)
    verbs = sorted(s["verb"]["id"].rsplit("/", 1)[-1] for s in stored)
    assert verbs == ["initialized", "launched"]
    for statement in stored:
        extensions = statement["context"]["extensions"]
        assert extensions["https://w3id.org/xapi/cmi5/context/extensions/sessionid"] == (
            launch.session_id
        )
    assert xapi_validate_many([launch.launched_statement]) == [[]]


def test_validators_flag_bad_and_accept_good(
    xapi_validate: Callable[[dict[str, Any]], list[str]],
    xapi_validate_many: Callable[[list[dict[str, Any]]], list[list[str]]],
) -> None:
    good = good_statement(str(uuid.uuid4()))
    bad_duration = good_statement()
    bad_duration["result"]["duration"] = "1:02:03"
    bad_mbox = good_statement()
    bad_mbox["actor"] = {"mbox": "learner@example.com"}
    assert xapi_validate(good) == []
    good_result, duration_result, mbox_result = xapi_validate_many([good, bad_duration, bad_mbox])
    assert good_result == []
    assert any(m.startswith("xapi-validation:") and "duration" in m for m in duration_result)
    assert any(m.startswith("ralph:") for m in mbox_result)
    assert any(m.startswith("xapi-validation:") for m in mbox_result)
