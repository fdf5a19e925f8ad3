"""templates/static/scoring.js and state.js under node: every type, draws, course score, codec.

The JS is the scoring that runs in packages; Python's quiz.score_question mirrors it, and these
tests hold the two to the same answers.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scormbuild.patterns import compile_pattern
from scormbuild.pipeline import compile_course
from scormbuild.quiz import Choice, Question, normalize_text, score_question
from scormbuild.theme import player_data

REPO = Path(__file__).resolve().parents[1]
STATIC = REPO / "templates" / "static"
COURSE = Path(__file__).parent / "fixtures" / "courses" / "all-question-types"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs node")


def run_js(body: str, **values: Any) -> Any:
    """Run `body` in node with Scoring, State and the given values; it returns a JSON value."""
    script = (
        f"const Scoring = require({json.dumps(str(STATIC / 'scoring.js'))});\n"
        f"const State = require({json.dumps(str(STATIC / 'state.js'))});\n"
        + "".join(f"const {k} = {json.dumps(v)};\n" for k, v in values.items())
        + "const out = (function () {\n" + body + "\n})();\n"
        "process.stdout.write(JSON.stringify(out));\n"
    )
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    compiled = compile_course(COURSE)
    texts = compiled.texts
    return player_data(compiled.course, texts, {})


def qindex(data: dict[str, Any], qid: str) -> int:
    return [q["id"] for q in data["quizzes"]["every-type"]["questions"]].index(qid)


CASES: list[tuple[str, Any, float]] = [
    ("single", "b", 1), ("single", "a", 0), ("single", None, 0),
    ("multiple", ["a", "c"], 1), ("multiple", ["a"], 0.5), ("multiple", ["a", "b"], 0),
    ("multiple", ["a", "b", "c"], 0.5), ("multiple", ["b"], 0), ("multiple", [], 0),
    ("truefalse", "t", 1), ("truefalse", "f", 0),
    ("fillin", "Paris", 1), ("fillin", "  paris  ", 1), ("fillin", "LUTETIA", 1),
    ("fillin", "Rome", 0), ("fillin", "", 0),
    ("numeric", "3.14", 1), ("numeric", "3.15", 1), ("numeric", "3.16", 0),
    # an English course reads a point only: "3,13" is not a number there (the player asks again)
    ("numeric", "3,13", 0),
    ("numeric", "pi", 0),
    ("matching", {"1": "a", "2": "b"}, 1), ("matching", {"1": "b", "2": "a"}, 0),
    ("matching", {"1": "a", "2": "c"}, 0), ("matching", {"1": "a"}, 0),
    ("ordering", ["a", "b", "c"], 1), ("ordering", ["c", "b", "a"], 0),
    ("opinion", "2", 0),
]


def test_every_type_scores_like_python(data: dict[str, Any]) -> None:
    quiz = data["quizzes"]["every-type"]
    got = run_js("return cases.map(c => Scoring.scoreQuestion(quiz.questions[c[0]], c[1]));",
                 quiz=quiz, cases=[[qindex(data, c[0]), c[1]] for c in CASES])
    assert dict(zip([f"{c[0]}={c[1]!r}" for c in CASES], got, strict=True)) == {
        f"{c[0]}={c[1]!r}": c[2] for c in CASES}
    python_quiz = compile_course(COURSE).course.pages[1].quiz
    assert python_quiz is not None
    for qid, response, expected in CASES:
        q = next(x for x in python_quiz.questions if x.id == qid)
        if q.type == "numeric":
            response = float(response) if response not in ("pi", "3,13") else response
        assert score_question(q, response) == pytest.approx(expected), (qid, response)


def test_ranges_patterns_and_case() -> None:
    questions = [
        {"type": "numeric", "answer": None, "min": 1, "max": 3},
        {"type": "numeric", "answer": 10, "tolerance": 0.5},
        {"type": "fill-in", "answers": [], "caseSensitive": False,
         "machine": compile_pattern("colou?r", False).to_json()},
        {"type": "fill-in", "answers": ["Paris"], "caseSensitive": True, "machine": None},
    ]
    got = run_js("""return [
      ['0.99', '1', '2', '3', '3.01'].map(r => Scoring.scoreQuestion(qs[0], r)),
      ['9.4', '9.5', '10.5', '10.6'].map(r => Scoring.scoreQuestion(qs[1], r)),
      ['COLOUR', 'color', 'colors'].map(r => Scoring.scoreQuestion(qs[2], r)),
      ['Paris', 'paris', ' Paris '].map(r => Scoring.scoreQuestion(qs[3], r))];""", qs=questions)
    assert got == [[0, 1, 1, 1, 0], [0, 1, 1, 0], [1, 1, 0], [1, 0, 1]]


# patterns of the supported subset, with answers around them (case folded as the player does)
PATTERNS = [r"colou?r", r"(a+)+$", r"(a|aa)*b", r"(a*)*", r"^(\w+\s?)+$", r"\d+(\.\d+)?",
            r"[A-Z][a-z]{1,3}", r"[^aeiou ]+", r"(cat|dog)s?", r"(?:x|y){2,3}z?", r".*a.*a.*a",
            r"\(\d{3}\) \d{3}-\d{4}", r"[\w.-]+@[\w-]+\.\w{2,}", r"é+|ß|Ω", r"\S+ \S+",
            r"(.*,){3}.*", r"a{0,2}b{2}", r"[\d-]+|[\W]", r"(a|b|ab|ba)*"]
ANSWERS = ["", "a", "b", "aa", "aab", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "color", "colour",
           "colours", "cat", "dogs", "xy", "xyyz", "x", "12", "1.5", "1.", "Paris", "pa", "xyz zy",
           "banana", "(555) 123-4567", "a.b@c-d.org", "a@b", "éé", "ß", "ω", "one two", "a,b,c,d",
           "a,b", "aabb", "bb", "1-2", "?", "abba", "ab ba"]


def test_pattern_machines_agree_with_python_regex_and_between_python_and_js() -> None:
    """The player's machine, Python's mirror and Python's `re` give the same verdicts."""
    cases = []
    for pattern in PATTERNS:
        for case_sensitive in (True, False):
            machine = compile_pattern(pattern, case_sensitive)
            given = [normalize_text(a, case_sensitive) for a in ANSWERS]
            flags = re.ASCII | (0 if case_sensitive else re.IGNORECASE)
            for text in given:
                if text.isascii() and len(text) <= 12:  # longer: Python's re backtracks for ages
                    assert machine.matches(text) == bool(re.fullmatch(pattern, text, flags)), \
                        (pattern, case_sensitive, text)
            cases.append({"machine": machine.to_json(), "given": given,
                          "python": [machine.matches(t) for t in given]})
    got = run_js("return cases.map(c => c.given.map(t => Scoring.runMachine(c.machine, t)));",
                 cases=cases)
    assert got == [c["python"] for c in cases]


