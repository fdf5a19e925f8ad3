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
    assert "0 of 8 points" in review and "No attempts left." in review
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
