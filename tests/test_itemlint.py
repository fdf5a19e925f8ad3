"""itemlint.py: every item-writing rule fires (exact rendered line) and stays quiet; the
test-wise guesser against hand-computed scores; `lint: {ignore}`; `check --json`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scormbuild.cli import app
from scormbuild.itemlint import RULES, estimate_guesser
from scormbuild.pipeline import check, check_course, compile_course
from support import CourseFactory, write

Q = "quizzes/q.yml"


def with_quiz(course: Path, text: str) -> Path:
    """minimal + quizzes/q.yml with this text at the end of the outline."""
    write(course / "course.yml", (course / "course.yml").read_text() + "  - quiz: q\n")
    write(course / "quizzes" / "q.yml", text)
    return course


def hits(course: Path, rule: str) -> list[str]:
    """Rendered warnings of one rule."""
    result = check_course(course)
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    return [d.render() for d in result.diagnostics if result.rules.get(d) == rule]


def line(where: str, message: str, hint: str) -> str:
    return f"{Q}:{where}: warning: {message}\n    hint: {hint}"


# --- longest-correct ----------------------------------------------------------------------

LONGEST = """\
title: Q
questions:
  - id: a1
    type: single
    prompt: Pick one.
    choices:
      - text: Short
      - text: The right answer is this long one
        correct: true
  - id: a2
    type: multiple
    prompt: Pick some.
    choices:
      - text: {a2}
        correct: true
      - text: Short
      - text: Brief too