def test_catastrophic_patterns_score_in_linear_time() -> None:
    """`(a+)+$` froze the browser's backtracking RegExp for seconds on 31 characters; the
    machine takes one step per character (the run's timeout is only a hang guard)."""
    questions = [{"type": "fill-in", "answers": [], "caseSensitive": True,
                  "machine": compile_pattern(p, True).to_json()}
                 for p in (r"(a+)+$", r"(a|aa)*b", r"(.*a){20}", r"^(\w+\s?)+$")]
    long = "a" * 100_000 + "!"
    got = run_js("return qs.map(q => [Scoring.scoreQuestion(q, t), "
                 "Scoring.scoreQuestion(q, t.slice(0, 31))]);", qs=questions, t=long)
    assert got == [[0, 1], [0, 0], [0, 1], [0, 1]]


def test_the_player_never_compiles_a_course_regex() -> None:
    for name in ("scoring.js", "player.js"):
        assert "RegExp(" not in (STATIC / name).read_text(), name


def test_attempt_score_with_partial_credit(data: dict[str, Any]) -> None:
    quiz = data["quizzes"]["every-type"]
    responses = {qindex(data, "single"): "b", qindex(data, "multiple"): ["a"],  # 1 of 2 points
                 qindex(data, "truefalse"): "f", qindex(data, "opinion"): "3"}
    got = run_js("return Scoring.scoreAttempt(quiz, quiz.questions.map((_, i) => i), r);",
                 quiz=quiz, r=responses)
    assert got == {"points": 2, "max": 8, "percent": 25, "passed": False}


