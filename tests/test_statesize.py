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
    NUMERIC_MAX,
    SEED_MAX,
    STARTED_MAX,
    UNLIMITED_ATTEMPTS,
    estimate_state,
    worst_draw,
)
from scormbuild.theme import Texts, player_data
from support import REPO, without_item_rules, write

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

PAGES_RUNNER = """
const Codec = require(process.argv[1]);
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const d = input.data;
process.stdout.write(JSON.stringify(input.pages.map(function (page) {
  const text = Codec.encode(Object.assign({}, input.state, {page: page}), d);
  const back = Codec.decode(text, d);
  return {page: page, length: text.length, back: back !== null,
          kept: back ? Object.keys(back.active).sort() : [], active: back ? back.active : {},
          records: back ? back.quizzes : {}};
})));
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


def worst_run(course: Course, quiz_name: str, seed: int = SEED_MAX) -> dict[str, Any]:
    quiz = next(q for q in course.quizzes if q.name == quiz_name)
    order = worst_draw(quiz)
    return {"seed": seed, "cursor": len(order) - 1, "order": order,
            "answers": {str(i): worst_response(quiz.questions[i]) for i in order},
            "checked": {str(i): True for i in order},
            "started": STARTED_MAX * 1000 if quiz.time_limit_minutes else None}


def worst_state(course: Course, quiz_names: list[str], page: int | None = None
                ) -> dict[str, Any]:
    """Every record at its longest and an attempt in progress on each of `quiz_names`."""
    return {
        "page": len(course.pages) - 1 if page is None else page,
        "seen": [True] * len(course.pages),
        "quizzes": {q.name: {"attempts": q.attempts or UNLIMITED_ATTEMPTS, "best": 100}
                    for q in course.quizzes},
        # distinct seeds tell the attempts apart after the round trip
        "active": {name: worst_run(course, name, SEED_MAX - i)
                   for i, name in enumerate(quiz_names)},
    }


def page_of(course: Course, quiz_name: str) -> int:
    return next(p.index for p in course.pages if p.kind == "quiz" and p.name == quiz_name)


def run_pages(course: Course, state: dict[str, Any], pages: list[int]) -> list[dict[str, Any]]:
    """Encode and decode `state` in node once for each current page."""
    data = player_data(course, Texts({}, {}), {})
    payload = json.dumps({"state": state, "data": data, "pages": pages})
    assert NODE is not None
    out = subprocess.run([NODE, "-e", PAGES_RUNNER, str(STATE_JS)], input=payload, text=True,
                         capture_output=True, check=True, timeout=120)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def run_codec(course: Course, quiz_name: str) -> dict[str, Any]:
    """The codec on the worst state with one attempt in progress, on the current page."""
    data = player_data(course, Texts({}, {}), {})
    state = worst_state(course, [quiz_name], page_of(course, quiz_name))
    payload = json.dumps({"state": state, "data": data, "quiz": quiz_name})
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
              f"title: {name}\n" + ("" if "kind:" in extra else "kind: assessment\n")
              + f"{extra}questions:\n{body}")
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
    "numeric-near-floor": (100, [("huge", ["numeric"] * 80, "")]),
    "fill-in-over": (5, [("essay", ["fill-in"] * 40, "")]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_estimate_matches_the_javascript_codec(case: str, tmp_path: Path) -> None:
    lessons, quizzes = CASES[case]
    course = compile_course(make_course(tmp_path / case, lessons, quizzes)).course
    estimate = estimate_state(course)
    assert estimate.quiz is not None and estimate.saves
    result = run_codec(course, estimate.quiz)
    assert (result["limit"], result["fillInMax"]) == (LIMIT, FILL_IN_MAX)
    if estimate.single <= LIMIT:
        assert result["length"] == estimate.single
    else:
        # the codec shortens fill-in answers to fit, which loses what the learner wrote
        assert estimate.floor <= result["length"] <= LIMIT
        assert any(str(a).endswith("\u2026") for a in result["answers"].values())


@pytest.mark.parametrize("case", sorted(CASES))
def test_total_is_an_attempt_in_progress_on_every_quiz(case: str, tmp_path: Path) -> None:
    lessons, quizzes = CASES[case]
    course = compile_course(make_course(tmp_path / case, lessons, quizzes)).course
    estimate = estimate_state(course)
    names = sorted(q.name for q in course.quizzes)
    [got] = run_pages(course, worst_state(course, names), [len(course.pages) - 1])
    if estimate.total <= LIMIT:
        assert got["length"] == estimate.total
        assert got["kept"] == names
    else:
        assert got["length"] <= LIMIT < estimate.total


def test_over_limit_cases_are_reported_by_check(tmp_path: Path) -> None:
    from scormbuild.pipeline import check

    lessons, quizzes = CASES["fill-in-over"]
    diags = check(make_course(tmp_path / "c", lessons, quizzes))
    assert [d.render() for d in without_item_rules(diags)] == [
        "course.yml:3:1: warning: saved progress can reach 5003 characters, over the 4096 that "
        "SCORM 1.2's suspend_data holds; long fill-in answers will be shortened when saved\n"
        "    hint: quiz 'essay' has the largest attempt: use fewer fill-in questions, or pools "
        "that draw fewer questions"]


def test_a_state_that_cannot_fit_is_an_error(tmp_path: Path) -> None:
    from scormbuild.errors import CourseInvalid
    from scormbuild.pipeline import build, check

    root = make_course(tmp_path / "c", 100, [("huge", ["numeric"] * 100, "")])
    assert [d.render() for d in without_item_rules(check(root))] == [
        "course.yml:3:1: error: saved progress needs at least 4430 characters with an attempt "
        "on quiz 'huge' in progress, over the 4096 that SCORM 1.2's suspend_data holds; "
        "learners would lose their progress\n"
        "    hint: split quiz 'huge' or use pools that draw fewer questions; with many pages or "
        "quizzes, split the course"]
    with pytest.raises(CourseInvalid):
        build(root, ["scorm12"], tmp_path / "dist")
    assert not (tmp_path / "dist").exists()


def test_many_quizzes_in_progress_warn_in_check(tmp_path: Path) -> None:
    from scormbuild.pipeline import check

    lessons, quizzes = WORST["500-pages-many-checks"]
    diags = check(make_course(tmp_path / "c", lessons, quizzes))
    assert [d.render() for d in without_item_rules(diags)] == [
        "course.yml:3:1: warning: saved progress can reach 14403 characters when learners leave "
        "attempts unfinished on many quizzes, over the 4096 that SCORM 1.2's suspend_data holds; "
        "the attempts farthest from the learner's page are then not saved (knowledge checks "
        "first) or their long fill-in answers shortened\n"
        "    hint: learners start those quizzes again on their next visit; fewer quizzes, or "
        "fewer questions in each, keep every attempt"]


CHECK = "kind: knowledge-check\n"
WORST = {
    # 500 pages; 20 knowledge checks and 10 assessments, every one with an attempt in progress
    "500-pages-many-checks": (470, [(f"k{i:02d}", ["fill-in", "multiple", "matching", "ordering"]
                                     * 2, CHECK) for i in range(20)]
                              + [(f"a{i:02d}", ["fill-in"] * 6 + ["numeric", "single"], "")
                                 for i in range(10)]),
    # one attempt too long on its own (fill-ins shortened) among 19 knowledge checks
    "500-pages-one-huge": (480, [("big", ["fill-in"] * 40, "attempts: 2\n")]
                           + [(f"k{i:02d}", ["fill-in"] * 5, CHECK) for i in range(19)]),
    # timed, pooled and unlimited quizzes, graded and not, interleaved with lessons by name
    "timed-pools": (300, [(f"t{i:02d}", list(QUESTIONS) * 2,
                           "time_limit_minutes: 9\npools: [{tag: t0, draw: 4}, {tag: t1, draw: 5}]\n"
                           + (CHECK if i % 2 else "")) for i in range(24)]),
    # the largest attempt the compiler accepts: its floor just under the limit
    "at-the-floor": (500, [("edge", ["numeric"] * 89 + ["fill-in"] * 8, ""),
                           ("other", ["fill-in"] * 8, CHECK)]),
}


SHOWN_RUNNER = """
const Codec = require(process.argv[1]);
const Scoring = require(process.argv[2]);
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const d = input.data;
function shown(active) {
  const out = {};
  Object.keys(active).forEach(function (name) {
    const run = active[name], qs = d.quizzes[name].questions;
    out[name] = run.order.map(function (qi) { return Scoring.shownOrder(qs[qi], run.seed, qi); });
  });
  return out;
}
process.stdout.write(JSON.stringify(input.pages.map(function (page) {
  const state = Object.assign({}, input.state, {page: page});
  const back = Codec.decode(Codec.encode(state, d), d);
  return {before: shown(input.state.active), after: shown(back.active)};
})));
"""


@pytest.mark.parametrize("case", sorted(WORST))
def test_shuffled_orders_come_back_from_the_saved_seed(case: str, tmp_path: Path) -> None:
    """The order of choices, matching targets and ordering items costs nothing beyond the seed
    the estimate already counts: every attempt the codec keeps shows the same order again."""
    lessons, quizzes = WORST[case]
    course = compile_course(make_course(tmp_path / case, lessons, quizzes)).course
    names = sorted(q.name for q in course.quizzes)
    data = player_data(course, Texts({}, {}), {})
    payload = json.dumps({"state": worst_state(course, names), "data": data,
                          "pages": [0, *(page_of(course, n) for n in names)]})
    assert NODE is not None
    out = subprocess.run([NODE, "-e", SHOWN_RUNNER, str(STATE_JS),
                          str(REPO / "templates" / "static" / "scoring.js")], input=payload,
                         text=True, capture_output=True, check=True, timeout=120)
    results = json.loads(out.stdout)
    shuffled = sum(o is not None for orders in results[0]["before"].values() for o in orders)
    assert shuffled == sum(quiz.questions[i].shuffle for quiz in course.quizzes
                           for i in worst_draw(quiz))
    for got in results:
        assert got["after"] and all(got["after"][n] == got["before"][n] for n in got["after"])


def answer_survives(question: Question, given: Any, back: Any) -> bool:
    """The decoded answer is the given one, or a shortened start of it: a fill-in cut to fit
    (marked with an ellipsis) or a numeric answer past NUMERIC_MAX characters."""
    if back == given:
        return True
    if question.type == "numeric":
        return isinstance(back, str) and len(back) == NUMERIC_MAX and given.startswith(back)
    return (question.type == "fill-in" and isinstance(back, str) and back.endswith("\u2026")
            and str(given).startswith(back[:-1]))


@pytest.mark.parametrize("case", sorted(WORST))
def test_the_codec_keeps_the_bound_and_the_current_attempt(case: str, tmp_path: Path) -> None:
    lessons, quizzes = WORST[case]
    course = compile_course(make_course(tmp_path / case, lessons, quizzes)).course
    estimate = estimate_state(course)
    assert estimate.saves and not estimate.fits
    names = sorted(q.name for q in course.quizzes)
    state = worst_state(course, names)
    quiz_pages = [page_of(course, n) for n in names]
    results = run_pages(course, state, [0, *quiz_pages])
    graded = {q.name for q in course.quizzes if q.graded}
    for got in results:
        page = got["page"]
        assert got["back"] and got["length"] <= LIMIT, (page, got["length"])
        assert got["records"] == {n: {"attempts": state["quizzes"][n]["attempts"], "best": 100}
                                  for n in names}
        current = course.pages[page].name if course.pages[page].kind == "quiz" else None
        if current is not None:
            run, want = got["active"].get(current), state["active"][current]
            assert run is not None, (page, "the current page's attempt was dropped")
            assert (run["seed"], run["order"], run["cursor"], run["checked"], run["started"]) \
                == (want["seed"], want["order"], want["cursor"], want["checked"], want["started"])
            quiz = next(q for q in course.quizzes if q.name == current)
            assert all(answer_survives(quiz.questions[int(qi)], a, run["answers"].get(qi))
                       for qi, a in want["answers"].items())
        for kept in got["kept"]:
            assert got["active"][kept]["seed"] == state["active"][kept]["seed"]
        # documented order: knowledge checks go before graded attempts, the farthest first
        others = [n for n in names if n != current]
        dropped = [n for n in others if n not in got["kept"]]
        if any(n in graded for n in dropped):
            assert all(n in graded for n in got["kept"] if n != current)

        far = {n: (abs(page_of(course, n) - page), page_of(course, n)) for n in others}
        for group in (graded, set(names) - graded):
            kept = [far[n] for n in others if n in group and n in got["kept"]]
            gone = [far[n] for n in dropped if n in group]
            if kept and gone:
                assert max(kept) < min(gone)