"""
LONGEST_HINT = ("learners who do not know the answer pick the longest option; make the options "
                "similar in length (add detail to the wrong ones, trim the answer)")


def test_longest_correct_fires(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), LONGEST.format(a2="The longest one is right"))
    assert hits(course, "longest-correct") == [
        line("8:9", "question 'a1': the correct option is the longest, as in 2 of 2 choice "
             "questions of this quiz [longest-correct]", LONGEST_HINT),
        line("14:9", "question 'a2': the correct option is the longest, as in 2 of 2 choice "
             "questions of this quiz [longest-correct]", LONGEST_HINT)]


def test_longest_correct_quiet(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), LONGEST.format(a2="Right"))  # 1 of 2
    assert hits(course, "longest-correct") == []


def test_question_ignore_silences_that_question_only(course_copy: CourseFactory) -> None:
    text = LONGEST.format(a2="The longest one is right").replace(
        "    prompt: Pick one.\n", "    prompt: Pick one.\n    lint: {ignore: [longest-correct]}\n")
    course = with_quiz(course_copy("minimal"), text)
    assert hits(course, "longest-correct") == [
        line("15:9", "question 'a2': the correct option is the longest, as in 2 of 2 choice "
             "questions of this quiz [longest-correct]", LONGEST_HINT)]


def test_quiz_ignore_silences_the_quiz(course_copy: CourseFactory) -> None:
    text = LONGEST.format(a2="The longest one is right") + \
        "lint:\n  ignore: [longest-correct, verdict-feedback]\n"
    course = with_quiz(course_copy("minimal"), text)
    assert hits(course, "longest-correct") == []


@pytest.mark.parametrize(("where", "rule", "expected"), [
    ("quiz", "longest-corect", "4:5: error: unknown lint rule 'longest-corect'\n"
     "    hint: did you mean 'longest-correct'?"),
    ("quiz", "zzz", "4:5: error: unknown lint rule 'zzz'\n    hint: rules: " + ", ".join(RULES)),
    ("question", "negativ-stem", "6:21: error: unknown lint rule 'negativ-stem'\n"
     "    hint: did you mean 'negative-stem'?"),
    ("question", "tf-balance", "6:21: error: lint rule 'tf-balance' is about the whole quiz, "
     "not one question\n    hint: move it to the quiz's own 'lint: {ignore: [tf-balance]}'"),
])
def test_unknown_or_misplaced_rule_ids_are_errors(course_copy: CourseFactory, where: str,
                                                  rule: str, expected: str) -> None:
    quiz_lint = f"lint:\n  ignore:\n  - {rule}\n" if where == "quiz" else ""
    question_lint = f"    lint: {{ignore: [{rule}]}}\n" if where == "question" else ""
    course = with_quiz(course_copy("minimal"), (
        f"title: Q\n{quiz_lint}questions:\n  - id: t1\n    type: true-false\n"
        f"    prompt: Gifts can be declined.\n{question_lint}    answer: true\n"
        "    explanation: Policies allow it.\n"))
    assert [d.render() for d in check(course)] == [f"{Q}:{expected}"]


# --- correct-position -----------------------------------------------------------------------


def positions_quiz(correct: list[int], shuffle: str = "shuffle_choices: false\n") -> str:
    text = f"title: Q\n{shuffle}questions:\n"
    for i, right in enumerate(correct):
        text += f"  - id: p{i}\n    type: single\n    prompt: Pick {i}.\n    choices:\n"
        for j in range(4):
            text += f"      - text: Option {'wxyz'[j]}\n" + (
                "        correct: true\n" if j == right else "")
    return text


POSITION_HINT = ("turn shuffle_choices back on (the default), or move the answers to different "
                 "positions")


def test_correct_position_fires(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), positions_quiz([1, 1, 1]))
    assert hits(course, "correct-position") == [
        line(f"{9 + 9 * i}:9", f"question 'p{i}': the answer is option 2, as in 3 of 3 "
             "single-choice questions of this quiz, and the choices are not shuffled "
             "[correct-position]", POSITION_HINT) for i in range(3)]


@pytest.mark.parametrize(("correct", "shuffle"), [
    ([1, 1, 1], ""),  # shuffled by default: the position tells nothing
    ([1, 1, 1, 0, 2, 3, 0, 2], "shuffle_choices: false\n"),  # 3 of 8 in place 2: chance
    ([1, 1], "shuffle_choices: false\n"),  # too few to tell
])
def test_correct_position_quiet(course_copy: CourseFactory, correct: list[int],
                                shuffle: str) -> None:
    course = with_quiz(course_copy("minimal"), positions_quiz(correct, shuffle))
    assert hits(course, "correct-position") == []


# --- all-none-of-above, duplicate-options -----------------------------------------------------

OPTIONS = """\
title: Q
questions:
  - id: o1
    type: single
    prompt: Which step?
    choices:
      - text: {first}
        correct: true
      - text: {second}
      - text: {third}