def test_seeded_draws_are_stable_and_honour_pools() -> None:
    quiz = {"shuffleQuestions": True, "pools": [{"tag": "a", "draw": 2}, {"tag": "b", "draw": 1}],
            "questions": [{"tags": ["a"]}] * 5 + [{"tags": ["b"]}] * 3 + [{"tags": []}]}
    got = run_js("""return [Scoring.drawQuestions(quiz, 42), Scoring.drawQuestions(quiz, 42),
                    Scoring.drawQuestions(quiz, 7), Scoring.drawQuestions(plain, 42)];""",
                 quiz=quiz, plain={**quiz, "pools": [], "shuffleQuestions": False})
    first, again, other, plain = got
    assert first == again == [7, 4, 0]  # fixed seed, fixed draw: a regression guard
    assert len(other) == 3 and sum(i < 5 for i in other) == 2
    assert sum(5 <= i < 8 for i in other) == 1
    assert plain == list(range(9))


def test_course_score_weights_and_weight_zero() -> None:
    data = {"quizzes": {
        "a": {"graded": True, "weight": 1}, "b": {"graded": True, "weight": 3},
        "practice": {"graded": True, "weight": 0}, "kc": {"graded": False, "weight": 1}}}
    got = run_js("""return [Scoring.courseScore(d, {a: {best: 100}, b: {best: 60}}),
                    Scoring.courseScore(d, {a: {best: 100}}),
                    Scoring.courseScore(d, {a: {best: 50}, b: {best: 50},
                                            practice: {best: 0}})];""",
                 d=data)
    assert got == [70, None, 50]


# --- the state codec ------------------------------------------------------------------------


def big_course() -> dict[str, Any]:
    """500 pages, one 100-question assessment of every type, most of them fill-in."""
    kinds = ["fill-in"] * 6 + ["single", "multiple", "matching", "ordering"]
    questions = []
    for i in range(100):
        kind = kinds[i % len(kinds)]
        q: dict[str, Any] = {"id": f"q{i}", "type": kind, "tags": [], "shuffle": True}
        if kind == "fill-in":
            q.update(answers=[f"accepted answer number {i}"], caseSensitive=False, machine=None)
        elif kind in ("single", "multiple"):
            q["choices"] = [{"id": c, "correct": c == "a", "fixed": c == "d"} for c in "abcd"]
        elif kind == "matching":
            q.update(sources=[{"id": s} for s in "123"], targets=[{"id": t} for t in "abc"],
                     pairs=[["1", "a"], ["2", "b"], ["3", "c"]])
        else:
            q["items"] = [{"id": c} for c in "abcde"]
        questions.append(q)
    pages = [{"id": f"lesson-{i:03d}"} for i in range(499)] + [{"id": "final"}]
    return {"pages": pages, "quizzes": {"final": {"graded": True, "questions": questions}}}


CODEC = """
const state = State.fresh(d);
state.page = 321;
state.seen = d.pages.map((_, i) => i % 3 !== 0);
state.quizzes = {final: {attempts: 2, best: 66.67}};
const qs = d.quizzes.final.questions;
const answers = {}, checked = {};
qs.forEach((q, i) => {
  if (q.type === 'fill-in') answers[i] = i % 4 === 0 ? q.answers[0].toUpperCase()
    : 'a long, wrong answer with commas, colons: and ~tildes~ and accents: éèà ' + 'x'.repeat(200);
  else if (q.type === 'single') answers[i] = 'b';
  else if (q.type === 'multiple') answers[i] = ['a', 'c'];
  else if (q.type === 'matching') answers[i] = {'1': 'a', '2': 'c'};
  else answers[i] = ['e', 'd', 'c', 'b', 'a'];
  if (i % 2) checked[i] = true;
});
const order = qs.map((_, i) => (i * 37) % 100);
state.active = {final: {seed: 123456789, order: order, cursor: 57, answers: answers,
                        checked: checked, started: 1700000000000}};
const text = State.encode(state, d);
const back = State.decode(text, d);
const run = back.active.final;
return {
  length: text.length,
  page: back.page, seen: back.seen.filter(Boolean).length, record: back.quizzes.final,
  seed: run.seed, cursor: run.cursor,
  sameOrder: JSON.stringify(run.order) === JSON.stringify(order),
  started: run.started, checked: Object.keys(run.checked).length,
  scoresKept: order.every(i => Scoring.scoreQuestion(qs[i], run.answers[i])
                              === Scoring.scoreQuestion(qs[i], answers[i])),
  same: order.filter(i => JSON.stringify(run.answers[i]) === JSON.stringify(answers[i])).length,
  sample: [run.answers[0], run.answers[1], run.answers[6], run.answers[8]],
  small: State.encode(State.fresh(d), d).length,
  /* shuffled choices, targets and items come from the seed: the same after the round trip */
  shownKept: order.every(i => JSON.stringify(Scoring.shownOrder(qs[i], run.seed, i))
                              === JSON.stringify(Scoring.shownOrder(qs[i], 123456789, i))),
  shuffled: order.filter(i => Scoring.shownOrder(qs[i], run.seed, i) !== null).length,
};
"""


