"""shuffle_choices (quiz and question), `fixed` choices, reveal_answers and retry_questions:
defaults, checks, course data."""

from __future__ import annotations

from pathlib import Path

import pytest

from scormbuild.i18n import catalog_for
from scormbuild.pipeline import check, compile_course
from scormbuild.theme import player_data
from support import CourseFactory, without_item_rules, write

QUIZ = """\
title: Q
kind: {kind}
{quiz_key}questions:
  - id: s
    type: single
    prompt: Which?
    explanation: Because.
{question_key}    choices:
      - {{text: Alpha, correct: true}}
      - {{text: None of these, fixed: true}}
  - id: m
    type: matching
    prompt: Match.
    explanation: Because.
    pairs:
      - {{source: One, target: Uno}}
      - {{source: Two, target: Dos}}
  - id: o
    type: ordering
    prompt: Order.
    explanation: Because.
    items: [First, Second]
  - id: t
    type: true-false
    prompt: True?
    explanation: Because.
    answer: true
"""


def with_quiz(course: Path, kind: str = "assessment", quiz_key: str = "",
              question_key: str = "") -> Path:
    write(course / "course.yml", (course / "course.yml").read_text() + "  - quiz: q\n")
    write(course / "quizzes" / "q.yml", QUIZ.format(kind=kind, quiz_key=quiz_key,
                                                    question_key=question_key))
    return course


def quiz_data(course: Path) -> dict[str, object]:
    compiled = compile_course(course)
    data = player_data(compiled.course, compiled.texts, catalog_for("en"))
    return data["quizzes"]["q"]  # type: ignore[no-any-return]


def shuffles(course: Path) -> dict[str, bool]:
    return {q["id"]: q["shuffle"] for q in quiz_data(course)["questions"]}  # type: ignore[index, attr-defined]


@pytest.mark.parametrize("kind", ["assessment", "knowledge-check"])
def test_shuffled_by_default(course_copy: CourseFactory, kind: str) -> None:
    course = with_quiz(course_copy("minimal"), kind)
    data = quiz_data(course)
    assert data["shuffleChoices"] is True
    assert shuffles(course) == {"s": True, "m": True, "o": True, "t": False}
    single = data["questions"][0]  # type: ignore[index]
    assert [c["fixed"] for c in single["choices"]] == [False, True]


def test_quiz_turns_it_off_ordering_stays_shuffled(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), quiz_key="shuffle_choices: false\n")
    assert quiz_data(course)["shuffleChoices"] is False
    assert shuffles(course) == {"s": False, "m": False, "o": True, "t": False}


def test_question_overrides_the_quiz(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), quiz_key="shuffle_choices: false\n",
                       question_key="    shuffle_choices: true\n")
    assert shuffles(course) == {"s": True, "m": False, "o": True, "t": False}


def test_fixed_without_shuffling_warns(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), question_key="    shuffle_choices: false\n")
    assert [d.render() for d in without_item_rules(check(course))] == [
        "quizzes/q.yml:11:31: warning: question 's': 'fixed' has no effect, the choices are not "
        "shuffled\n    hint: remove 'fixed: true', or turn shuffle_choices on"]


def test_ordering_cannot_turn_shuffling_off(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"))
    quiz = course / "quizzes" / "q.yml"
    quiz.write_text(quiz.read_text().replace("    items: [First, Second]\n",
                                             "    items: [First, Second]\n"
                                             "    shuffle_choices: false\n"))
    assert [d.render() for d in check(course)] == [
        "quizzes/q.yml:23:5: error: ordering question 'o' cannot turn shuffling off: its items "
        "are written in the correct order\n    hint: remove 'shuffle_choices: false'"]


def test_shuffle_on_true_false_has_no_effect(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"))
    quiz = course / "quizzes" / "q.yml"
    quiz.write_text(quiz.read_text().replace("    answer: true\n",
                                             "    answer: true\n    shuffle_choices: true\n"))
    assert [d.render() for d in without_item_rules(check(course))] == [
        "quizzes/q.yml:28:5: warning: 'shuffle_choices' has no effect on a true-false question\n"
        "    hint: remove it; only single, multiple and matching questions have choices to "
        "shuffle"]


def test_fixed_must_be_a_boolean(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"))
    quiz = course / "quizzes" / "q.yml"
    quiz.write_text(quiz.read_text().replace("fixed: true", "fixed: sometimes"))
    (diag,) = check(course)
    assert diag.is_error and diag.where.line == 10


# --- knowledge checks: reveal the answer, try a question again ---------------------------------


def test_knowledge_checks_reveal_and_retry_by_default(course_copy: CourseFactory) -> None:
    data = quiz_data(with_quiz(course_copy("minimal"), "knowledge-check"))
    assert (data["revealAnswers"], data["retryQuestions"]) == (True, True)


def test_knowledge_check_turns_reveal_and_retry_off(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), "knowledge-check",
                       quiz_key="reveal_answers: false\nretry_questions: false\n")
    data = quiz_data(course)
    assert (data["revealAnswers"], data["retryQuestions"]) == (False, False)
    assert without_item_rules(check(course)) == []


def test_assessments_never_reveal_or_retry_and_say_so(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), quiz_key="reveal_answers: true\n"
                                                        "retry_questions: true\n")
    data = quiz_data(course)
    assert (data["revealAnswers"], data["retryQuestions"]) == (False, False)
    hint = ("    hint: remove it; it is for knowledge checks (an assessment shows answers by "
            "'after_last_attempt')")
    assert [d.render() for d in without_item_rules(check(course))] == [
        f"quizzes/q.yml:3:1: warning: 'reveal_answers' has no effect on an assessment\n{hint}",
        f"quizzes/q.yml:4:1: warning: 'retry_questions' has no effect on an assessment\n{hint}"]