"""
ABOVE_HINT = ("learners can answer it by spotting two right options (or one wrong one), and it "
              "points at options that move when choices are shuffled; write an option that "
              "stands on its own")


@pytest.mark.parametrize(("option", "kind"), [
    ("All of the above", "all of the above"),
    ("None of these", "none of the above"),
    ("All of the above are correct.", "all of the above"),
    ("None of the above options", "none of the above"),
    ("Both A and B", "both A and B"),
    ("A and C only", "both A and B"),
    ("Neither of the above", "both A and B"),
])
def test_all_none_of_above_fires(course_copy: CourseFactory, option: str, kind: str) -> None:
    course = with_quiz(course_copy("minimal"), OPTIONS.format(
        first="Call the supervisor", second="Log the gift", third=option))
    assert hits(course, "all-none-of-above") == [
        line("10:9", f"question 'o1': option 3 ('{option}') is a '{kind}' option "
             "[all-none-of-above]", ABOVE_HINT)]


def test_all_none_of_above_quiet(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), OPTIONS.format(
        first="Call the supervisor", second="Log all gifts above token value",
        third="Ask A and B team leads"))
    assert hits(course, "all-none-of-above") == []


def test_all_of_them_in_a_sentence_is_an_option(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), OPTIONS.format(
        first="Call the supervisor", second="Invite all of them to the meeting",
        third="Tell none of them"))
    assert hits(course, "all-none-of-above") == []


def test_numbers_are_not_option_letters(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), OPTIONS.format(
        first="1 or 2", second="3 or 4", third="5 and 6"))
    assert hits(course, "all-none-of-above") == []


DUPLICATE_HINT = ("make every option say something different; two options alike tell learners "
                  "that neither is the single answer")


def test_duplicate_options_fires(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), OPTIONS.format(
        first="Call the supervisor", second="Log the gift", third="Call the supervisor!"))
    assert hits(course, "duplicate-options") == [
        line("10:9", "question 'o1': option 3 repeats option 1 [duplicate-options]",
             DUPLICATE_HINT)]


def test_duplicate_options_quiet(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), OPTIONS.format(
        first="Call the supervisor", second="Log the gift", third="Call the client"))
    assert hits(course, "duplicate-options") == []


# --- tf-balance, absolute-qualifier -----------------------------------------------------------


def statements(*items: tuple[str, bool]) -> str:
    return "title: Q\nquestions:\n" + "".join(
        f"  - id: s{i}\n    type: true-false\n    prompt: {text}\n    answer: {str(answer).lower()}\n"
        for i, (text, answer) in enumerate(items))


def test_tf_balance_fires(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), statements(
        ("One.", False), ("Two.", False), ("Three.", False), ("Four.", True)))
    assert hits(course, "tf-balance") == [
        line("2:1", "3 of 4 true-false questions of this quiz are 'false' (75%) [tf-balance]",
             "learners who notice it answer 'false' throughout; make between 30% and 70% of "
             "them 'false', e.g. by rewriting some statements so that they are true")]


@pytest.mark.parametrize("answers", [
    [False, False, False],  # too few to matter
    [False, False, False, True, True],  # 60%
])
def test_tf_balance_quiet(course_copy: CourseFactory, answers: list[bool]) -> None:
    course = with_quiz(course_copy("minimal"), statements(
        *((f"Statement {i}.", a) for i, a in enumerate(answers))))
    assert hits(course, "tf-balance") == []


def test_absolute_qualifier_in_false_statements_fires(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), statements(
        ("Staff must always accept gifts.", False), ("Gifts can be declined.", True)))
    assert hits(course, "absolute-qualifier") == [
        line("5:5", "question 's0': the statement is false and says 'always', while no true "
             "statement of this quiz uses such a word [absolute-qualifier]",
             "learners mark statements with always, never, only, all or none as false without "
             "knowing why; word it without them, or use them in true statements too")]


def test_absolute_qualifier_quiet_when_true_statements_use_them(
        course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), statements(
        ("Staff must always accept gifts.", False), ("Only a supervisor can approve it.", True)))
    assert hits(course, "absolute-qualifier") == []


def test_absolute_qualifier_in_wrong_options_fires(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), OPTIONS.format(
        first="Call the supervisor", second="Only log the gift", third="Thank the client"))
    assert hits(course, "absolute-qualifier") == [
        line("9:9", "question 'o1': option 2 is wrong and says 'Only', while no correct option "
             "of this quiz uses such a word [absolute-qualifier]",
             "learners rule out options with always, never, only, all or none without knowing "
             "why; word it without them, or use them in right options too")]


def test_absolute_qualifier_quiet_when_right_options_use_them(
        course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), OPTIONS.format(
        first="Always call the supervisor", second="Only log the gift", third="Thank the client"))
    assert hits(course, "absolute-qualifier") == []


# --- negative-stem ------------------------------------------------------------------------

STEM = """\
title: Q
questions:
  - id: n1
    type: single
    prompt: {prompt}
    choices:
      - text: Lending money
        correct: true
      - text: Setting contact hours