def test_codec_round_trip_within_suspend_data_budget() -> None:
    got = run_js(CODEC, d=big_course())
    assert got["length"] <= 4096, got["length"]
    assert (got["page"], got["seen"], got["record"]) == (321, 333, {"attempts": 2, "best": 66.67})
    assert (got["seed"], got["cursor"], got["sameOrder"]) == (123456789, 57, True)
    assert (got["started"], got["checked"]) == (1700000000000, 50)
    assert got["scoresKept"] is True
    # accepted fill-ins come back as the accepted text; long wrong ones shortened with "…"
    first, wrong, single, matching = got["sample"]
    assert first == "accepted answer number 0"
    assert wrong.startswith("a long, wrong answer with commas, colons") and wrong.endswith("…")
    assert (single, matching) == ("b", {"1": "a", "2": "c"})
    assert got["same"] == 40  # every non-fill-in exactly; fill-ins score the same (above)
    assert got["small"] < 120
    assert (got["shownKept"], got["shuffled"]) == (True, 40)


def test_codec_keeps_short_answers_exactly() -> None:
    got = run_js("""
      const s = State.fresh(d);
      s.active = {final: {seed: 5, order: [0, 1], cursor: 1, checked: {},
                          answers: {0: 'naïve: yes, "quoted" ~ 100%', 1: 'b'}}};
      const back = State.decode(State.encode(s, d), d);
      return [back.active.final.answers, back.active.final.started,
              State.decode('garbage', d), State.decode(State.encode(s, d), other)];""",
                 d=big_course(), other={**big_course(), "pages": [{"id": "x"}]})
    assert got == [{"0": 'naïve: yes, "quoted" ~ 100%', "1": "b"}, None, None, None]


def test_codec_drop_order() -> None:
    """Ungraded before graded, untouched before touched, farthest (later on a tie) first."""
    kinds = {"k1": False, "g1": True, "g2": True, "k2": False, "k3": False}
    d = {"pages": [{"id": n, "kind": "quiz" if n != "l" else "lesson"}
                   for n in ["k1", "l", "g1", "g2", "k2", "k3"]],
         "quizzes": {n: {"graded": g, "questions": []} for n, g in kinds.items()}}
    touched = {"seed": 1, "order": [], "cursor": 0, "answers": {"0": "a"}, "checked": {}}
    untouched = {"seed": 1, "order": [], "cursor": 0, "answers": {}, "checked": {}}
    got = run_js("""
      const s = Object.assign(State.fresh(d), {page: 2, active: active});
      return [State.dropOrder(s, d, Object.keys(active)),
              State.dropOrder(Object.assign({}, s, {page: 1}), d, Object.keys(active))];""",
                 d=d, active={"k1": touched, "g1": touched, "g2": untouched, "k2": touched,
                              "k3": untouched})
    assert got == [["k3", "k2", "k1", "g2"], ["k3", "k2", "k1", "g2", "g1"]]


# --- ordering with partial credit, matching with shared targets --------------------------------


def test_ordering_partial_credit_like_python() -> None:
    items = [{"id": i} for i in "abcd"]
    orders = [list("abcd"), list("bacd"), list("dcba"), list("dabc"), list("abdc"), list("abc")]
    got = run_js("return orders.map(o => [Scoring.scoreQuestion(strict, o), "
                 "Scoring.scoreQuestion(partial, o)]);", orders=orders,
                 strict={"type": "ordering", "items": items, "partial": False},
                 partial={"type": "ordering", "items": items, "partial": True})
    assert got == [[1, 1], [0, 0.5], [0, 0], [0, 0], [0, 0.5], [0, 0]]
    python = Question(id="q", type="ordering", prompt="p", points=1, feedback_correct=None,
                      feedback_incorrect=None, hint=None, explanation=None, tags=(),
                      items=tuple(Choice(i, i) for i in "abcd"), partial=True)
    assert [score_question(python, o) for o in orders] == [g[1] for g in got]


