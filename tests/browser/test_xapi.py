"""TinCan and cmi5 packages played in Chromium against a real LRS (Ralph on 127.0.0.1).

Every statement the player sends is fetched back from the LRS and checked by both validators
(@learninglocker/xapi-validation and Ralph's pydantic models) and by the cmi5 rules of
/shared/reference/xapi.md section 2.2-2.3. The outage tests stop the LRS mid-course.
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.parse
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from playwright.sync_api import Page

from scormbuild.pipeline import compile_course, render_package
from scormbuild.targets import TARGETS

try:
    from harness import BrowserLog, RalphLrs, StaticServer
except ImportError:  # pragma: no cover - tests/ made into a package
    from .harness import BrowserLog, RalphLrs, StaticServer
from player_driver import Player

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
MINI = REPO / "tests" / "fixtures" / "courses" / "xapi-mini"
MODULES = REPO / "tests" / "fixtures" / "courses" / "xapi-modules"
EXAMPLES = sorted(p for p in (REPO / "courses").glob("*") if (p / "course.yml").is_file())
# Each example course is played to the end once per run, each target gets one of them (a full
# example playthrough takes 10-15 s; playing both under both targets proved nothing more).
TINCAN_COURSES = [MINI, EXAMPLES[0]]
CMI5_COURSES = [MINI, EXAMPLES[-1]]

ADL = "http://adlnet.gov/expapi/verbs/"
CMI5 = "https://w3id.org/xapi/cmi5/"
CMI5_CATEGORY = CMI5 + "context/categories/cmi5"
MOVEON = CMI5 + "context/categories/moveon"
SESSION = CMI5 + "context/extensions/sessionid"
MASTERY = CMI5 + "context/extensions/masteryscore"
CMI5_VERBS = {"initialized", "completed", "passed", "failed", "terminated"}
NS = {"c": "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"}
UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
DURATION = re.compile(r"^PT(\d+H)?(\d+M)?\d+(\.\d{1,2})?S$")
MBOX_ACTOR = {"objectType": "Agent", "name": "Test Learner", "mbox": "mailto:learner@example.com"}

Validate = Callable[[list[dict[str, Any]]], list[list[str]]]


# -- helpers -----------------------------------------------------------------------------------


def build_package(course: Path, target: str, dest: Path) -> Path:
    """Render one package into a folder (what an LMS unpacks)."""
    for name, data in render_package(compile_course(course), TARGETS[target]).items():
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return dest


def verb(statement: dict[str, Any]) -> str:
    return str(statement["verb"]["id"]).rsplit("/", 1)[-1]


def course_data(page: Page) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(page.text_content("#course-data") or "{}")
    return data


def answer_question(page: Page, quiz: str, q: dict[str, Any], box: str) -> None:
    """Give the right answer to question `q` shown in the fieldset selector `box`."""
    kind = q["type"]
    if kind in ("single", "true-false"):
        correct = next(c["id"] for c in q["choices"] if c["correct"])
        page.check(f"{box} input[value='{correct}']")
    elif kind == "likert":
        page.check(f"{box} input[value='{q['choices'][-1]['id']}']")
    elif kind == "multiple":
        for c in q["choices"]:
            if c["correct"]:
                page.check(f"{box} input[value='{c['id']}']")
    elif kind == "fill-in":
        page.fill(f"{box} input", q["answers"][0])
    elif kind == "numeric":
        value = q["answer"] if q["answer"] is not None else (q["min"] + q["max"]) / 2
        page.fill(f"{box} input", f"{value:g}")
    elif kind == "matching":
        for source, target in q["pairs"]:
            page.select_option(f"{box} select[data-source='{source}']", target)
    elif kind == "ordering":
        page.eval_on_selector(
            f"{box} ol",
            "(ol, ids) => ids.forEach(id => ol.appendChild(ol.querySelector(`li[data-item='${id}']`)))",
            [i["id"] for i in q["items"]],
        )


def play_quiz(page: Page, data: dict[str, Any], quiz: str) -> None:
    """Answer every question of the quiz on screen correctly and submit."""
    graded = data["quizzes"][quiz]["graded"]
    form = f"#page-{quiz} form.quiz"
    for _ in range(200):
        box = f"{form} fieldset.question:not([hidden])"
        index = int(page.get_attribute(box, "data-index") or "0")
        answer_question(page, quiz, data["quizzes"][quiz]["questions"][index], box)
        if not graded:
            page.click(f"{form} [data-action='check']")
        if page.is_visible(f"{form} [data-action='submit']"):
            page.click(f"{form} [data-action='submit']")
            page.wait_for_selector(f"#page-{quiz} .quiz-results:not([hidden])")
            return
        page.click(f"{form} [data-action='next']")
    raise AssertionError(f"quiz {quiz} never reached its submit button")


def play_course(page: Page, start: int = 0, part: str | None = None) -> dict[str, Any]:
    """From page `start` to the last page through the UI; every quiz answered correctly.

    With `part` (a launch of one module AU) only that part's pages are there to play.
    """
    data = course_data(page)
    pages = [p for p in data["pages"] if part is None or p["part"] == part]
    for index in range(start, len(pages)):
        current = pages[index]
        page.wait_for_selector(f"#page-{current['id']}:not([hidden])")
        if current["kind"] == "quiz":
            play_quiz(page, data, current["id"])
        if index < len(pages) - 1:
            page.click("#next")
    return data


def open_player(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("html.js-ready")


def queue_length(page: Page, endpoint: str) -> int:
    key = "scormbuild.xapi.queue:" + endpoint
    length: int = page.evaluate("k => JSON.parse(localStorage.getItem(k) || '[]').length", key)
    return length


def wait_for_statements(page: Page, lrs: RalphLrs, registration: str, last_verb: str,
                        timeout: float = 20.0) -> list[dict[str, Any]]:
    """The registration's statements in the order the LRS stored them, once `last_verb` is in.

    Waits with page.wait_for_timeout, never time.sleep: the `page` fixture routes requests
    through Python, so the browser's requests only move while Playwright is called.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = lrs.statements(registration=registration)
        if any(verb(s) == last_verb for s in found):
            page.wait_for_timeout(300)  # anything still in flight
            return stored_order(lrs.statements(registration=registration))
        page.wait_for_timeout(200)
    raise AssertionError(f"no '{last_verb}' statement arrived; LRS log:\n{lrs.log_tail()}")