"""


@pytest.mark.parametrize(("prompt", "word"), [
    ("Which of these is not a healthy boundary?", "not"),
    ("All of these protect the client except which one?", "except"),
    ("The policy is clear. Which one isn't allowed?", "isn't"),
])
def test_negative_stem_fires(course_copy: CourseFactory, prompt: str, word: str) -> None:
    course = with_quiz(course_copy("minimal"), STEM.format(prompt=prompt))
    assert hits(course, "negative-stem") == [
        line("5:5", f"question 'n1': the question is asked negatively ('{word}') without "
             "emphasis [negative-stem]",
             "ask for what is true if you can; otherwise write the negative word in capitals "
             "or bold (**NOT**) so that learners do not miss it")]


@pytest.mark.parametrize("prompt", [
    "Which of these is NOT a healthy boundary?",
    "Which of these is **not** a healthy boundary?",
    "Which of these is *not* a healthy boundary?",
    "The policy does not allow loans. Which step comes first?",  # scenario, not the question
    'She says: "I see people recover, not just survive." Which benefit is she describing?',
    "Which of these is a healthy boundary?",
])
def test_negative_stem_quiet(course_copy: CourseFactory, prompt: str) -> None:
    course = with_quiz(course_copy("minimal"), STEM.format(prompt=f"|\n      {prompt}"))
    assert hits(course, "negative-stem") == []


# --- no-explanation, no-feedback, verdict-feedback ----------------------------------------------


def one_statement(kind: str, extra: str) -> str:
    return (f"title: Q\nkind: {kind}\nquestions:\n  - id: e1\n    type: true-false\n"
            f"    prompt: Gifts can be declined.\n    answer: true\n{extra}")


def test_no_explanation_fires(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), one_statement(
        "assessment", "    feedback_false: Policies allow it.\n"))
    assert hits(course, "no-explanation") == [
        line("4:5", "question 'e1' has no explanation [no-explanation]",
             "add 'explanation:' saying why the answer is right; learners read it in the review")]


@pytest.mark.parametrize(("kind", "extra"), [
    ("assessment", "    explanation: Policies allow it.\n"),
    ("knowledge-check", "    feedback_false: Policies allow it.\n"),  # not graded
])
def test_no_explanation_quiet(course_copy: CourseFactory, kind: str, extra: str) -> None:
    course = with_quiz(course_copy("minimal"), one_statement(kind, extra))
    assert hits(course, "no-explanation") == []


def test_no_feedback_fires(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), one_statement("knowledge-check", ""))
    assert hits(course, "no-feedback") == [
        line("4:5", "question 'e1' gives no feedback [no-feedback]",
             "a knowledge check is for learning: add 'explanation:' or 'feedback:' (correct, "
             "incorrect) saying why")]


@pytest.mark.parametrize("extra", [
    "    explanation: Policies allow it.\n",
    "    feedback:\n      incorrect: Policies allow it.\n",
    "    feedback_false: Policies allow it.\n",
])
def test_no_feedback_quiet(course_copy: CourseFactory, extra: str) -> None:
    course = with_quiz(course_copy("minimal"), one_statement("knowledge-check", extra))
    assert hits(course, "no-feedback") == []


def test_verdict_feedback_fires(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), one_statement("knowledge-check", (
        "    feedback:\n      correct: Well done!\n"
        "      incorrect: Right, policies allow it.\n"
        "    feedback_true: |\n      Correct: a polite refusal keeps the relationship.\n")))
    assert hits(course, "verdict-feedback") == [
        f"{Q}:9: warning: question 'e1': the feedback 'Well done!' only repeats the verdict "
        "the player shows [verdict-feedback]\n"
        "    hint: say why the answer is right or wrong, or remove the feedback",
        f"{Q}:10: warning: question 'e1': the feedback starts with 'Right', which the "
        "player already shows [verdict-feedback]\n"
        "    hint: start with the reason: the player shows its own verdict above it",
        f"{Q}:12: warning: question 'e1': the feedback starts with 'Correct', which the player "
        "already shows [verdict-feedback]\n"
        "    hint: start with the reason: the player shows its own verdict above it"]


def test_verdict_feedback_quiet(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), one_statement("knowledge-check", (
        "    feedback:\n      correct: A polite refusal keeps the relationship.\n"
        "      incorrect: Rightly or not, policies allow it.\n"
        "    feedback_true: Right away, thank the client and explain the policy.\n")))
    assert hits(course, "verdict-feedback") == []


# --- pool-draw ------------------------------------------------------------------------------


def pooled(pools: str, tags: list[str]) -> str:
    """A quiz with these pools and one statement per entry of `tags` (its tags, e.g. 'a, b')."""
    return f"title: Q\npools:\n{pools}questions:\n" + "".join(
        f"  - {{id: q{i}, type: true-false, prompt: Statement {i}., answer: true, "
        f"tags: [{t}], explanation: Why.}}\n" for i, t in enumerate(tags))


def test_pool_draw_same_tag_twice(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), pooled(
        "  - {tag: a, draw: 1}\n  - {tag: a, draw: 1}\n", ["a", "a", "a"]))
    assert hits(course, "pool-draw") == [
        line("4:6", "pool 2 draws from tag 'a' like pool 1 [pool-draw]",
             "use one pool with draw: 2")]


def test_pool_draw_overlapping_tags(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), pooled(
        "  - {tag: a, draw: 2}\n  - {tag: b, draw: 2}\n", ["a", "a, b", "a, b"]))
    assert hits(course, "pool-draw") == [
        line("4:6", "pool 'b' can draw only 0 of its 2 questions: 2 of its 2 questions carry "
             "the tag of an earlier pool, which may take them first [pool-draw]",
             "give each question the tag of one pool only, or lower 'draw'")]


def test_pool_draw_quiet(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), pooled(
        "  - {tag: a, draw: 1}\n  - {tag: b, draw: 1}\n", ["a", "a", "b", "a, b"]))
    assert hits(course, "pool-draw") == []


# --- the guesser ------------------------------------------------------------------------------


def guess(course_copy: CourseFactory, text: str) -> tuple[float, dict[str, float]]:
    course = with_quiz(course_copy("minimal"), text)
    quiz = compile_course(course).course.quizzes[0]
    estimate = estimate_guesser(quiz)
    return estimate.percent, dict(estimate.questions)


def test_guesser_single_by_length_and_absolutes(course_copy: CourseFactory) -> None:
    percent, shares = guess(course_copy, """\
