"""quiz.py: building questions from specs, semantic checks (exact rendered lines), scoring."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from scormbuild.model import Course, build_course
from scormbuild.patterns import PatternError, compile_pattern
from scormbuild.pipeline import check
from scormbuild.quiz import Choice, Question, Quiz, normalize_text, score_question
from scormbuild.sources import read_course

COURSES = Path(__file__).parent / "fixtures" / "courses"


def load(root: Path) -> Course:
    sources = read_course(root)
    course, diags = build_course(sources)
    assert [d.render() for d in [*sources.diagnostics, *diags] if d.is_error] == []
    assert course is not None
    return course


@pytest.fixture
def every_type() -> Quiz:
    quiz = load(COURSES / "all-question-types").pages[1].quiz
    assert quiz is not None
    return quiz


def question(quiz: Quiz, qid: str) -> Question:
    return next(q for q in quiz.questions if q.id == qid)


def test_quiz_settings(every_type: Quiz) -> None:
    assert every_type.graded and every_type.counts
    assert (every_type.pass_mark, every_type.attempts) == (80, 2)
    assert every_type.after_last_attempt == "show-answers"
    assert [q.type for q in every_type.questions] == [
        "single", "multiple", "true-false", "fill-in", "numeric", "matching", "ordering", "likert"]
    assert every_type.max_points == 8  # multiple has 2 points, likert none


def test_ids_and_sides(every_type: Quiz) -> None:
    assert question(every_type, "single").correct_ids == ("b",)
    assert question(every_type, "truefalse").correct_ids == ("t",)
    match = question(every_type, "matching")
    assert [s.id for s in match.sources] == ["1", "2"]
    assert [(t.id, t.text) for t in match.targets] == [("a", "Uno"), ("b", "Dos"), ("c", "Tres")]
    assert match.pairs == (("1", "a"), ("2", "b"))
    assert [i.id for i in question(every_type, "ordering").items] == ["a", "b", "c"]
    assert [c.id for c in question(every_type, "opinion").choices] == ["1", "2", "3"]


CASES: list[tuple[str, Any, float]] = [
    ("single", "b", 1), ("single", "a", 0), ("single", None, 0),
    ("multiple", ["a", "c"], 1), ("multiple", ["a"], 0.5), ("multiple", ["a", "b"], 0),
    ("multiple", ["a", "b", "c"], 0.5), ("multiple", [], 0),
    ("truefalse", "t", 1), ("truefalse", "f", 0),
    ("fillin", "paris", 1), ("fillin", "  Lutetia ", 1), ("fillin", "Rome", 0),
    ("numeric", 3.14, 1), ("numeric", 3.15, 1), ("numeric", 3.13, 1), ("numeric", 3.2, 0),
    ("numeric", "3.14", 0), ("numeric", True, 0),
    ("matching", {"1": "a", "2": "b"}, 1), ("matching", {"1": "b", "2": "a"}, 0),
    ("matching", {"1": "a"}, 0),
    ("ordering", ["a", "b", "c"], 1), ("ordering", ["b", "a", "c"], 0),
    ("opinion", "3", 0),
]


@pytest.mark.parametrize(("qid", "response", "expected"), CASES,
                         ids=[f"{c[0]}-{c[1]!r}" for c in CASES])
def test_score_question(every_type: Quiz, qid: str, response: Any, expected: float) -> None:
    assert score_question(question(every_type, qid), response) == pytest.approx(expected)


def make_q(**fields: Any) -> Question:
    base: dict[str, Any] = dict(id="q", type="fill-in", prompt="p", points=1,
                                feedback_correct=None, feedback_incorrect=None, hint=None,
                                explanation=None, tags=())
    return Question(**{**base, **fields})


def test_fill_in_case_and_pattern() -> None:
    q = make_q(answers=("Paris",), case_sensitive=True)
    assert score_question(q, "Paris") == 1 and score_question(q, "paris") == 0
    q = make_q(pattern=r"colou?r", answers=())
    assert score_question(q, "COLOR") == 1 and score_question(q, "colours") == 0
    assert normalize_text("  a \t b  ", False) == "a b"


def test_numeric_range() -> None:
    q = make_q(type="numeric", minimum=1.0, maximum=3.0)
    assert [score_question(q, v) for v in (0.99, 1, 2.5, 3, 3.01)] == [0, 1, 1, 1, 0]


def test_pools_limit_max_points(tmp_path: Path) -> None:
    root = course_with_quiz(tmp_path, """\
