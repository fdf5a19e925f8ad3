"""Every question type answered right and wrong through the UI, checked in scorm-again's CMI:
interaction types, student responses, correct-response patterns, results and the score."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page

from scormbuild.pipeline import build

try:
    from harness import BrowserLog, ScormLms
except ImportError:  # pragma: no cover - when tests/ is made a package
    from .harness import BrowserLog, ScormLms

pytestmark = pytest.mark.browser

COURSE = Path(__file__).resolve().parents[1] / "fixtures" / "courses" / "all-question-types"
ORDER = ["single", "multiple", "truefalse", "fillin", "numeric", "matching", "ordering", "opinion"]
EXPECTED = {  # id: (type, correct pattern, right response, wrong response)
    "single": ("choice", "b", "b", "a"),
    "multiple": ("choice", "a,c", "a,c", "a,b"),
    "truefalse": ("true-false", "t", "t", "f"),
    "fillin": ("fill-in", "Paris", "paris", "Rome"),
    "numeric": ("numeric", "3.14", "3.14", "2.5"),
    "matching": ("matching", "1.a,2.b", "1.a,2.b", "1.b,2.c"),
    "ordering": ("sequencing", "a,b,c", "a,b,c", "c,b,a"),
    "opinion": ("likert", None, "3", "1"),
}


def package(tmp_path: Path) -> Path:
    [result] = build(COURSE, ["scorm12"], tmp_path / "dist")
    out = tmp_path / "pkg"
    with zipfile.ZipFile(result.path) as zf:
        zf.extractall(out)
    return out


def order_items(frame: Frame, fieldset: str, wanted: list[str]) -> None:
    """Reorder with the keyboard: Alt+ArrowUp on an item's button until it is in place."""
    for position, item in enumerate(wanted):
        for _ in range(len(wanted)):
            ids = frame.eval_on_selector_all(f"{fieldset} li[data-item]",
                                             "els => els.map(e => e.dataset.item)")
            if ids.index(item) == position:
                break
            frame.press(f"{fieldset} li[data-item='{item}'] button[data-move='up']",
                        "Alt+ArrowUp")


def answer(frame: Frame, right: bool) -> None:
    for qid in ORDER:
        fs = f"fieldset[data-question='{qid}']:not([hidden])"
        frame.wait_for_selector(fs)
        if qid == "single":
            frame.check(f"{fs} input[value='{'b' if right else 'a'}']")
        elif qid == "multiple":
            for value in ("a", "c") if right else ("a", "b"):
                frame.check(f"{fs} input[value='{value}']")
        elif qid == "truefalse":
            frame.check(f"{fs} input[value='{'t' if right else 'f'}']")
        elif qid == "fillin":
            frame.fill(f"{fs} input", "  paris " if right else "Rome")
        elif qid == "numeric":
            frame.fill(f"{fs} input", "3.14" if right else "2.5")
        elif qid == "matching":
            frame.select_option(f"{fs} select[data-source='1']", "a" if right else "b")
            frame.select_option(f"{fs} select[data-source='2']", "b" if right else "c")
        elif qid == "ordering":
            order_items(frame, fs, ["a", "b", "c"] if right else ["c", "b", "a"])
        else:
            frame.check(f"{fs} input[value='{'3' if right else '1'}']")
        last = qid == ORDER[-1]
        frame.click("#page-every-type button[data-action='" + ("submit" if last else "next") + "']")
    frame.wait_for_selector("#page-every-type .quiz-results:not([hidden])")


def interactions(values: dict[str, str], first: int) -> dict[str, dict[str, str | None]]:
    out = {}
    for n in range(first, first + len(ORDER)):
        p = f"cmi.interactions.{n}."
        out[values[p + "id"].split(".", 1)[1]] = {
            "type": values[p + "type"], "pattern": values.get(p + "correct_responses.0.pattern"),
            "response": values[p + "student_response"], "result": values[p + "result"],
            "weighting": values[p + "weighting"]}
    return out