title: Q
kind: assessment
questions:
  - id: longest
    type: single
    prompt: One?
    choices:
      - {text: Short}
      - {text: The long right answer, correct: true}
      - {text: Short too}
  - id: absolute-longest
    type: single
    prompt: Two?
    choices:
      - {text: It is always the longest option, correct: false}
      - {text: Right answer here, correct: true}
      - {text: Wrong answer here}
  - id: equal
    type: single
    prompt: Three?
    choices:
      - {text: Alpha, correct: true}
      - {text: Beta}
      - {text: Gamma}
      - {text: Delta}
""")
    # longest wins; the absolute option is dropped, leaving a tie of two; four alike
    assert shares == {"longest": 1.0, "absolute-longest": 0.5, "equal": 0.25}
    assert percent == round((1 + 0.5 + 0.25) / 3 * 100, 2)


def test_guesser_true_false(course_copy: CourseFactory) -> None:
    percent, shares = guess(course_copy, "kind: assessment\n" + statements(
        ("Staff must always accept gifts.", False),  # absolute: says false, right
        ("Supervision may help.", True),  # hedge: says true, right
        ("Gifts are logged.", True),  # no cue: either
        ("Never lend money.", True),  # absolute: says false, wrong
    ))
    assert shares == {"s0": 1.0, "s1": 1.0, "s2": 0.5, "s3": 0.0}
    assert percent == 62.5


MATCHING = """\
title: Q
kind: assessment
{shuffle}questions:
  - id: m
    type: matching
    prompt: Match.
    pairs:
      - {{source: One, target: Uno}}
      - {{source: Two, target: Dos}}
      - {{source: Three, target: Tres}}
    distractors: [{distractors}]