title: Pools
kind: assessment
pools: [{tag: easy, draw: 1}, {tag: hard, draw: 1}]
questions:
  - {id: e1, type: true-false, prompt: x, answer: true, tags: [easy]}
  - {id: e2, type: true-false, prompt: x, answer: true, tags: [easy], points: 3}
  - {id: h1, type: true-false, prompt: x, answer: true, tags: [hard], points: 2}
""")
    quiz = load(root).pages[1].quiz
    assert quiz is not None and quiz.max_points == 5  # the richest draw: 3 + 2


def test_weight_zero_does_not_count(tmp_path: Path) -> None:
    root = course_with_quiz(tmp_path, "title: Practice\nkind: assessment\nweight: 0\nquestions:\n"
                            "  - {id: a, type: true-false, prompt: x, answer: true}\n")
    assert rendered(root) == [
        "course.yml:5:3: error: completion requires a passed assessment, but the course has no "
        "graded quiz that counts\n    hint: add a quiz with 'kind: assessment' and a weight above "
        "0, or set assessment_passed: false"]


# --- bad specs: the exact rendered diagnostic -----------------------------------------------

COURSE_YML = """\
id: t
title: T
completion:
  all_lessons_viewed: true
  assessment_passed: false
outline:
  - lesson: intro
  - quiz: q
"""


def course_with_quiz(tmp_path: Path, quiz: str, name: str = "q.yml") -> Path:
    root = tmp_path / "course"
    shutil.rmtree(root, ignore_errors=True)
    (root / "lessons").mkdir(parents=True)
    (root / "quizzes").mkdir()
    assessed = "kind: assessment" in quiz and "weight: 0" not in quiz
    (root / "course.yml").write_text(
        COURSE_YML.replace("assessment_passed: false", "assessment_passed: true")
        if assessed or "weight: 0" in quiz else COURSE_YML, encoding="utf-8")
    (root / "lessons" / "intro.md").write_text("---\ntitle: Intro\n---\n\nHello.\n",
                                               encoding="utf-8")
    (root / "quizzes" / name).write_text(quiz, encoding="utf-8")
    return root


def rendered(root: Path) -> list[str]:
    return [d.render() for d in check(root) if d.is_error]


BAD: list[tuple[str, str, str]] = [
    ("no-correct", """\
title: Q
questions:
  - id: a
    type: single
    prompt: x
    choices:
      - text: A
      - text: B
""", "quizzes/q.yml:6:5: error: question 'a' has no correct choice\n"
         "    hint: mark the right answer with 'correct: true'"),
    ("two-correct-single", """\
title: Q
questions:
  - id: a
    type: single
    prompt: x
    choices:
      - {text: A, correct: true}
      - {text: B, correct: true}
""", "quizzes/q.yml:6:5: error: single-choice question 'a' has 2 correct choices\n"
         "    hint: keep one 'correct: true', or use 'type: multiple'"),
    ("duplicate-choice-id", """\
title: Q
questions:
  - id: a
    type: multiple
    prompt: x
    choices:
      - {id: a, text: A, correct: true}
      - {id: a, text: B}
""", "quizzes/q.yml:8:10: error: duplicate choice id 'a'\n"
         "    hint: give each choice its own id, or leave ids out to get a, b, c"),
    ("duplicate-question-id", """\
title: Q
questions:
  - {id: a, type: true-false, prompt: x, answer: true}
  - {id: a, type: true-false, prompt: y, answer: false}
""", "quizzes/q.yml:4:6: error: duplicate question id 'a'\n"
         "    hint: give every question in a quiz its own id"),
    ("pool-too-big", """\
title: Q
pools:
  - tag: t
    draw: 3
questions:
  - {id: a, type: true-false, prompt: x, answer: true, tags: [t]}
""", "quizzes/q.yml:4:5: error: pool 't' draws 3 questions but only 1 carry that tag\n"
         "    hint: lower 'draw' to 1 or tag more questions with 't'"),
    ("numeric-min-above-max", """\
title: Q
questions:
  - id: a
    type: numeric
    prompt: x
    min: 5
    max: 1
""", "quizzes/q.yml:6:5: error: numeric range has min 5 above max 1\n"
         "    hint: swap the two values"),
    ("numeric-no-answer", """\
