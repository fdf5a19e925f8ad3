"""Issue 12, the player: choices, matching targets and ordering items shuffled per attempt
(fixed choices in place, the order back on resume, canonical ids reported), the results banner,
"Enter a number" with a decimal comma, the learner's answer in the review, and a knowledge
check's reveal and retry of a question. Against scorm-again, as the other SCORM tests."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from player_driver import VISIBLE, Player
from playwright.sync_api import Frame, Page

from scormbuild.pipeline import build
from support import write

pytestmark = pytest.mark.browser

CHECK = """\
title: Check
kind: knowledge-check
{keys}questions:
  - id: one
    type: single
    prompt: Pick B.
    choices:
      - {{text: Alpha}}
      - {{text: Bravo, correct: true, feedback: Bravo it is.}}
      - {{text: Charlie, feedback: Not Charlie.}}
      - {{text: Delta}}
      - {{text: Echo}}
      - {{text: None of these, fixed: true}}
  - id: many
    type: multiple
    prompt: Pick A and C.
    choices:
      - {{text: Alpha, correct: true}}
      - {{text: Bravo}}
      - {{text: Charlie, correct: true}}
      - {{text: Delta}}
      - {{text: Echo}}
      - {{text: Foxtrot}}
  - id: match
    type: matching
    prompt: Match.
    pairs:
      - {{source: One, target: Uno}}
      - {{source: Two, target: Dos}}
      - {{source: Three, target: Tres}}
      - {{source: Four, target: Cuatro}}
    distractors: [Cinco]
  - id: order
    type: ordering
    prompt: Order.
    items: [First, Second, Third, Fourth, Fifth]
  - id: number
    type: numeric
    prompt: Three and a half?
    answer: 3.5
"""

EXAM = """\
title: Exam
kind: assessment
attempts: 3
questions:
  - id: pick
    type: single
    prompt: Pick B.
    explanation: B.
    choices:
      - {text: Alpha, feedback: Alpha is the first letter.}
      - {text: Bravo, correct: true}
      - {text: Charlie}
"""


def make_package(root: Path, language: str = "en", check_keys: str = "") -> Path:
    write(root / "course.yml", f"id: shuffle\ntitle: Shuffle\nlanguage: {language}\n"
          "completion: {all_lessons_viewed: false, assessment_passed: true}\n"
          "outline:\n  - lesson: intro\n  - quiz: check\n  - quiz: exam\n")
    write(root / "lessons" / "intro.md", "---\ntitle: Intro\n---\nHello.\n")
    write(root / "quizzes" / "check.yml", CHECK.format(keys=check_keys))
    write(root / "quizzes" / "exam.yml", EXAM)
    (result,) = build(root, ["scorm12"], root.parent / "dist")
    folder = root.parent / "pkg"
    with zipfile.ZipFile(result.path) as zf:
        zf.extractall(folder)
    return folder


def shown(frame: Frame) -> dict[str, list[str]]:
    """The order the check's attempt shows, per question (all fieldsets are in the DOM)."""
    box = "#page-check fieldset[data-question='{}']"
    ids = "els => els.map(e => e.value || e.dataset.item)"
    return {
        "one": frame.eval_on_selector_all(box.format("one") + " .choice input", ids),
        "many": frame.eval_on_selector_all(box.format("many") + " .choice input", ids),
        "match": frame.eval_on_selector_all(box.format("match") + " select[data-source='1'] "
                                            "option:not([value=''])", ids),
        "order": frame.eval_on_selector_all(box.format("order") + " li[data-item]", ids),
    }


def interactions(values: dict[str, str]) -> list[dict[str, str]]:
    out = []
    n = 0
    while f"cmi.interactions.{n}.id" in values:
        p = f"cmi.interactions.{n}."
        out.append({"id": values[p + "id"], "response": values.get(p + "student_response", ""),
                    "result": values.get(p + "result", "")})
        n += 1
    return out


def test_every_shuffled_type_new_order_per_attempt_same_on_resume(
        tmp_path: Path, page: Page, scorm_lms: Any) -> None:
    frame = scorm_lms.serve(make_package(tmp_path / "c")).launch(page)
    player = Player(frame)
    player.go_to("check")
    first = shown(frame)
    written = {"one": list("abcdef"), "many": list("abcdef"), "match": list("abcde"),
               "order": list("abcde")}
    for kind, order in first.items():
        assert sorted(order) == written[kind], kind
    assert first["one"][5] == "f"  # "None of these" is fixed in its authored place
    assert first["order"] != written["order"]  # never starts in the correct order

    # answer the first question by its position on screen: the response is the authored id
    top = first["one"][0]
    frame.click(f"{VISIBLE} fieldset[data-question='one'] .choice:first-child label")
    frame.click(f"{VISIBLE} [data-action='check']")
    assert frame.evaluate("() => scormbuildPlayer.runs().check.answers[0]") == top

    # the same attempt after a relaunch (resume from suspend_data): the same orders
    frame = scorm_lms.relaunch(page)
    player = Player(frame)
    player.go_to("check")
    assert shown(frame) == first

    # new attempts: a new order for every type (bounded; 24 to 120 orders each, so certain
    # within eight tries), "None of these" always last
    differs = {kind: False for kind in first}
    for _ in range(8):
        if frame.query_selector(f"{VISIBLE} fieldset[data-question='one']:not([hidden]) "
                                ".q-feedback .verdict"):
            frame.click(f"{VISIBLE} [data-action='next']")
        player.complete_quiz(correct=True)
        frame.click(f"{VISIBLE} .quiz-results [data-action='retry']")
        again = shown(frame)
        assert again["one"][5] == "f" and again["order"] != written["order"]
        for kind in first:
            differs[kind] |= again[kind] != first[kind]
        if all(differs.values()):
            break
    assert differs == {kind: True for kind in first}