def test_every_type_right_then_wrong(page: Page, scorm_lms: ScormLms, browser_log: BrowserLog,
                                     tmp_path: Path) -> None:
    frame = scorm_lms.serve(package(tmp_path)).launch(page)
    frame.click("#next")  # intro -> the assessment
    answer(frame, right=True)
    values = scorm_lms.values_set(page)
    got = interactions(values, 0)
    assert list(got) == ORDER  # no shuffle: shown and reported in spec order
    for qid, (kind, pattern, response, _) in EXPECTED.items():
        result = "neutral" if kind == "likert" else "correct"
        assert got[qid] == {"type": kind, "pattern": pattern, "response": response,
                            "result": result,
                            "weighting": {"multiple": "2", "opinion": "0"}.get(qid, "1")}, qid
    assert values["cmi.interactions.0.id"] == "every-type.single"
    assert values["cmi.core.score.raw"] == "100"
    assert values["cmi.core.lesson_status"] == "passed"
    results = frame.inner_text("#page-every-type .quiz-results")
    assert "8 of 8 points" in results and "You passed." in results

    frame.click("#page-every-type button[data-action='retry']")
    answer(frame, right=False)
    values = scorm_lms.values_set(page)
    got = interactions(values, len(ORDER))
    for qid, (kind, pattern, _, response) in EXPECTED.items():
        result = {"likert": "neutral", "choice": "wrong"}.get(kind, "wrong")
        if qid == "multiple":
            result = "wrong"  # partial credit: a + b = (1 right - 1 wrong) / 2 = 0
        assert (got[qid]["type"], got[qid]["pattern"], got[qid]["response"],
                got[qid]["result"]) == (kind, pattern, response, result), qid
    assert values["cmi.core.score.raw"] == "100"  # the best attempt counts
    # the last of two attempts: the review shows the right answers, no retry button
    review = frame.inner_text("#page-every-type .quiz-results")
    assert "0 of 8 points" in review and "You did not pass: no attempts left." in review
    assert "Correct answer: Paris / Lutetia" in review
    assert "Correct answer: 3.14 ± 0.01" in review
    assert frame.is_hidden("#page-every-type button[data-action='retry']")
    assert scorm_lms.api_errors(page) == []
    assert browser_log.errors() == []


def test_partial_credit_is_reported_as_a_decimal(page: Page, scorm_lms: ScormLms,
                                                 tmp_path: Path) -> None:
    frame = scorm_lms.serve(package(tmp_path)).launch(page)
    frame.click("#next")
    frame.check("fieldset[data-question='single'] input[value='b']")
    frame.click("#page-every-type button[data-action='next']")
    frame.check("fieldset[data-question='multiple'] input[value='a']")  # 1 of 2 correct
    frame.click("#page-every-type button[data-action='next']")
    # the rest unanswered is refused: the player asks for an answer first
    frame.click("#page-every-type button[data-action='next']")
    status = frame.inner_text("#page-every-type .quiz-status")
    assert status == "Please answer the question first."
    answer_rest = ORDER[2:]
    for qid in answer_rest:
        fs = f"fieldset[data-question='{qid}']:not([hidden])"
        if qid in ("truefalse", "opinion"):
            frame.check(f"{fs} input[value='{'t' if qid == 'truefalse' else '2'}']")
        elif qid in ("fillin", "numeric"):
            frame.fill(f"{fs} input", "Paris" if qid == "fillin" else "3.14")
        elif qid == "matching":
            frame.select_option(f"{fs} select[data-source='1']", "a")
            frame.select_option(f"{fs} select[data-source='2']", "b")
        elif qid == "ordering":
            order_items(frame, fs, ["a", "b", "c"])
        frame.click("#page-every-type button[data-action='"
                    + ("submit" if qid == ORDER[-1] else "next") + "']")
    values = scorm_lms.values_set(page)
    assert values["cmi.interactions.1.result"] == "0.5"
    assert values["cmi.interactions.1.student_response"] == "a"
    assert values["cmi.core.score.raw"] == "87.5"  # 7 of 8 points
    assert "7 of 8 points" in frame.inner_text("#page-every-type .quiz-results")