title: Q
questions:
  - id: a
    type: numeric
    prompt: x
    min: 5
""", "quizzes/q.yml:3:5: error: numeric question 'a' has no answer\n"
         "    hint: add 'answer:' (and 'tolerance:') or 'min:' and 'max:'"),
    ("pass-mark-out-of-range", """\
title: Q
pass_mark: 120
questions:
  - {id: a, type: true-false, prompt: x, answer: true}
""", "quizzes/q.yml:2:1: error: pass_mark: input should be less than or equal to 100, "
         "found 120\n    hint: write the pass mark as a whole number from 0 to 100, without %"),
    ("matching-pair-without-target", """\
title: Q
questions:
  - id: a
    type: matching
    prompt: x
    pairs:
      - {source: One, target: Uno}
      - {source: Two}
""", "quizzes/q.yml:8:9: error: missing required key 'questions[1].pairs[2].target'\n"
         "    hint: add 'target:' here; run `scormbuild docs quizzes`"),
    ("matching-distractor-is-target", """\
title: Q
questions:
  - id: a
    type: matching
    prompt: x
    pairs:
      - {source: One, target: Uno}
      - {source: Two, target: Dos}
    distractors: [Uno]
""", "quizzes/q.yml:9:5: error: distractor 'Uno' is also a correct target\n"
         "    hint: remove it from 'distractors'"),
    ("fill-in-bad-pattern", """\
title: Q
questions:
  - {id: a, type: fill-in, prompt: x, pattern: "(ab"}
""", "quizzes/q.yml:3:39: error: pattern '(ab': '(' is never closed (at character 1)\n"
         "    hint: add the missing ')', or escape it as \\("),
    ("after-last-attempt-typo", """\
title: Q
after_last_attempt: show
questions:
  - {id: a, type: true-false, prompt: x, answer: true}
""", "quizzes/q.yml:2:1: error: after_last_attempt: input should be 'show-answers' or "
         "'lock', found 'show'\n    hint: write show-answers or lock"),
]


@pytest.mark.parametrize(("quiz", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_spec_diagnostic(tmp_path: Path, quiz: str, expected: str) -> None:
    assert rendered(course_with_quiz(tmp_path, quiz)) == [expected]


# --- ordering with partial credit, matching with shared targets --------------------------------


def test_ordering_partial_credit_counts_items_in_their_correct_position() -> None:
    items = tuple(Choice(i, i.upper()) for i in "abcd")
    strict = make_q(type="ordering", items=items)
    partial = make_q(type="ordering", items=items, partial=True)
    cases = [(["a", "b", "c", "d"], 1, 1), (["b", "a", "c", "d"], 0, 0.5),
             (["a", "c", "b", "d"], 0, 0.5), (["d", "c", "b", "a"], 0, 0),
             (["d", "a", "b", "c"], 0, 0),  # all shifted by one: no item in its place
             (["a", "b", "d", "c"], 0, 0.5), (["a", "b", "c"], 0, 0), ([], 0, 0)]
    for order, whole, share in cases:
        assert (score_question(strict, order), score_question(partial, order)) == (whole, share)


def test_ordering_scoring_key(tmp_path: Path) -> None:
    root = course_with_quiz(tmp_path, """\
title: Q
questions:
  - {id: a, type: ordering, prompt: x, items: [One, Two, Three], scoring: partial}
  - {id: b, type: ordering, prompt: x, items: [One, Two, Three]}
