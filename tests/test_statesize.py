"""statesize.py against the real codec: Node runs templates/static/state.js on the worst state."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scormbuild.model import Course
from scormbuild.pipeline import compile_course
from scormbuild.quiz import Question
from scormbuild.statesize import (
    FILL_IN_MAX,
    LIMIT,
    SEED_MAX,
    STARTED_MAX,
    UNLIMITED_ATTEMPTS,
    estimate_state,
    worst_draw,
)
from scormbuild.theme import Texts, player_data
from support import REPO, write

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs node")
STATE_JS = REPO / "templates" / "static" / "state.js"
RUNNER = """
const Codec = require(process.argv[1]);
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const text = Codec.encode(input.state, input.data);
const back = Codec.decode(text, input.data);
process.stdout.write(JSON.stringify({length: text.length, limit: Codec.LIMIT,
  fillInMax: Codec.FILL_IN_MAX, answers: back && back.active[input.quiz] ?
  back.active[input.quiz].answers : null}));
"""


def worst_response(q: Question) -> Any:
    if q.type == "multiple":
        return [c.id for c in q.choices]
    if q.type == "ordering":
        return [i.id for i in q.items]
    if q.type == "matching":
        return {s.id: "z" for s in q.sources}
    if q.type == "fill-in":
        return "%" * (FILL_IN_MAX * 2)  # each escapes to three characters, never an answer
    if q.type == "numeric":
        return "9" * 100
    return q.choices[-1].id


def worst_state(course: Course, quiz_name: str) -> dict[str, Any]:
    quiz = next(q for q in course.quizzes if q.name == quiz_name)
    order = worst_draw(quiz)
    return {
        "page": len(course.pages) - 1,
        "seen": [True] * len(course.pages),
        "quizzes": {q.name: {"attempts": q.attempts or UNLIMITED_ATTEMPTS, "best": 100}
                    for q in course.quizzes},
        "active": {quiz_name: {
            "seed": SEED_MAX, "cursor": len(order) - 1, "order": order,
            "answers": {str(i): worst_response(quiz.questions[i]) for i in order},
            "checked": {str(i): True for i in order},
            "started": STARTED_MAX * 1000 if quiz.time_limit_minutes else None}},
    }


def run_codec(course: Course, quiz_name: str) -> dict[str, Any]:
    data = player_data(course, Texts({}, {}), {})
    payload = json.dumps({"state": worst_state(course, quiz_name), "data": data,
                          "quiz": quiz_name})
    assert NODE is not None
    out = subprocess.run([NODE, "-e", RUNNER, str(STATE_JS)], input=payload, text=True,
                         capture_output=True, check=True, timeout=60)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


QUESTIONS = {
    "single": "type: single\n    choices: [{text: A, correct: true}, {text: B}, {text: C}]",
    "multiple": "type: multiple\n    choices: [{text: A, correct: true}, {text: B}, {text: C}]",
    "true-false": "type: true-false\n    answer: true",
    "fill-in": "type: fill-in\n    answers: [yes]",
    "numeric": "type: numeric\n    answer: 4",
    "matching": "type: matching\n    pairs: [{source: a, target: b}, {source: c, target: d}]",
    "ordering": "type: ordering\n    items: [a, b, c, d]",
    "likert": "type: likert\n    scale: [no, maybe, yes]",
}


def make_course(root: Path, lessons: int, quizzes: list[tuple[str, list[str], str]]) -> Path:
    """quizzes: (name, question types, extra quiz keys)."""
    outline = [f"  - lesson: l{i}" for i in range(lessons)]
    for i in range(lessons):
        write(root / "lessons" / f"l{i}.md", f"---\ntitle: L{i}\n---\nText {i}.\n")
    for name, types, extra in quizzes:
        body = "".join(f"  - id: q{i}\n    prompt: Q{i}?\n    tags: [t{i % 2}]\n    "
                       f"{QUESTIONS[t]}\n" for i, t in enumerate(types))
        write(root / "quizzes" / f"{name}.yml",
              f"title: {name}\nkind: assessment\n{extra}questions:\n{body}")
        outline.append(f"  - quiz: {name}")
    write(root / "course.yml", "id: big\ntitle: Big\noutline:\n" + "\n".join(outline) + "\n")
    return root


CASES = {
    "one-of-each": (7, [("exam", list(QUESTIONS), "attempts: 3\n")]),
    "unlimited-timed": (40, [("a", list(QUESTIONS) * 3, "time_limit_minutes: 5\n"),
                             ("b", ["single"] * 40, "")]),
    "pools": (13, [("p", ["fill-in", "single", "matching", "ordering"] * 8,
                    "pools: [{tag: t0, draw: 5}, {tag: t1, draw: 7}]\n"),
                   ("q", ["numeric"] * 5, "attempts: 40\n")]),
    "many-quizzes": (3, [(f"z{i:02d}", ["multiple", "true-false"], "") for i in range(40)]),
    "no-fill-in-over": (100, [("huge", ["numeric"] * 100, "")]),
    "fill-in-over": (5, [("essay", ["fill-in"] * 40, "")]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_estimate_matches_the_javascript_codec(case: str, tmp_path: Path) -> None:
    lessons, quizzes = CASES[case]
    course = compile_course(make_course(tmp_path / case, lessons, quizzes)).course
    estimate = estimate_state(course)
    assert estimate.quiz is not None
    result = run_codec(course, estimate.quiz)
    assert (result["limit"], result["fillInMax"]) == (LIMIT, FILL_IN_MAX)
    if estimate.total <= LIMIT:
        assert result["length"] == estimate.total
    elif estimate.floor <= LIMIT:
        # the codec shortens fill-in answers to fit, which loses what the learner wrote
        assert estimate.floor <= result["length"] <= LIMIT
        assert any(str(a).endswith("\u2026") for a in result["answers"].values())
    else:
        assert result["length"] == estimate.total > LIMIT


def test_over_limit_cases_are_reported_by_check(tmp_path: Path) -> None:
    from scormbuild.pipeline import check

    lessons, quizzes = CASES["fill-in-over"]
    diags = check(make_course(tmp_path / "c", lessons, quizzes))
    assert [d.render() for d in diags] == [
        "course.yml:3:1: warning: saved progress can reach 5003 characters, over the 4096 that "
        "SCORM 1.2's suspend_data holds; long fill-in answers will be shortened when saved\n"
        "    hint: quiz 'essay' has the largest attempt: use fewer fill-in questions, or pools "
        "that draw fewer questions"]