TIMED_QUIZ = """\
title: Timed check
kind: assessment
time_limit_minutes: 2
attempts: 1
questions:
  - {id: first, type: true-false, prompt: Water is wet., answer: true}
  - {id: second, type: true-false, prompt: Fire is cold., answer: false}
"""


def timed_package(tmp_path: Path) -> Path:
    course = tmp_path / "timed"
    (course / "lessons").mkdir(parents=True)
    (course / "quizzes").mkdir()
    (course / "course.yml").write_text("id: timed\ntitle: Timed\noutline:\n  - lesson: intro\n"
                                       "  - quiz: timed\n", encoding="utf-8")
    (course / "lessons" / "intro.md").write_text("---\ntitle: Intro\n---\n\nHello.\n",
                                                 encoding="utf-8")
    (course / "quizzes" / "timed.yml").write_text(TIMED_QUIZ, encoding="utf-8")
    [result] = build(course, ["scorm12"], tmp_path / "dist")
    out = tmp_path / "pkg"
    with zipfile.ZipFile(result.path) as zf:
        zf.extractall(out)
    return out


def test_time_limit_starts_with_start_counts_down_and_submits(
        page: Page, scorm_lms: ScormLms, browser_log: BrowserLog, tmp_path: Path) -> None:
    page.clock.install()
    frame = scorm_lms.serve(timed_package(tmp_path)).launch(page)
    frame.click("#next")
    section = "#page-timed"
    frame.wait_for_selector(f"{section} .quiz-start:not([hidden])")
    assert "time limit of 2 min" in frame.inner_text(f"{section} .quiz-start")
    assert frame.is_hidden(f"{section} form.quiz") and frame.is_hidden(f"{section} .quiz-timer")
    page.clock.fast_forward("10:00")  # the page is open, but the clock has not started
    # from here on, time moves only when the test says so (a loaded machine cannot flake it)
    page.clock.pause_at(int(frame.evaluate("Date.now()")) + 1000)
    assert frame.is_hidden(f"{section} .quiz-results")

    frame.click(f"{section} [data-action='start']")
    timer = f"{section} .quiz-timer"
    assert frame.inner_text(timer) == "Time left: 2:00"
    frame.check(f"{section} fieldset[data-question='first'] input[value='t']")
    frame.click(f"{section} button[data-action='next']")
    page.clock.fast_forward("01:30")
    assert frame.inner_text(timer) == "Time left: 0:30"
    assert frame.inner_text(f"{section} .quiz-status") == "1 min left."
    frame.check(f"{section} fieldset[data-question='second'] input[value='t']")  # not submitted

    page.clock.fast_forward("00:31")  # the deadline passes: the attempt is submitted as it stands
    frame.wait_for_selector(f"{section} .quiz-results:not([hidden])")
    assert frame.is_hidden(timer) and frame.is_hidden(f"{section} form.quiz")
    assert frame.inner_text("#notice") == "Time is up: your answers were submitted."
    values = scorm_lms.values_set(page)
    got = {values[f"cmi.interactions.{n}.id"]: (values[f"cmi.interactions.{n}.student_response"],
                                                 values[f"cmi.interactions.{n}.result"])
           for n in range(2)}
    assert got == {"timed.first": ("t", "correct"), "timed.second": ("t", "wrong")}
    # the only attempt: its failing score is final (with tries left it would be held back)
    assert values["cmi.core.score.raw"] == "50" and values["cmi.core.lesson_status"] == "failed"
    assert scorm_lms.api_errors(page) == []
    # the LMS page's favicon.ico is a 404 of the test server, not of the package
    assert [e for e in browser_log.console if e.type == "error" and "favicon" not in e.url] == []
    assert browser_log.page_errors == []