def test_results_banner_and_the_learners_answer_in_the_review(
        tmp_path: Path, page: Page, scorm_lms: Any) -> None:
    frame = scorm_lms.serve(make_package(tmp_path / "c")).launch(page)
    player = Player(frame)
    player.go_to("exam")
    banners = []
    for _ in range(3):
        frame.click(f"{VISIBLE} label:has-text('Alpha')")
        frame.click(f"{VISIBLE} [data-action='submit']")
        results = f"{VISIBLE} .quiz-results"
        banners.append(frame.inner_text(f"{results} .score-verdict"))
        if len(banners) < 3:
            assert "did not pass this course" not in frame.inner_text("#notice")
        picked = frame.query_selector_all(f"{results} .review-choices li.is-picked")
        assert len(picked) == 1
        text = picked[0].inner_text()
        assert "Your answer" in text and "Alpha" in text and "Alpha is the first letter." in text
        assert len(frame.query_selector_all(f"{results} .review-choices li")) == 3
        if len(banners) < 3:
            frame.click(f"{results} [data-action='retry']")
    # shuffled on screen, reported with the authored ids (SCORM 1.2 reports graded answers)
    reported = [i for i in interactions(scorm_lms.values_set(page)) if i["id"] == "exam.pick"]
    assert reported == [{"id": "exam.pick", "response": "a", "result": "wrong"}] * 3
    assert banners == ["Not passed yet: 2 attempts left.", "Not passed yet: 1 attempt left.",
                       "You did not pass: no attempts left."]
    assert "You did not pass this course." in frame.inner_text("#notice")


@pytest.mark.parametrize(("language", "status", "verdict"), [
    ("de", "Geben Sie eine Zahl ein, zum Beispiel 2,5.", "3,5"),
    ("fr", "Saisissez un nombre, par exemple 2,5.", "3,5"),
    ("en", "Enter a number, for example 2.5.", "3.5"),
])
def test_text_in_a_numeric_question_asks_for_a_number(
        tmp_path: Path, page: Page, scorm_lms: Any, language: str, status: str,
        verdict: str) -> None:
    frame = scorm_lms.serve(make_package(tmp_path / "c", language)).launch(page)
    player = Player(frame)
    player.go_to("check")
    while player.question()[1]["id"] != "number":  # type: ignore[index]
        player.answer(correct=True)
        player.advance()
    box = f"{VISIBLE} fieldset[data-question='number'] input"
    for text in ("three", "3,5" if language == "en" else "3.5.1"):
        frame.fill(box, text)
        frame.click(f"{VISIBLE} [data-action='check']")
        assert frame.inner_text(f"{VISIBLE} .quiz-status") == status
        assert frame.get_attribute(box, "aria-invalid") == "true"
        assert not frame.query_selector(f"{VISIBLE} fieldset[data-question='number'] .verdict")
    frame.fill(box, verdict)
    frame.click(f"{VISIBLE} [data-action='check']")
    assert "is-correct" in (frame.get_attribute(
        f"{VISIBLE} fieldset[data-question='number']", "class") or "")


@pytest.mark.parametrize("keys", ["", "reveal_answers: false\nretry_questions: false\n"])
def test_knowledge_check_reveals_the_answer_and_lets_the_learner_try_again(
        tmp_path: Path, page: Page, scorm_lms: Any, keys: str) -> None:
    frame = scorm_lms.serve(make_package(tmp_path / "c", check_keys=keys)).launch(page)
    player = Player(frame)
    player.go_to("check")
    one = f"{VISIBLE} fieldset[data-question='one']"
    frame.click(f"{one} label:has-text('Charlie')")
    frame.click(f"{VISIBLE} [data-action='check']")
    feedback = frame.inner_text(f"{one} .q-feedback")
    assert "Not Charlie." in feedback
    retry = frame.query_selector(f"{one} [data-action='retry-question']")
    if keys:
        assert "Correct answer" not in feedback and retry is None
        return
    assert "Correct answer: Bravo" in feedback and retry is not None
    retry.click()
    assert frame.inner_text(f"{one} .q-feedback") == ""
    assert frame.eval_on_selector_all(f"{one} input:checked", "els => els.length") == 0
    assert player.button("check") is not None and player.button("next") is None
    frame.click(f"{one} label:has-text('Bravo')")
    frame.click(f"{VISIBLE} [data-action='check']")
    assert "Bravo it is." in frame.inner_text(f"{one} .q-feedback")
    assert frame.query_selector(f"{one} [data-action='retry-question']") is None
    assert frame.evaluate("() => scormbuildPlayer.runs().check.answers[0]") == "b"
