"""`scormbuild preview` in headless Chromium: the local LMS page, live reload, errors, targets."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from player_driver import Player
from playwright.sync_api import Frame, Page

from scormbuild.preview import PreviewServer
from scormbuild.scaffold import write_course

pytestmark = pytest.mark.browser

WAIT_MS = 15_000


@pytest.fixture
def course(tmp_path: Path) -> Path:
    folder = tmp_path / "course"
    write_course(folder, "Preview test course", "preview-test", "en-US")
    return folder


@pytest.fixture
def preview(course: Path) -> Iterator[PreviewServer]:
    with PreviewServer(course, port=0, debounce_ms=50) as server:
        yield server


def open_preview(page: Page, server: PreviewServer, target: str = "scorm12") -> Frame:
    page.goto(f"{server.url}/?target={target}")
    page.wait_for_function("window.__preview && window.__preview.launches >= 1", timeout=WAIT_MS)
    frame = page.frame(name="scorm_object")
    assert frame is not None
    frame.wait_for_selector("html.js-ready", timeout=WAIT_MS)
    return frame


def calls(page: Page, name: str | None = None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate("window.__preview.calls")
    return [c for c in found if name is None or c["name"] == name]


def cmi_value(page: Page, element: str) -> str | None:
    cell = page.query_selector(f"#cmi-table tr[data-element='{element}'] td:last-child")
    return None if cell is None else cell.inner_text()


def test_page_loads_the_course_with_a_scorm_api_and_live_panels(
        page: Page, preview: PreviewServer, browser_log: Any) -> None:
    open_preview(page, preview)
    page.wait_for_function(
        "window.__preview.calls.some(c => c.name === 'LMSInitialize' && c.result === 'true')")
    assert page.inner_text("#course-title") == "Preview test course"
    assert cmi_value(page, "cmi.core.entry") == "ab-initio"
    assert cmi_value(page, "cmi.student_data.mastery_score") == "80"
    page.wait_for_function("document.querySelector(\"#cmi-table tr[data-element="
                           "'cmi.core.lesson_status']\")")
    assert cmi_value(page, "cmi.core.lesson_status") == "incomplete"
    assert "LMSInitialize" in page.inner_text("#call-list")
    assert [c for c in calls(page) if c.get("error") not in (None, "0")] == []
    assert page.is_hidden("#errors")
    assert browser_log.errors() == []


def test_an_edit_to_a_lesson_reloads_the_course(
        page: Page, preview: PreviewServer, course: Path, browser_log: Any) -> None:
    frame = open_preview(page, preview)
    assert "Edited by the test" not in frame.inner_text("body")
    lesson = course / "lessons" / "welcome.md"
    lesson.write_text(lesson.read_text().replace("## What this course is",
                                                 "## What this course is\n\nEdited by the test."))
    page.wait_for_function("window.__preview.launches >= 2", timeout=WAIT_MS)
    frame = page.frame(name="scorm_object")
    assert frame is not None
    frame.wait_for_selector("text=Edited by the test", timeout=WAIT_MS)
    assert page.evaluate("window.__preview.launchedGeneration") >= 2
    assert browser_log.errors() == []


def test_a_broken_course_yml_shows_the_error_with_file_and_line(
        page: Page, preview: PreviewServer, course: Path) -> None:
    open_preview(page, preview)
    course_yml = course / "course.yml"
    text = course_yml.read_text()
    line = text.splitlines().index("pass_mark: 80                     # score (0-100) needed to "
                                   "pass the final assessment") + 1
    course_yml.write_text(text.replace("pass_mark: 80", "pass_mark: 180"))
    page.wait_for_selector("#errors:not([hidden])", timeout=WAIT_MS)
    shown = page.inner_text("#error-list")
    assert f"course.yml:{line}:" in shown
    assert "pass_mark" in shown
    course_yml.write_text(text)  # fixed: the course comes back
    page.wait_for_selector("#errors", state="hidden", timeout=WAIT_MS)
    frame = page.frame(name="scorm_object")
    assert frame is not None
    frame.wait_for_selector("html.js-ready", timeout=WAIT_MS)


def test_relaunch_resumes_and_reset_starts_again(page: Page, preview: PreviewServer) -> None:
    frame = open_preview(page, preview)
    Player(frame).next_page()
    page.wait_for_function(
        "window.__preview.calls.some(c => c.name === 'LMSSetValue' "
        "&& c.args[0] === 'cmi.core.lesson_location')")
    page.click("#relaunch")
    page.wait_for_function("window.__preview.launches >= 2", timeout=WAIT_MS)
    page.wait_for_function(
        "window.__preview.calls.filter(c => c.name === 'LMSInitialize').length >= 2")
    assert "LMSFinish" in [c["name"] for c in calls(page)]
    assert cmi_value(page, "cmi.core.entry") == "resume"
    preview.lrs.store({"actor": {}, "verb": {"id": "v"}, "object": {"id": "o"}})
    page.click("#reset")
    page.wait_for_function("window.__preview.launches >= 3", timeout=WAIT_MS)
    page.wait_for_function("window.__preview.calls.some(c => c.name === 'LMSInitialize')")
    assert cmi_value(page, "cmi.core.entry") == "ab-initio"
    # the page's POST carried the preview's own Origin: the server obeyed it
    assert preview.lrs.statements == []


@pytest.mark.parametrize("target", ["tincan", "cmi5"])
def test_xapi_targets_send_statements_to_the_preview_lrs(
        page: Page, preview: PreviewServer, target: str, browser_log: Any) -> None:
    open_preview(page, preview)
    page.select_option("#target", target)
    page.wait_for_function("window.__preview.launches >= 2", timeout=WAIT_MS)
    page.wait_for_function(
        "window.__preview.statements.some(s => s.verb.id.endsWith('/initialized'))",
        timeout=WAIT_MS)
    assert page.is_visible("#statements-panel")
    assert page.is_hidden("#cmi-panel")
    assert "initialized" in page.inner_text("#statement-list")
    verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in preview.lrs.statements]
    if target == "cmi5":
        assert verbs[:2] == ["launched", "initialized"]
    assert "target=" + target in page.url
    Player(page.frame(name="scorm_object")).next_page()  # type: ignore[arg-type]
    deadline = time.monotonic() + WAIT_MS / 1000
    while not any(k[-1] == "scormbuild.state" for k in preview.lrs.documents):
        assert time.monotonic() < deadline, "the adapter never stored its State document"
        time.sleep(0.05)
    # a first launch GETs a State document that does not exist yet: 404 is the xAPI answer
    assert browser_log.page_errors == []
    assert [e for e in browser_log.console_errors() if "status of 404" not in e] == []


def test_a_page_opened_at_localhost_reports_to_its_own_lrs(
        page: Page, preview: PreviewServer, browser_log: Any) -> None:
    """localhost is one of the preview's names: its page, iframe and LRS requests all pass."""
    page.goto(f"http://localhost:{preview.port}/?target=tincan")
    page.wait_for_function(
        "window.__preview && window.__preview.statements.some(s => s.verb.id.endsWith('/initialized'))",
        timeout=WAIT_MS)
    assert browser_log.page_errors == []
    assert [e for e in browser_log.console_errors() if "status of 404" not in e] == []