"""


@pytest.mark.parametrize(("shuffle", "distractors", "share"), [
    ("shuffle_choices: false\n", "", 1.0),  # the targets in pair order
    ("", "", 1 / 6),  # a one-to-one guess among 3 targets
    ("", "Cuatro", 1 / 24),  # ... among 4 targets
])
def test_guesser_matching(course_copy: CourseFactory, shuffle: str, distractors: str,
                          share: float) -> None:
    percent, shares = guess(course_copy, MATCHING.format(shuffle=shuffle,
                                                         distractors=distractors))
    assert shares == {"m": round(share, 4)}
    assert percent == round(share * 100, 2)


@pytest.mark.parametrize(("scoring", "share"), [("all-or-nothing", 1 / 6), ("partial", 1 / 3)])
def test_guesser_ordering(course_copy: CourseFactory, scoring: str, share: float) -> None:
    _, shares = guess(course_copy, "title: Q\nkind: assessment\nquestions:\n  - id: o\n"
                      f"    type: ordering\n    prompt: Order.\n    scoring: {scoring}\n"
                      "    items: [First, Second, Third]\n")
    assert shares == {"o": round(share, 4)}


@pytest.mark.parametrize(("scoring", "share"), [("all-or-nothing", 1.0), ("partial", 1.0)])
def test_guesser_multiple_ticks_the_longer_options(course_copy: CourseFactory, scoring: str,
                                                   share: float) -> None:
    _, shares = guess(course_copy, f"""\
title: Q
kind: assessment
questions:
  - id: m
    type: multiple
    scoring: {scoring}
    prompt: Which?
    choices:
      - {{text: Discuss it openly with the client, correct: true}}
      - {{text: Bring it to supervision soon, correct: true}}
      - {{text: Ignore it}}
      - {{text: Laugh}}
""")
    assert shares == {"m": share}


def test_guesser_multiple_partial_credit(course_copy: CourseFactory) -> None:
    # average 3.25 words: ticks a (right) and c (wrong): (1 - 1) / 2 with partial credit
    _, shares = guess(course_copy, """\
title: Q
kind: assessment
questions:
  - id: m
    type: multiple
    scoring: partial
    prompt: Which?
    choices:
      - {text: Discuss it with the client, correct: true}
      - {text: Supervision, correct: true}
      - {text: Keep it a secret}
      - {text: Laugh}
""")
    assert shares == {"m": 0.0}


def test_guesser_uses_a_position_that_chance_does_not_explain(
        course_copy: CourseFactory) -> None:
    percent, shares = guess(course_copy, positions_quiz([1, 1, 1, 1, 2]).replace(
        "title: Q\n", "title: Q\nkind: assessment\n"))
    # 4 of 5 answers in place 2 (by chance: P = 0.016): the guesser picks place 2
    assert shares == {"p0": 1.0, "p1": 1.0, "p2": 1.0, "p3": 1.0, "p4": 0.0}
    assert percent == 80.0


def test_guesser_ignores_a_position_that_chance_explains(course_copy: CourseFactory) -> None:
    percent, shares = guess(course_copy, positions_quiz([1, 1, 1, 2]).replace(
        "title: Q\n", "title: Q\nkind: assessment\n"))
    # 3 of 4 could be chance (P = 0.051): no position cue, a guess among four alike options
    assert shares == {"p0": 0.25, "p1": 0.25, "p2": 0.25, "p3": 0.25}
    assert percent == 25.0


def test_guesser_points_pools_and_free_text(course_copy: CourseFactory) -> None:
    percent, shares = guess(course_copy, """\
title: Q
kind: assessment
pools:
  - {tag: a, draw: 1}