""")
    quiz = load(root).pages[1].quiz
    assert quiz is not None
    assert [q.partial for q in quiz.questions] == [True, False]
    assert score_question(quiz.questions[0], ["a", "c", "b"]) == pytest.approx(1 / 3)


SHARED_TARGETS = """\
title: Q
questions:
  - id: zones
    type: matching
    prompt: Sort these behaviours into the three zones.
    pairs:
      - {source: Forgets to return calls, target: Under-involved}
      - {source: Keeps clients at arm's length, target: Under-involved}
      - {source: Explains what they can and cannot do, target: Helpful}
      - {source: Lends a client money, target: Over-involved}
      - {source: Texts a client late at night, target: Over-involved}
    distractors: [Not applicable]
"""


def test_matching_sources_may_share_a_target(tmp_path: Path) -> None:
    quiz = load(course_with_quiz(tmp_path, SHARED_TARGETS)).pages[1].quiz
    assert quiz is not None
    q = quiz.questions[0]
    assert [(t.id, t.text) for t in q.targets] == [
        ("a", "Under-involved"), ("b", "Helpful"), ("c", "Over-involved"), ("d", "Not applicable")]
    assert [s.id for s in q.sources] == ["1", "2", "3", "4", "5"]
    assert q.pairs == (("1", "a"), ("2", "a"), ("3", "b"), ("4", "c"), ("5", "c"))
    right = {"1": "a", "2": "a", "3": "b", "4": "c", "5": "c"}
    assert score_question(q, right) == 1
    assert score_question(q, {**right, "2": "c"}) == 0
    assert score_question(q, {**right, "5": "d"}) == 0


def test_matching_distractor_equal_to_a_shared_target_is_an_error(tmp_path: Path) -> None:
    quiz = SHARED_TARGETS.replace("[Not applicable]", "[Helpful]")
    assert rendered(course_with_quiz(tmp_path, quiz)) == [
        "quizzes/q.yml:12:5: error: distractor 'Helpful' is also a correct target\n"
        "    hint: remove it from 'distractors'"]


# --- fill-in patterns: the supported subset ---------------------------------------------------
REFUSED_PATTERNS = {
    r"(\w+)\1": "back-references such as '\\1' are not supported",
    r"(?i)colou?r": "inline flags such as '(?i)' are not supported",
    r"(?=a)a": "lookahead and lookbehind groups are not supported",
    r"(?<!a)b": "lookahead and lookbehind groups are not supported",
    r"(?P<x>a)": "named groups are not supported",
    r"(?<x>a)": "named groups are not supported",
    r"\bcat\b": "word boundaries ('\\b') are not supported",
    r"\Acat\Z": "'\\A' is not supported",
    r"a{,3}": "'{,3}' has no lower bound",  # Python: {0,3}; JavaScript: the text "{,3}"
    r"a{3,1}": "has its larger number first",
    r"a{101}": "above 100",
    r"a*+": "'+' right after the quantifier",  # possessive in Python 3.11+, an error in JS
    r"a**": "'*' right after the quantifier",
    r"+a": "'+' has nothing before it to repeat",
    r"a}": "'}' on its own is not allowed",  # a literal in Python and JS, an error with /u
    r"[]a]": "'[]' is an empty set",  # Python: the set of ] and a; JavaScript: never matches
    r"[[a]": "'[' inside a set",  # a nested set in Python's future syntax
    r"[z-a]": "range 'z-a' is backwards",
    r"[\d-z]": "a range needs a single character at each end",
    r"a\q": "'\\q' is not a supported escape",
    r"\u00e9": "'\\u' is not a supported escape",
    r"a^b": "'^' can only start the pattern",
    r"a$b": "'$' can only end the pattern",
    r"(ab": "'(' is never closed",
    r"ab)": "')' closes a group that was never opened",
    r"[ab": "'[' is never closed",
    "a\\": "the pattern ends with a lone '\\'",
    r"(a|b)*a(a|b){12}": "too complex for the player's answer checker",
    r"((a{100}){100}){100}": "too large for the player's answer checker",
}


@pytest.mark.parametrize("pattern", sorted(REFUSED_PATTERNS))
def test_patterns_outside_the_subset_are_refused(pattern: str) -> None:
    with pytest.raises(PatternError) as err:
        compile_pattern(pattern, False)
    assert REFUSED_PATTERNS[pattern] in err.value.message
    assert err.value.hint


def test_pattern_diagnostic_points_at_the_pattern_line(tmp_path: Path) -> None:
    root = course_with_quiz(tmp_path, """\
title: Q
questions:
  - id: a
    type: fill-in
    prompt: x
    pattern: (\\w+) \\1
""")
    assert rendered(root) == [
        "quizzes/q.yml:6:5: error: pattern '(\\w+) \\1': back-references such as '\\1' are not "
        "supported (at character 7)\n"
        "    hint: write the repeated text out, or list the answers"]


def test_catastrophic_pattern_scores_in_linear_time() -> None:
    """`(a+)+$` backtracks exponentially in Python's re too; the machine does not."""
    q = make_q(pattern=r"(a+)+$", answers=(), machine=compile_pattern(r"(a+)+$", False))
    assert score_question(q, "a" * 100_000 + "b") == 0
    assert score_question(q, "A" * 31) == 1