ADAPTER = f"""
global.window = {{ScormbuildScoring: Scoring}};
require({json.dumps(str(STATIC / 'tracking-scorm12.js'))});
const F = window.ScormbuildTracking.create({{}}, {{}}).formats;
"""

SHARED_TARGETS_QUIZ = """\
title: Zones
kind: assessment
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
  - id: steps
    type: ordering
    scoring: partial
    prompt: Put the steps in order.
    items: [Notice, Pause, Consult, Document]
"""


def shared_targets_course(tmp_path: Path) -> Path:
    root = tmp_path / "zones"
    (root / "lessons").mkdir(parents=True)
    (root / "quizzes").mkdir()
    (root / "course.yml").write_text("id: zones\ntitle: Zones\noutline:\n  - lesson: intro\n"
                                     "  - quiz: zones\n", encoding="utf-8")
    (root / "lessons" / "intro.md").write_text("---\ntitle: Intro\n---\n\nHello.\n",
                                               encoding="utf-8")
    (root / "quizzes" / "zones.yml").write_text(SHARED_TARGETS_QUIZ, encoding="utf-8")
    return root


def test_shared_targets_score_save_and_report(tmp_path: Path) -> None:
    compiled = compile_course(shared_targets_course(tmp_path))
    quiz = player_data(compiled.course, compiled.texts, {})["quizzes"]["zones"]
    zones, steps = quiz["questions"]
    assert steps["partial"] is True
    assert [t["text"] for t in zones["targets"]] == ["Under-involved", "Helpful", "Over-involved"]
    assert zones["pairs"] == [["1", "a"], ["2", "a"], ["3", "b"], ["4", "c"], ["5", "c"]]
    right = {"1": "a", "2": "a", "3": "b", "4": "c", "5": "c"}
    wrong = {**right, "2": "b"}
    got = run_js(ADAPTER + """
      const d = {pages: [{id: 'intro'}, {id: 'zones'}], quizzes: {zones: quiz}};
      const s = State.fresh(d);
      s.active = {zones: {seed: 9, order: [0, 1], cursor: 1, checked: {},
                          answers: {0: wrong, 1: ['a', 'c', 'b', 'd']}}};
      const back = State.decode(State.encode(s, d), d).active.zones.answers;
      return {
        scores: [right, wrong].map(r => Scoring.scoreQuestion(quiz.questions[0], r)),
        partial: Scoring.scoreQuestion(quiz.questions[1], back[1]),
        restored: back[0],
        pattern: F.correctPattern(quiz.questions[0]),
        responses: [right, wrong].map(r => F.response(quiz.questions[0], r)),
        steps: [F.correctPattern(quiz.questions[1]), F.response(quiz.questions[1], back[1])],
      };""", quiz=quiz, right=right, wrong=wrong)
    assert got == {
        "scores": [1, 0], "partial": 0.5, "restored": wrong,
        "pattern": "1.a,2.a,3.b,4.c,5.c",  # SCORM 1.2 matching: source.target pairs, RTE 3.4.2
        "responses": ["1.a,2.a,3.b,4.c,5.c", "1.a,2.b,3.b,4.c,5.c"],
        "steps": ["a,b,c,d", "a,c,b,d"],
    }


def test_partial_ordering_and_shared_targets_as_scorm_interactions(tmp_path: Path) -> None:
    compiled = compile_course(shared_targets_course(tmp_path))
    quiz = player_data(compiled.course, compiled.texts, {})["quizzes"]["zones"]
    got = run_js("""
      const cmi = {'cmi.interactions._count': '0'};
      global.window = {ScormbuildScoring: Scoring, API: {
        LMSInitialize: () => 'true', LMSCommit: () => 'true', LMSGetLastError: () => '0',
        LMSGetValue: k => cmi[k] || '',
        LMSSetValue: (k, v) => { cmi[k] = v; return 'true'; }}};
      require(adapter);
      const T = window.ScormbuildTracking.create({}, {});
      T.start();
      const answered = (q, r) => T.questionAnswered({quiz: 'zones', question: q, response: r,
        score: Scoring.scoreQuestion(q, r), graded: true, shownAt: 0, answeredAt: 2000});
      answered(quiz.questions[1], ['a', 'c', 'b', 'd']);
      cmi['cmi.interactions._count'] = '1';
      answered(quiz.questions[0], {'1': 'a', '2': 'a', '3': 'b', '4': 'c', '5': 'c'});
      return Object.fromEntries(Object.entries(cmi).filter(([k]) => /\\.(type|result|pattern|student_response)$/.test(k)));
    """, quiz=quiz, adapter=str(STATIC / "tracking-scorm12.js"))
    assert got == {
        "cmi.interactions.0.type": "sequencing",
        "cmi.interactions.0.correct_responses.0.pattern": "a,b,c,d",
        "cmi.interactions.0.student_response": "a,c,b,d",
        "cmi.interactions.0.result": "0.5",  # partial credit as a decimal, like multiple choice
        "cmi.interactions.1.type": "matching",
        "cmi.interactions.1.correct_responses.0.pattern": "1.a,2.a,3.b,4.c,5.c",
        "cmi.interactions.1.student_response": "1.a,2.a,3.b,4.c,5.c",
        "cmi.interactions.1.result": "correct",
    }