questions:
  - {id: right, type: true-false, prompt: Never lend money., answer: false, points: 2, tags: [a]}
  - {id: wrong, type: true-false, prompt: Always log gifts., answer: true, tags: [a]}
  - {id: word, type: fill-in, prompt: Term?, answers: [dual], tags: [a]}
  - {id: off, type: true-false, prompt: Never drawn., answer: false}
""")
    assert shares == {"right": 1.0, "wrong": 0.0, "word": 0.0, "off": 1.0}
    # each tagged question drawn with chance 1/3: (2 * 1) / (2 + 1 + 1)
    assert percent == 50.0
    assert math.isclose(percent, 2 / 4 * 100)


GUESSABLE = ("a learner who answers by cues alone (the longest option, absolute words, the "
             "answer's usual position, the order of matching targets) scores about {p}%, "
             "reaching the pass mark of {m}% [guessable]")
GUESSABLE_HINT = ("fix the other item-writing warnings of this quiz; `scormbuild check --json` "
                  "lists the guesser's expected score per question")


def test_guessable_fires(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), "kind: assessment\npass_mark: 75\n" + statements(
        ("Staff must always accept gifts.", False), ("Gifts are logged.", True)))
    assert hits(course, "guessable") == [line("2:1", GUESSABLE.format(p=75, m=75),
                                              GUESSABLE_HINT)]


def test_guessable_without_pass_mark_key_points_at_questions(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), "kind: assessment\n" + statements(
        ("Staff must always accept gifts.", False), ("Never lend money.", False)))
    assert hits(course, "guessable") == [line("3:1", GUESSABLE.format(p=100, m=80),
                                              GUESSABLE_HINT)]


def test_guessable_quiet(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), "kind: assessment\npass_mark: 80\n" + statements(
        ("Staff must always accept gifts.", False), ("Gifts are logged.", True)))
    assert hits(course, "guessable") == []


# --- check --json -------------------------------------------------------------------------------


def test_check_json_reports_rule_hits_and_estimates(course_copy: CourseFactory) -> None:
    course = with_quiz(course_copy("minimal"), "kind: assessment\npass_mark: 75\n" + statements(
        ("Staff must always accept gifts.", False), ("Gifts are logged.", True)))
    result = CliRunner().invoke(app, ["check", str(course), "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    (entry,) = report["courses"]
    assert (entry["source"], entry["errors"], entry["warnings"]) == (str(course), 0, 4)
    assert entry["lint"] == [
        {"rule": "guessable", "path": f"{course}/{Q}", "line": 2,
         "message": GUESSABLE.format(p=75, m=75).removesuffix(" [guessable]")},
        {"rule": "no-explanation", "path": f"{course}/{Q}", "line": 5,
         "message": "question 's0' has no explanation"},
        {"rule": "absolute-qualifier", "path": f"{course}/{Q}", "line": 7,
         "message": "question 's0': the statement is false and says 'always', while no true "
                    "statement of this quiz uses such a word"},
        {"rule": "no-explanation", "path": f"{course}/{Q}", "line": 9,
         "message": "question 's1' has no explanation"}]
    assert [d["rule"] for d in entry["diagnostics"]] == [h["rule"] for h in entry["lint"]]
    assert entry["guesser"] == [{"quiz": "q", "path": f"{course}/{Q}", "estimate": 75.0,
                                 "pass_mark": 75, "reaches_pass_mark": True,
                                 "questions": {"s0": 1.0, "s1": 0.5}}]
    assert entry["durations"] == [{"lesson": "only", "path": f"{course}/lessons/only.md",
                                   "words": 3, "media_minutes": 0, "unknown_media": 0,
                                   "estimate_minutes": 1, "stated_minutes": None}]
    assert "[guessable]" in result.stderr  # the text report still goes to stderr
    strict = CliRunner().invoke(app, ["check", str(course), "--json", "--strict"])
    assert strict.exit_code == 1
    assert json.loads(strict.stdout)["courses"][0]["ok"] is False
