"""gift.py: Moodle GIFT files read into quizzes; every construct, and errors at the GIFT line."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

import pytest

from scormbuild.gift import load_gift, unescape
from scormbuild.model import build_course
from scormbuild.pipeline import check
from scormbuild.quiz import Quiz, score_question
from scormbuild.sources import read_course
from support import without_item_rules

FIXTURE = Path(__file__).parent / "fixtures" / "gift" / "all-constructs.gift"

COURSE = """\
id: g
title: G
completion: {all_lessons_viewed: false, assessment_passed: false}
outline:
  - quiz: bank
"""


def course(tmp_path: Path, gift: str) -> Path:
    root = tmp_path / "course"
    shutil.rmtree(root, ignore_errors=True)
    (root / "quizzes").mkdir(parents=True)
    (root / "course.yml").write_text(COURSE, encoding="utf-8")
    (root / "quizzes" / "bank.gift").write_text(gift, encoding="utf-8")
    return root


def bank(tmp_path: Path) -> Quiz:
    sources = read_course(course(tmp_path, FIXTURE.read_text(encoding="utf-8")))
    built, diags = build_course(sources)
    assert [d.render() for d in [*sources.diagnostics, *diags] if d.is_error] == []
    assert built is not None and built.pages[0].quiz is not None
    return built.pages[0].quiz


def test_settings_from_comments(tmp_path: Path) -> None:
    quiz = bank(tmp_path)
    assert (quiz.title, quiz.graded, quiz.pass_mark, quiz.attempts) == ("GIFT bank", True, 70, 2)
    assert [(p.tag, p.draw) for p in quiz.pools] == [("Safety", 1), ("Numbers", 4), ("Words", 5)]


def test_every_construct(tmp_path: Path) -> None:
    q = {x.id: x for x in bank(tmp_path).questions}
    assert list(q) == ["dual-roles", "q2", "pick-primes", "sky", "sun", "pi", "range", "several",
                       "capital", "escapes", "match", "tricky-title", "multi-correct"]
    # titles, [markdown] marker, per-answer and general feedback, $CATEGORY as a tag
    dual = q["dual-roles"]
    assert (dual.type, dual.prompt, dual.tags) == (
        "single", "A client invites you to a **party**. What do you do?", ("Safety",))
    assert [(c.id, c.correct, c.feedback) for c in dual.choices] == [
        ("a", True, "Right: it keeps the relationship professional."),
        ("b", False, "No: this creates a dual relationship."), ("c", False, None)]
    assert dual.explanation == "Boundaries protect clients and staff."
    # weights -> multiple with partial credit
    primes = q["pick-primes"]
    assert (primes.type, primes.partial, primes.correct_ids) == ("multiple", True, ("a", "b"))
    assert score_question(primes, ["a"]) == 0.5
    # true/false: Moodle shows the first feedback for a wrong answer, the second for a right one
    assert (q["sky"].type, q["sky"].correct_ids) == ("true-false", ("t",))
    sun = q["sun"]
    assert sun.correct_ids == ("f",)
    # plain-text GIFT (no [markdown] marker) is made literal for the markdown renderer
    assert [c.feedback for c in sun.choices] == ["Right\\, it does not\\.",
                                                 "No\\: the earth orbits the sun\\."]
    # numeric: tolerance, range, several answers (first full-credit one kept)
    assert (q["pi"].answer, q["pi"].tolerance) == (3.14, 0.005)
    assert (q["range"].minimum, q["range"].maximum) == (1, 3)
    assert (q["several"].answer, q["several"].feedback_correct) == (7, "Exactly\\.")
    # short answer in missing-word form
    cap = q["capital"]
    assert cap.type == "fill-in" and cap.answers == ("Paris", "paris city")
    assert cap.prompt == "The capital of France is \\_\\_\\_\\_\\_ on the Seine\\."
    assert cap.tags == ("Words",)
    # escapes
    esc = q["escapes"]
    assert esc.prompt == ("Which sign is the equality sign \\= \\(not \\~\\)\\, hash \\#\\, "
                          "braces \\{\\} and colon \\:\\?")
    assert [c.text for c in esc.choices] == ["\\=", "\\~", "\\#"] and esc.correct_ids == ("a",)
    # matching with a distractor (empty left side)
    match = q["match"]
    assert [s.text for s in match.sources] == ["Boundary", "Dual relationship"]
    assert [t.text for t in match.targets][-1] == "An unrelated definition"
    assert match.pairs == (("1", "a"), ("2", "b"))
    assert q["tricky-title"].explanation == "Because\\."
    assert q["multi-correct"].type == "multiple" and not q["multi-correct"].partial


def test_partial_numeric_answer_is_a_warning(tmp_path: Path) -> None:
    warnings = [d.render() for d in without_item_rules(check(course(tmp_path, FIXTURE.read_text())))
                if not d.is_error]
    assert warnings == [
        "quizzes/bank.gift:38: warning: numeric answer '6:0' is left out (50% credit)\n"
        "    hint: scormbuild keeps the first full-credit numeric answer; widen its tolerance "
        "or range instead"]


def test_unescape() -> None:
    assert unescape(r"a\=b\~c\#d\{e\}f\:g\\h\ni") == "a=b~c#d{e}f:g\\h\ni"


def test_title_defaults_to_file_name() -> None:
    tree, diags = load_gift("Q?{T}\n", PurePosixPath("quizzes/safety-basics.gift"))
    assert diags == [] and tree["title"] == "Safety basics"


BAD = [
    ("no-answer-block", "// scormbuild: kind: assessment\n\nJust a description.\n",
     "quizzes/bank.gift:3: error: question has no answer block '{...}'\n"
     "    hint: descriptions are not supported: add answers in braces, e.g. {=yes ~no}"),
    ("essay", "::E::Write an essay.{}\n",
     "quizzes/bank.gift:1: error: essay questions ({}) are not supported\n"
     "    hint: give the accepted answers, e.g. {=answer}, or remove the question"),
    ("unclosed", "Q1?{T}\n\nQ2?{=a\n~b\n",
     "quizzes/bank.gift:3: error: answer block '{' is not closed\n"
     "    hint: add the closing '}', or write \\{ for a literal brace"),
    ("no-blank-line", "Q1?{T}\nQ2?{F}\n",
     "quizzes/bank.gift:2: error: a second question starts here without a blank line before it\n"
     "    hint: separate questions with an empty line"),
    ("bad-numeric", "Q?\n{#\n=seven\n}\n",
     "quizzes/bank.gift:3: error: 'seven' is not a numeric answer\n"
     "    hint: write a number, number:tolerance (5:0.5) or a range (1..3)"),
    ("numeric-min-above-max", "\n\nQ?{#5..1}\n",
     "quizzes/bank.gift:3:1: error: numeric range has min 5 above max 1\n"
     "    hint: swap the two values"),
    ("matching-with-tilde", "Q?{\n=a -> 1\n~b -> 2\n}\n",
     "quizzes/bank.gift:3: error: a matching answer needs the form '=source -> target'\n"
     "    hint: write every pair as =left -> right; '~' is not used in matching"),
    ("matching-one-pair", "Q?{\n=a -> 1\n}\n",
     "quizzes/bank.gift:1:1: error: questions[1].pairs: list should have at least 2 items after "
     "validation, not 1\n    hint: list from 2 to 9 pairs, each as '- source: ...' with "
     "'target: ...'"),
    ("single-no-correct", "// x\nQ?{~a ~b}\n",
     "quizzes/bank.gift:2:1: error: question 'q1' has no correct choice\n"
     "    hint: mark the right answer with 'correct: true'"),
    ("bad-setting", "// scormbuild: pass_mark: 120\n\nQ?{T}\n",
     "quizzes/bank.gift:1:16: error: pass_mark: input should be less than or equal to 100, "
     "found 120\n    hint: write the pass mark as a whole number from 0 to 100, without %"),
    ("numeric-range-overflow", "Q?\n{#1..1e999}\n",
     "quizzes/bank.gift:2: error: number 1e999 is too large\n"
     "    hint: write a number below 1e308 (numbers this large cannot be answered or scored)"),
    ("numeric-tolerance-overflow", "Q?{#=5:2e308 =%50%4}\n",
     "quizzes/bank.gift:1: error: number 2e308 is too large\n"
     "    hint: write a number below 1e308 (numbers this large cannot be answered or scored)"),
    ("numeric-answer-overflow-digits", "Q?{#" + "9" * 400 + "}\n",
     "quizzes/bank.gift:1: error: number 99999999999999999999... is too large\n"
     "    hint: write a number below 1e308 (numbers this large cannot be answered or scored)"),
    ("answer-weight-over-100", "Q?{\n~%50%a\n~%150%b\n~c}\n",
     "quizzes/bank.gift:3: error: answer weight 150% is outside -100% to 100%\n"
     "    hint: write a percentage from -100 to 100, e.g. ~%50%half right"),
    ("empty-file", "",
     "quizzes/bank.gift:1: error: GIFT file has no questions\n"
     "    hint: write questions in GIFT separated by blank lines, e.g. '::Q1:: 2 + 2 = {=4 ~5}'; "
     "or delete the file and its outline entry"),
    ("only-settings", "// scormbuild: kind: assessment\n// a comment\n\n",
     "quizzes/bank.gift:1: error: GIFT file has no questions\n"
     "    hint: write questions in GIFT separated by blank lines, e.g. '::Q1:: 2 + 2 = {=4 ~5}'; "
     "or delete the file and its outline entry"),
    ("control-character", "::Q1:: Is it\x1b true? {T}\n",
     "quizzes/bank.gift:1:13: error: contains the invisible control character U+001B (escape)\n"
     "    hint: delete it (most editors do not show it; it often comes with text pasted from "
     "another program): a package cannot contain it"),
    ("escaped-control-in-setting", '// scormbuild: title: "Bank\\a"\n\nQ?{T}\n',
     "quizzes/bank.gift:1: error: title: contains the invisible control character U+0007 "
     "(bell)\n    hint: delete it (most editors do not show it; it often comes with text pasted "
     "from another program): a package cannot contain it"),
    ("unknown-setting", "// scormbuild: pass_mrk: 80\n\nQ?{T}\n",
     "quizzes/bank.gift:1:16: error: unknown key 'pass_mrk'\n    hint: did you mean 'pass_mark'?"),
    ("pool-too-big", "// scormbuild: pools: [{tag: x, draw: 2}]\n$CATEGORY: x\n\nQ?{T}\n",
     "quizzes/bank.gift:1:33: error: pool 'x' draws 2 questions but only 1 carry that tag\n"
     "    hint: lower 'draw' to 1 or tag more questions with 'x'"),
]


@pytest.mark.parametrize(("gift", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_errors_point_at_the_gift_line(tmp_path: Path, gift: str, expected: str) -> None:
    errors = [d.render() for d in check(course(tmp_path, gift)) if d.is_error]
    assert errors == [expected]