# --- shuffled choices, targets and items --------------------------------------------------------


SHOWN = """
const seeds = Array.from({length: 60}, (_, i) => i * 7919 + 1);
return Object.fromEntries(Object.entries(qs).map(([k, q]) =>
  [k, seeds.map(s => Scoring.shownOrder(q, s, 3))]));
"""


def test_shown_order_is_a_seeded_permutation_with_fixed_choices_in_place() -> None:
    choices = [{"id": c, "fixed": c in "af"} for c in "abcdef"]
    qs = {
        "single": {"type": "single", "shuffle": True, "choices": choices},
        "multiple": {"type": "multiple", "shuffle": True, "choices": choices},
        "matching": {"type": "matching", "shuffle": True,
                     "targets": [{"id": t} for t in "abcd"]},
        "ordering": {"type": "ordering", "shuffle": True, "items": [{"id": t} for t in "abc"]},
        "off": {"type": "single", "shuffle": False, "choices": choices},
        "truefalse": {"type": "true-false", "shuffle": False, "choices": choices[:2]},
    }
    got = run_js(SHOWN, qs=qs)
    again = run_js(SHOWN, qs=qs)
    assert got == again  # deterministic from the seed
    for kind in ("single", "multiple"):
        orders = got[kind]
        assert all(sorted(o) == list("abcdef") and o[0] == "a" and o[5] == "f" for o in orders)
        assert len({"".join(o) for o in orders}) > 10  # 4! = 24 orders of the movable ones
    assert all(sorted(o) == list("abcd") for o in got["matching"])
    assert len({"".join(o) for o in got["matching"]}) > 10
    # ordering items never start in the correct order
    assert all(sorted(o) == list("abc") and o != list("abc") for o in got["ordering"])
    assert len({"".join(o) for o in got["ordering"]}) == 5
    assert got["off"] == [None] * 60 and got["truefalse"] == [None] * 60


def test_shown_order_differs_between_questions_of_one_attempt() -> None:
    q = {"type": "single", "shuffle": True, "choices": [{"id": c} for c in "abcdefgh"]}
    got = run_js("return [0, 1, 2, 3].map(i => Scoring.shownOrder(q, 42, i).join(''));", q=q)
    assert len(set(got)) == 4
    assert got == run_js("return [0, 1, 2, 3].map(i => Scoring.shownOrder(q, 42, i).join(''));",
                         q=q)


def test_numbers_are_read_with_the_course_languages_decimal_mark() -> None:
    got = run_js("""return {
      marks: ['de', 'es', 'fr', 'fr-CA', 'en', 'en-GB', 'he', 'no-such-tag!'].map(Scoring.decimalMark),
      comma: ['3,5', '3.5', ' -2,25 ', '1,000,5', 'drei', ''].map(v => Scoring.parseNumber(v, ',')),
      point: ['3.5', '3,5', '1,000', '1e3', 'three'].map(v => Scoring.parseNumber(v, '.')),
      scored: [Scoring.scoreQuestion(Object.assign({decimal: ','}, q), '3,14'),
               Scoring.isAnswered(Object.assign({decimal: '.'}, q), '3,14'),
               Scoring.isAnswered(q, 'pi')]};""",
                 q={"type": "numeric", "answer": 3.14, "tolerance": 0})
    assert got == {"marks": [",", ",", ",", ",", ".", ".", ".", "."],
                   "comma": [3.5, 3.5, -2.25, None, None, None],
                   "point": [3.5, None, None, 1000, None],
                   "scored": [1, False, False]}