def stored_order(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ralph answers newest first; `stored` ties keep the answer's order."""
    indexed = list(enumerate(statements))
    indexed.sort(key=lambda pair: (pair[1]["stored"], -pair[0]))
    return [s for _, s in indexed]


def assert_valid(statements: list[dict[str, Any]], validate: Validate) -> None:
    # What the AU sent: drop what the LRS added (stored, authority, version).
    sent = [{k: v for k, v in s.items() if k not in ("stored", "authority", "version")}
            for s in statements]
    problems = {i: (verb(s), m) for i, (s, m) in enumerate(zip(sent, validate(sent), strict=True))
                if m}
    assert problems == {}


def assert_in_order_once(statements: list[dict[str, Any]]) -> None:
    ids = [s["id"] for s in statements]
    assert len(ids) == len(set(ids)), "a statement arrived twice"
    stamps = [s["timestamp"] for s in statements]
    assert stamps == sorted(stamps), "statements were stored out of order"


def console_errors(log: BrowserLog) -> list[str]:
    """console.error entries, except Chromium's notes on the expected 404 of a first State GET
    and on the 400 that ends the echo of an unknown launch parameter (`tenant`)."""
    return [e.text for e in log.console if e.type == "error"
            and not ("404" in e.text and ("activities/state" in e.url or "favicon" in e.url))
            and not ("400" in e.text and "tenant=" in e.url)]


def tincan_url(server: StaticServer, lrs: RalphLrs, registration: str, actor: Any,
               activity_id: str, auth: str | None = None, **extra: str) -> str:
    query = urllib.parse.urlencode({
        "endpoint": lrs.endpoint, "auth": lrs.auth if auth is None else auth,
        "actor": json.dumps(actor), "registration": registration, "activity_id": activity_id,
        **extra,
    })
    return server.url("/pkg/index.html") + "?" + query


def read_aus(package: Path) -> list[dict[str, Any]]:
    found = []
    for au in etree.parse(str(package / "cmi5.xml")).iterfind(".//c:au", NS):
        mastery = au.get("masteryScore")
        found.append({"id": au.get("id"), "moveOn": au.get("moveOn"),
                      "url": au.findtext("c:url", namespaces=NS),
                      "masteryScore": float(mastery) if mastery is not None else None})
    return found


def read_au(package: Path) -> dict[str, Any]:
    return read_aus(package)[0]


# -- TinCan ------------------------------------------------------------------------------------


@pytest.mark.parametrize("course", TINCAN_COURSES, ids=lambda p: p.name)
def test_tincan_course_played_to_the_end(
    course: Path, page: Page, lrs: RalphLrs, static_server: StaticServer,
    browser_log: BrowserLog, xapi_validate_many: Validate, tmp_path: Path,
) -> None:
    package = build_package(course, "tincan", tmp_path / "pkg")
    static_server.mount("/pkg/", package)
    activity_id = etree.parse(str(package / "tincan.xml")).getroot()[0][0].get("id")
    registration = str(uuid.uuid4())
    # the 2013 launch example's 0.95 actor form: arrays of values
    old_actor = {"name": ["Test Learner"], "mbox": ["mailto:learner@example.com"]}
    # a launch parameter the player does not know: echoed on every LRS request (lms_lrs.md)
    open_player(page, tincan_url(static_server, lrs, registration, old_actor, activity_id,
                                 tenant="acme 1"))
    data = play_course(page)
    page.click("#exit")
    statements = wait_for_statements(page, lrs, registration, "terminated")

    assert_valid(statements, xapi_validate_many)
    assert_in_order_once(statements)
    verbs = [verb(s) for s in statements]
    graded = [q for p in data["pages"] if p["kind"] == "quiz" and data["quizzes"][p["id"]]["graded"]
              for q in data["quizzes"][p["id"]]["questions"]]
    assert verbs[0] == "initialized" and verbs[-1] == "terminated"
    assert verbs.count("experienced") == len(data["pages"])
    assert verbs.count("answered") >= len(graded)
    assert verbs.count("completed") == 1
    for s in statements:
        assert s["actor"] == MBOX_ACTOR
        assert s["context"]["registration"] == registration
        assert UTC_MS.match(s["timestamp"])
    by_verb = {verb(s): s for s in statements}
    assert by_verb["passed"]["result"]["score"] == {"scaled": 1, "raw": 100, "min": 0, "max": 100}
    assert by_verb["passed"]["object"]["id"] == activity_id
    for name in ("completed", "passed", "terminated"):
        assert DURATION.match(by_verb[name]["result"]["duration"])
    answered = [s for s in statements if verb(s) == "answered"]
    assert all(s["object"]["id"].startswith(activity_id + "/quizzes/") for s in answered)
    assert all(s["object"]["definition"]["type"].endswith("cmi.interaction") for s in answered)
    assert all(s["result"]["success"] for s in answered if "success" in s["result"])
    manifest = (package / "tincan.xml").read_text()
    assert all(f'id="{s["object"]["id"]}"' in manifest for s in answered
               if s["object"]["id"].split("/quizzes/")[1].split("/")[0]
               in {p["id"] for p in data["pages"] if p["kind"] == "quiz"
                   and data["quizzes"][p["id"]]["graded"]})
    state = lrs.get_state(activity_id, MBOX_ACTOR, "scormbuild.state", registration)
    assert state["location"] == data["pages"][-1]["id"] and state["state"]
    assert queue_length(page, lrs.endpoint) == 0
    # Echoed until the LRS refuses them: the test launcher's State API takes them, Ralph's
    # Statement API answers 400 (xAPI 1.0.3 Communication 3.2), so the first POST goes again
    # without them, and so does everything after it.
    to_lrs = [r for r in browser_log.requests if r.startswith(lrs.endpoint)]
    posts = [i for i, r in enumerate(to_lrs) if r.startswith(lrs.endpoint + "statements")]
    assert all("tenant=acme%201" in r for r in to_lrs[:posts[0] + 1])
    assert to_lrs[posts[1]] == lrs.endpoint + "statements"
    assert not any("tenant=" in r for r in to_lrs[posts[1]:])
    assert not any("auth=" in r or "endpoint=" in r for r in to_lrs)  # known ones never
    assert console_errors(browser_log) == [] and browser_log.page_errors == []


def test_tincan_outage_and_reload_lose_nothing(
    page: Page, lrs: RalphLrs, static_server: StaticServer, browser_log: BrowserLog,
    xapi_validate_many: Validate, tmp_path: Path,
) -> None:
    package = build_package(MINI, "tincan", tmp_path / "pkg")
    static_server.mount("/pkg/", package)
    registration = str(uuid.uuid4())
    activity_id = "https://courses.example.org/xapi/xapi-mini"
    url = tincan_url(static_server, lrs, registration, MBOX_ACTOR, activity_id)
    open_player(page, url)
    page.wait_for_function("k => !JSON.parse(localStorage.getItem(k) || '[]').length",
                           arg="scormbuild.xapi.queue:" + lrs.endpoint)
    lrs.stop()
    page.click("#next")  # lesson 2, LRS down
    page.reload()        # suspended + the bookmark wait in localStorage
    page.wait_for_selector("html.js-ready")
    page.wait_for_selector("#page-details:not([hidden])")  # resumed from the queued state
    assert queue_length(page, lrs.endpoint) > 0
    play_course(page, start=1)
    lrs.start()
    page.click("#exit")
    statements = wait_for_statements(page, lrs, registration, "terminated", timeout=30)

    assert_valid(statements, xapi_validate_many)
    assert_in_order_once(statements)
    assert [verb(s) for s in statements] == [
        "initialized", "experienced", "experienced", "suspended",
        "initialized", "experienced", "experienced", *["answered"] * 8,
        "completed", "passed", "terminated",
    ]
    page.wait_for_function("k => !JSON.parse(localStorage.getItem(k) || '[]').length",
                           arg="scormbuild.xapi.queue:" + lrs.endpoint)
    assert lrs.get_state(activity_id, MBOX_ACTOR, "scormbuild.state", registration)["location"] == "exam"
    assert browser_log.page_errors == []


# -- cmi5 --------------------------------------------------------------------------------------


def assert_cmi5_rules(statements: list[dict[str, Any]], launch: Any, mastery: float | None,
                      publisher_id: str) -> list[dict[str, Any]]:
    """The AU's statements (the LMS's `launched` dropped) obey cmi5 9.x; returns them."""
    au = [s for s in statements if verb(s) != "launched"]
    verbs = [verb(s) for s in au]
    assert verbs[0] == "initialized" and verbs[-1] == "terminated"
    assert verbs.count("initialized") == verbs.count("terminated") == 1
    assert verbs.count("passed") + verbs.count("failed") <= 1
    assert verbs.count("completed") <= 1
    for s in au:
        context = s["context"]
        assert s["actor"] == launch.actor
        assert UTC_MS.match(s["timestamp"])
        assert context["registration"] == launch.registration
        assert context["extensions"][SESSION] == launch.session_id  # the context template
        assert {"objectType": "Activity", "id": publisher_id} in context["contextActivities"]["grouping"]
        categories = {c["id"] for c in context["contextActivities"].get("category", [])}
        result = s.get("result", {})
        if verb(s) in CMI5_VERBS:
            assert s["object"]["id"] == launch.activity_id
            assert CMI5_CATEGORY in categories
        else:
            assert CMI5_CATEGORY not in categories, "allowed statements carry no cmi5 category"
        assert (MOVEON in categories) == ("success" in result or "completion" in result)
        assert ("score" in result) == (verb(s) in ("passed", "failed"))
        if verb(s) in ("completed", "passed", "failed", "terminated"):
            assert DURATION.match(result["duration"])
        if verb(s) == "completed":
            assert result["completion"] is True and "success" not in result
        if verb(s) in ("passed", "failed"):
            assert result["success"] is (verb(s) == "passed")
            assert "completion" not in result
            if mastery is not None:
                assert context["extensions"][MASTERY] == mastery
                assert (result["score"]["scaled"] >= mastery) is (verb(s) == "passed")
        if verb(s) == "initialized":
            assert "result" not in s
    return au


def launch_cmi5(page: Page, lrs: RalphLrs, server: StaticServer, package: Path,
                **options: Any) -> tuple[Any, dict[str, Any]]:
    server.mount("/pkg/", package)
    server.add_file("/lms-return.html", "<!doctype html><title>Back in the LMS</title>")
    au = read_au(package)
    launch = lrs.prepare_cmi5_launch(
        server.url("/pkg/index.html"), publisher_id=au["id"], move_on=au["moveOn"],
        mastery_score=au["masteryScore"], return_url=server.url("/lms-return.html"), **options)
    open_player(page, launch.url)
    return launch, au


@pytest.mark.parametrize("course", CMI5_COURSES, ids=lambda p: p.name)
def test_cmi5_course_follows_the_launch_sequence(
    course: Path, page: Page, lrs: RalphLrs, static_server: StaticServer,
    browser_log: BrowserLog, xapi_validate_many: Validate, tmp_path: Path,
) -> None:
    package = build_package(course, "cmi5", tmp_path / "pkg")
    launch, au = launch_cmi5(page, lrs, static_server, package)
    play_course(page)
    page.click("#exit")
    page.wait_for_url("**/lms-return.html")  # returnURL honoured
    statements = wait_for_statements(page, lrs, launch.registration, "terminated")

    assert_valid(statements, xapi_validate_many)
    assert_in_order_once(statements)
    mine = assert_cmi5_rules(statements, launch, au["masteryScore"], au["id"])
    verbs = [verb(s) for s in mine]
    if au["moveOn"] in ("CompletedAndPassed", "Passed"):
        assert "passed" in verbs
    if au["moveOn"] in ("CompletedAndPassed", "Completed"):
        assert "completed" in verbs
    assert "answered" in verbs or not any(p["kind"] == "quiz" for p in course_data_pages(package))
    # every page shown, as cmi5 "allowed" statements inside the session (assert_cmi5_rules)
    pages = course_data_pages(package)
    assert [s["object"]["id"].rsplit("/", 1)[-1] for s in mine if verb(s) == "experienced"] == [
        p["id"] for p in pages]
    # launch sequence: one POST to the fetch URL, LaunchData and preferences read first
    requests = browser_log.requests
    fetches = [r for r in requests if "/fetch/" in r]
    assert len(fetches) == 1
    first_statement = next(i for i, r in enumerate(requests) if r.startswith(lrs.endpoint + "statements"))
    launch_data = next(i for i, r in enumerate(requests) if "stateId=LMS.LaunchData" in r)
    prefs = next(i for i, r in enumerate(requests) if "profileId=cmi5LearnerPreferences" in r)
    assert requests.index(fetches[0]) < launch_data < prefs < first_statement
    assert lrs.get_state(launch.activity_id, launch.actor, "LMS.LaunchData",
                         launch.registration) == launch.launch_data  # never modified
    assert browser_log.page_errors == []


def course_data_pages(package: Path) -> list[dict[str, Any]]:
    html = (package / "index.html").read_text()
    match = re.search(r'<script type="application/json" id="course-data">(.*?)</script>', html, re.S)
    assert match is not None
    pages: list[dict[str, Any]] = json.loads(match.group(1))["pages"]
    return pages


@pytest.mark.parametrize("mode", ["Browse", "Review"])
def test_cmi5_browse_and_review_send_only_initialized_and_terminated(
    mode: str, page: Page, lrs: RalphLrs, static_server: StaticServer,
    xapi_validate_many: Validate, tmp_path: Path,
) -> None:
    package = build_package(MINI, "cmi5", tmp_path / "pkg")
    launch, au = launch_cmi5(page, lrs, static_server, package, launch_mode=mode)
    assert mode in page.inner_text("#notice")  # "Browse: ..." / "Review: ..."
    if mode == "Browse":
        play_course(page)  # the learner may try everything; nothing is recorded
    else:
        for _ in range(2):
            page.click("#next")
        page.wait_for_selector("#page-exam:not([hidden])")
        # read-only: nothing to answer or submit
        assert page.is_disabled("#page-exam fieldset.question:not([hidden]) input")
        assert page.is_hidden("#page-exam [data-action='submit']")
    page.click("#exit")
    page.wait_for_url("**/lms-return.html")
    statements = wait_for_statements(page, lrs, launch.registration, "terminated")
    mine = assert_cmi5_rules(statements, launch, au["masteryScore"], au["id"])
    assert [verb(s) for s in mine] == ["initialized", "terminated"]
    assert_valid(statements, xapi_validate_many)


def test_cmi5_review_shows_the_saved_answers_read_only(
    page: Page, lrs: RalphLrs, static_server: StaticServer, xapi_validate_many: Validate,
    tmp_path: Path,
) -> None:
    package = build_package(MINI, "cmi5", tmp_path / "pkg")
    launch, au = launch_cmi5(page, lrs, static_server, package)
    data = course_data(page)
    for _ in range(2):
        page.click("#next")
    box = "#page-exam form.quiz fieldset.question:not([hidden])"
    index = int(page.get_attribute(box, "data-index") or "0")
    question = data["quizzes"]["exam"]["questions"][index]
    answer_question(page, "exam", question, box)
    page.click("#page-exam [data-action='next']")
    page.click("#exit")
    page.wait_for_url("**/lms-return.html")
    saved = lrs.get_state(launch.activity_id, launch.actor, "scormbuild.state", launch.registration)
    assert saved["location"] == "exam" and saved["state"]

    review = lrs.prepare_cmi5_launch(
        static_server.url("/pkg/index.html"), publisher_id=au["id"], move_on=au["moveOn"],
        mastery_score=au["masteryScore"], return_url=static_server.url("/lms-return.html"),
        registration=launch.registration, activity_id=launch.activity_id, launch_mode="Review")
    open_player(page, review.url)
    assert "Review" in page.inner_text("#notice")
    page.wait_for_selector("#page-exam:not([hidden])")  # where the learner was
    page.click("#page-exam [data-action='prev']")
    first = f"{box} input[value='{next(c['id'] for c in question['choices'] if c['correct'])}']"
    assert page.is_checked(first) and page.is_disabled(first)
    page.click("#exit")
    page.wait_for_url("**/lms-return.html")
    statements = wait_for_statements(page, lrs, launch.registration, "terminated")
    ours = [s for s in statements
            if s["context"].get("extensions", {}).get(SESSION) == review.session_id]
    mine = assert_cmi5_rules(ours, review, au["masteryScore"], au["id"])
    assert [verb(s) for s in mine] == ["initialized", "terminated"]
    assert lrs.get_state(launch.activity_id, launch.actor, "scormbuild.state",
                         launch.registration) == saved  # nothing written
    assert_valid(ours, xapi_validate_many)


def test_cmi5_outage_and_reload_end_the_session_and_lose_nothing(
    page: Page, lrs: RalphLrs, static_server: StaticServer, browser_log: BrowserLog,
    xapi_validate_many: Validate, tmp_path: Path,
) -> None:
    package = build_package(MINI, "cmi5", tmp_path / "pkg")
    launch, au = launch_cmi5(page, lrs, static_server, package)
    page.wait_for_function("k => !JSON.parse(localStorage.getItem(k) || '[]').length",
                           arg="scormbuild.xapi.queue:" + lrs.endpoint)
    lrs.stop()
    page.click("#next")  # lesson 2, LRS down
    # pagehide cannot tell a reload from a closed tab: either ends the session (terminated last,
    # cmi5 9.3.8); the reloaded page says so and offers the way back instead of going on
    page.reload()
    page.wait_for_selector("html.js-ready")
    notice = page.inner_text("#notice")
    assert "This session has ended" in notice
    assert page.get_attribute("#notice a", "href") == static_server.url("/lms-return.html")
    assert page.is_disabled("#next")
    assert queue_length(page, lrs.endpoint) >= 2  # experienced + terminated wait for the LRS
    lrs.start()
    page.wait_for_function("k => !JSON.parse(localStorage.getItem(k) || '[]').length",
                           arg="scormbuild.xapi.queue:" + lrs.endpoint, timeout=30_000)
    statements = wait_for_statements(page, lrs, launch.registration, "terminated")
    assert_valid(statements, xapi_validate_many)
    assert_in_order_once(statements)
    mine = assert_cmi5_rules(statements, launch, au["masteryScore"], au["id"])
    assert [verb(s) for s in mine] == ["initialized", "experienced", "experienced", "terminated"]
    state = lrs.get_state(launch.activity_id, launch.actor, "scormbuild.state", launch.registration)
    assert state["location"] == "details"
    assert len([r for r in browser_log.requests if "/fetch/" in r]) == 1  # the token is kept

    # the LMS launches a new session of the same registration: it resumes where the learner was
    again = lrs.prepare_cmi5_launch(
        static_server.url("/pkg/index.html"), publisher_id=au["id"], move_on=au["moveOn"],
        mastery_score=au["masteryScore"], return_url=static_server.url("/lms-return.html"),
        registration=launch.registration, activity_id=launch.activity_id)
    open_player(page, again.url)
    page.wait_for_selector("#page-details:not([hidden])")
    play_course(page, start=1)
    page.click("#exit")
    page.wait_for_url("**/lms-return.html")
    statements = wait_for_statements(page, lrs, launch.registration, "passed")
    second = [s for s in statements
              if s["context"].get("extensions", {}).get(SESSION) == again.session_id]
    mine = assert_cmi5_rules(second, again, au["masteryScore"], au["id"])
    assert [verb(s) for s in mine] == ["initialized", "experienced", "experienced",
                                       *["answered"] * 8, "completed", "passed", "terminated"]
    assert browser_log.page_errors == []


def close_and_read_back(page: Page, lrs: RalphLrs, registration: str) -> list[dict[str, Any]]:
    """Close the tab (pagehide, not persisted) and read the registration's statements back
    through another tab of the same browser."""
    other = page.context.new_page()
    page.close()
    return wait_for_statements(other, lrs, registration, "terminated")


@pytest.mark.parametrize("where", ["mid-course", "at-the-end"])
def test_cmi5_a_closed_tab_ends_the_session_with_terminated(
    where: str, page: Page, lrs: RalphLrs, static_server: StaticServer,
    xapi_validate_many: Validate, tmp_path: Path,
) -> None:
    package = build_package(MINI, "cmi5", tmp_path / "pkg")
    launch, au = launch_cmi5(page, lrs, static_server, package)
    if where == "mid-course":
        page.click("#next")
        page.wait_for_selector("#page-details:not([hidden])")
    else:
        play_course(page)
        page.wait_for_selector("#page-exam .quiz-results:not([hidden])")
    statements = close_and_read_back(page, lrs, launch.registration)
    assert_valid(statements, xapi_validate_many)
    assert_in_order_once(statements)
    mine = assert_cmi5_rules(statements, launch, au["masteryScore"], au["id"])
    verbs = [verb(s) for s in mine]
    assert max(mine, key=lambda s: s["timestamp"]) is mine[-1] and verbs[-1] == "terminated"
    if where == "mid-course":
        assert verbs == ["initialized", "experienced", "experienced", "terminated"]
    else:
        assert verbs[-3:] == ["completed", "passed", "terminated"]
    assert DURATION.match(mine[-1]["result"]["duration"])


def test_cmi5_no_failed_while_attempts_are_left_then_failed_on_finishing(
    page: Page, lrs: RalphLrs, static_server: StaticServer, xapi_validate_many: Validate,
    tmp_path: Path,
) -> None:
    package = build_package(MINI, "cmi5", tmp_path / "pkg")
    launch, au = launch_cmi5(page, lrs, static_server, package)
    player = Player(page)
    player.play_to_end(correct=False)  # the exam failed once, two attempts left
    page.wait_for_selector("#page-exam .quiz-results:not([hidden])")
    page.wait_for_function("k => !JSON.parse(localStorage.getItem(k) || '[]').length",
                           arg="scormbuild.xapi.queue:" + lrs.endpoint)
    sent = [verb(s) for s in lrs.statements(registration=launch.registration)]
    assert "failed" not in sent and "passed" not in sent
    page.click("#page-exam [data-action='finish']")  # the learner gives up the attempts left
    page.click("#exit")
    page.wait_for_url("**/lms-return.html")
    statements = wait_for_statements(page, lrs, launch.registration, "terminated")
    assert_valid(statements, xapi_validate_many)
    mine = assert_cmi5_rules(statements, launch, au["masteryScore"], au["id"])
    verbs = [verb(s) for s in mine]
    assert verbs.count("failed") == 1 and verbs[-2:] == ["failed", "terminated"]


def test_cmi5_au_per_module_shows_and_tracks_only_its_pages(
    page: Page, lrs: RalphLrs, static_server: StaticServer, browser_log: BrowserLog,
    xapi_validate_many: Validate, tmp_path: Path,
) -> None:
    package = build_package(MODULES, "cmi5", tmp_path / "pkg")
    static_server.mount("/pkg/", package)
    static_server.add_file("/lms-return.html", "<!doctype html><title>Back in the LMS</title>")
    aus = {au["url"].split("?au=")[1]: au for au in read_aus(package)}
    assert list(aus) == ["welcome", "basics", "final-assessment"]
    expected = {
        "basics": (["details"], ["initialized", "experienced", "completed", "terminated"]),
        "final-assessment": (["exam"], ["initialized", "experienced", *["answered"] * 8,
                                        "completed", "passed", "terminated"]),
    }
    for part, (pages, verbs) in expected.items():
        au = aus[part]
        launch = lrs.prepare_cmi5_launch(
            static_server.url("/pkg/" + au["url"]), publisher_id=au["id"], move_on=au["moveOn"],
            mastery_score=au["masteryScore"], return_url=static_server.url("/lms-return.html"))
        open_player(page, launch.url)
        assert page.eval_on_selector_all("main section[id^='page-']", "s => s.map(e => e.id)") == [
            f"page-{p}" for p in pages]  # the other AUs' pages left the document
        assert page.eval_on_selector_all("#toc a[data-page]", "a => a.map(e => e.dataset.page)") \
            == pages
        assert page.eval_on_selector("#progress", "p => p.max") == len(pages)
        play_course(page, part=part)
        page.click("#exit")
        page.wait_for_url("**/lms-return.html")
        statements = wait_for_statements(page, lrs, launch.registration, "terminated")
        assert_valid(statements, xapi_validate_many)
        mine = assert_cmi5_rules(statements, launch, au["masteryScore"], au["id"])
        assert [verb(s) for s in mine] == verbs
        assert [s["object"]["id"].rsplit("/", 1)[-1] for s in mine
                if verb(s) == "experienced"] == pages
    assert browser_log.page_errors == []


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_stop_the_queue_and_keep_the_statements(
    status: int, page: Page, lrs: RalphLrs, static_server: StaticServer,
    browser_log: BrowserLog, tmp_path: Path,
) -> None:
    package = build_package(MINI, "tincan", tmp_path / "pkg")
    static_server.mount("/pkg/", package)
    registration = str(uuid.uuid4())
    activity_id = "https://courses.example.org/xapi/xapi-mini"
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    if status == 401:  # Ralph itself refuses the wrong password
        bad_auth = "Basic " + base64.b64encode(b"scormbuild:wrong").decode()
    else:  # an LRS that knows the key but does not let it write
        bad_auth = lrs.auth
        page.route(lrs.endpoint + "statements*", lambda route: route.fulfill(status=403))
    open_player(page, tincan_url(static_server, lrs, registration, MBOX_ACTOR, activity_id,
                                 auth=bad_auth))
    page.wait_for_selector("#notice.notice-warning:not([hidden])")  # the player's LMS notice
    page.click("#next")
    page.click("#next")
    page.wait_for_timeout(1500)  # a retrying queue would have tried again twice by now
    statement_posts = [u for u in posts if u.startswith(lrs.endpoint + "statements")]
    assert len(statement_posts) == 1, "credentials refused once: never retried"
    refusals = [e for e in browser_log.console if "refused the credentials" in e.text]
    assert len(refusals) == 1
    assert queue_length(page, lrs.endpoint) >= 3  # initialized + 3 pages experienced, kept
    assert lrs.statements(registration=registration) == []

    # Launched again with working credentials: what was kept arrives, in order.
    page.unroute_all()
    open_player(page, tincan_url(static_server, lrs, registration, MBOX_ACTOR, activity_id))
    page.wait_for_function("k => !JSON.parse(localStorage.getItem(k) || '[]').length",
                           arg="scormbuild.xapi.queue:" + lrs.endpoint)
    verbs = [verb(s) for s in stored_order(lrs.statements(registration=registration))]
    assert verbs[:4] == ["initialized", "experienced", "experienced", "experienced"]
    assert "initialized" in verbs[4:]
