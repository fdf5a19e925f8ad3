"""Hostile values in every field: `check` and `build` answer with a package or diagnostics, never
a traceback.

A complete course (every key of course.yml, lesson front matter and quiz specs, every question
type, a GIFT bank) is the starting point; values anywhere in it are replaced by hostile ones:
control characters, huge and non-finite numbers, booleans, nulls, lists and maps where scalars
are expected, and every YAML scalar form (tags, hex, timestamps, unknown aliases, Python tags).
Runs go through the CLI in-process (typer's CliRunner), like a designer's or a CI run.
"""

from __future__ import annotations

import copy
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scormbuild.cli import app
from scormbuild.package_check import validate_package
from scormbuild.sources import FIELD_HINTS

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")

COURSE: dict[str, Any] = {
    "id": "hostile", "title": "Hostile values", "version": "1.2.0", "language": "en-US",
    "description": "Every key.", "authors": ["Ann"], "organization": "Org",
    "duration_minutes": 30, "objectives": ["Survive"], "pass_mark": 70,
    "completion": {"all_lessons_viewed": True, "assessment_passed": True},
    "allow_html": False,
    "xapi": {"activity_base": "https://courses.example.org/xapi/", "cmi5_au_per_module": False},
    "branding": {"logo": "assets/logo.png", "primary_color": "#1f5fa8",
                 "accent_color": "#8a4b0f"},
    "outline": [{"module": "Basics", "items": [{"lesson": "intro"}, {"quiz": "check"}]},
                {"quiz": "final"}, {"quiz": "bank"}],
}
LESSON: dict[str, Any] = {"title": "Intro", "short_title": "Intro", "objectives": ["Read"],
                          "duration_minutes": 30, "reference": False}
CHECK: dict[str, Any] = {
    "title": "Check", "kind": "knowledge-check", "introduction": "Try it.",
    "questions": [{"id": "tf", "type": "true-false", "prompt": "Water is wet.", "answer": True,
                   "feedback_true": "Yes.", "feedback_false": "It is."}],
}
FINAL: dict[str, Any] = {
    "title": "Final", "short_title": "Final", "kind": "assessment", "pass_mark": 50,
    "weight": 2, "attempts": 3, "after_last_attempt": "lock", "shuffle_questions": False,
    "shuffle_choices": True, "time_limit_minutes": 20, "pools": [{"tag": "core", "draw": 2}],
    "questions": [
        {"id": "single", "type": "single", "prompt": "Pick B.", "points": 2, "hint": "Second.",
         "explanation": "B.", "tags": ["core"],
         "feedback": {"correct": "Right.", "incorrect": "No."},
         "choices": [{"id": "a", "text": "A", "feedback": "Not A."},
                     {"id": "b", "text": "B", "correct": True}]},
        {"id": "multiple", "type": "multiple", "prompt": "Pick A and C.", "scoring": "partial",
         "tags": ["core"], "choices": [{"text": "A", "correct": True}, {"text": "B"},
                                       {"text": "C", "correct": True}]},
        {"id": "fillin", "type": "fill-in", "prompt": "Capital of France?", "tags": ["core"],
         "answers": ["Paris"], "case_sensitive": False, "pattern": "paris|lutetia"},
        {"id": "numeric", "type": "numeric", "prompt": "Pi?", "answer": 3.14,
         "tolerance": 0.01},
        {"id": "range", "type": "numeric", "prompt": "1 to 3?", "min": 1, "max": 3},
        {"id": "matching", "type": "matching", "prompt": "Match.",
         "pairs": [{"source": "One", "target": "Uno"}, {"source": "Two", "target": "Dos"}],
         "distractors": ["Tres"]},
        {"id": "ordering", "type": "ordering", "prompt": "Order.", "scoring": "partial",
         "items": ["First", "Second", "Third"]},
        {"id": "opinion", "type": "likert", "prompt": "Liked it?", "scale": ["No", "Yes"]},
    ],
}
GIFT = ("// scormbuild: title: {title}\n// scormbuild: pass_mark: {pass_mark}\n\n"
        "::Q1:: {text} {{=right ~wrong#{text}}}\n\n::Q2:: How many? {{#{low}..{high}}}\n\n"
        "::Q3:: Weighted {{~%{weight}%a ~%50%b ~c}}\n")
GIFT_DEFAULTS = {"title": "Bank", "pass_mark": "60", "text": "Pick one.", "low": "1",
                 "high": "3", "weight": "50"}
DOCS = {"course.yml": COURSE, "lessons/intro.md": LESSON, "quizzes/check.yml": CHECK,
        "quizzes/final.yml": FINAL}

# Values as Python data (yaml.safe_dump writes them, escaping control characters)...
HOSTILE: list[Any] = [
    None, True, False, 0, -1, 2**64, 10**400, 1e308, -1e308, float("inf"), float("-inf"),
    float("nan"), 0.5, "", " ", "80%", "yes", "~", "a\x01b", "\x1b[2J", "\x7f", "\x85",
    "\ufffe", "x" * 5000, [], [1, "a"], {}, {"a": 1}, [{"lesson": "intro"}], "../../etc/passwd",
]
# Text that is allowed but must stay text all the way into pages and manifests.
ALLOWED: list[Any] = [
    "<script>alert(1)</script>", "{{ 7*7 }}", "]]>&amp;&#0;", "\u202eevil", "\U0001F600",
    "tab\there", "a\r\nb", "\u00e9\u0301", "'\"", "#1f5fa8", "https://e.org/x", "assets/logo.png",
]
# ...and YAML text written as it is: every scalar form, tags, aliases.
RAW: list[str] = [
    ".nan", "-.inf", "1e999", "0x1F", "0o17", "1_000", "+12", "!!binary aGVsbG8=",
    "!!timestamp 2001-12-14", "2001-12-14", "10:30", "!!set {a: null}", "!!float 1e999",
    "!!int 12", "!!str 5", "!!python/name:os.system", "!!python/object/apply:os.system [ls]",
    "*nowhere", "&a x", "[a, [b, [c]]]", "{a: {b: c}}", '"\\e[31m"', '"\\0"', '"\\uFFFF"',
    '"\\ud800"', "'\u202e'", "? [a]\n  : b", "|-\n  block\n  text", "!!null ''",
]
GIFT_HOSTILE = ["1e999", "-1e999", "\x1b", "\x00", "%", "{", "}", "\\", "99999999999999999999",
                "nan", "inf", "\ufffe", "=", "~", "#", "::", "->", "0..0", ""]


def _paths(tree: Any, loc: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every key path in a document: containers and leaves."""
    if loc:
        yield loc
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _paths(value, (*loc, key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from _paths(value, (*loc, i))


def _value_at(tree: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        tree = tree[key]
    return tree


PATHS = [(name, path) for name, doc in DOCS.items() for path in _paths(doc)]
RAW_MARK = "@@raw@@"


def _has(tree: Any, key: str | int) -> bool:
    if isinstance(tree, dict):
        return key in tree
    return isinstance(tree, list) and isinstance(key, int) and key < len(tree)


def _set(tree: Any, path: tuple[str | int, ...], value: Any) -> None:
    """Replace the value at path; nothing when an earlier change removed the path."""
    for key in path[:-1]:
        if not _has(tree, key):
            return
        tree = tree[key]
    if _has(tree, path[-1]):
        tree[path[-1]] = value


def _write_course(root: Path, changes: list[tuple[str, tuple[str | int, ...], Any]],
                  gift: dict[str, str]) -> list[Any]:
    """Write the complete course with these changes; returns the values that ended up in it
    (a later change may replace an earlier one), raw YAML as ("raw", text)."""
    docs = copy.deepcopy(DOCS)
    present: list[Any] = []
    raws: dict[str, list[str]] = {}
    for name, path, value in changes:
        if isinstance(value, tuple):  # ("raw", text): YAML written as it is
            raws.setdefault(name, []).append(value[1])
            value = f"{RAW_MARK}{len(raws[name]) - 1}"
        _set(docs[name], path, value)
    for name, doc in docs.items():
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)
        for i, raw in enumerate(raws.get(name, [])):
            # a multi-line fragment needs the indentation of the line it lands on
            line = next((ln for ln in text.splitlines() if f"{RAW_MARK}{i}'" in ln), None)
            if line is None:  # replaced by a later change
                continue
            indent = " " * (len(line) - len(line.lstrip(" -")) + 2)
            text = text.replace(f"'{RAW_MARK}{i}'", raw.replace("\n", "\n" + indent))
            present.append(("raw", raw))
        present.extend(value for _, value in _items(doc))
        if name.endswith(".md"):
            text = f"---\n{text}---\nSome text.\n\n![A picture](../assets/logo.png)\n"
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", errors="surrogatepass")
    gift_text = GIFT.format(**{**GIFT_DEFAULTS, **gift})
    (root / "quizzes" / "bank.gift").write_text(gift_text, encoding="utf-8",
                                                errors="surrogatepass")
    (root / "assets").mkdir(exist_ok=True)
    (root / "assets" / "logo.png").write_bytes(PNG)
    return [*present, *gift.values()]


def _items(tree: Any) -> Iterator[tuple[Any, Any]]:
    """Every key and value of a document, depth first."""
    pairs = tree.items() if isinstance(tree, dict) else enumerate(tree) \
        if isinstance(tree, list) else ()
    for key, value in pairs:
        yield key, value
        yield from _items(value)


MUST_FAIL_RAW = {".nan", "-.inf", "1e999", "!!float 1e999", '"\\e[31m"', '"\\0"', '"\\uFFFF"',
                 '"\\ud800"', "!!python/name:os.system", "!!python/object/apply:os.system [ls]",
                 "*nowhere"}


def must_fail(value: Any) -> bool:
    """A value no field accepts: control characters, NaN, infinities, integers too big for
    any bound, and YAML that only an unsafe loader (or none) reads."""
    if isinstance(value, tuple):
        return value[1] in MUST_FAIL_RAW
    if isinstance(value, str):
        return any(c in value for c in "\x00\x01\x1b\x7f\x85\ufffe")
    if isinstance(value, float):
        return value != value or value in (float("inf"), float("-inf"))
    return isinstance(value, int) and not isinstance(value, bool) and value > 10**300


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args[0]} raised {result.exception!r}\n{result.stderr}") \
            from result.exception
    assert "Traceback" not in result.stderr
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    if result.exit_code == 1:
        assert ": error: " in result.stderr, result.stderr
    return result.exit_code, result.stderr


def test_the_complete_course_builds(tmp_path: Path) -> None:
    _write_course(tmp_path / "c", [], {})
    assert _run(["build", str(tmp_path / "c"), "-o", str(tmp_path / "dist")])[0] == 0


VALUES = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(RAW).map(lambda r: ("raw", r)),
                   st.text(max_size=8), st.sampled_from(ALLOWED))
CHANGES = st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=3).map(
    lambda items: [(name, path, value) for (name, path), value in items])
GIFT_CHANGES = st.dictionaries(st.sampled_from(sorted(GIFT_DEFAULTS)),
                               st.sampled_from(GIFT_HOSTILE), max_size=2)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=CHANGES, gift=GIFT_CHANGES, command=st.sampled_from(["check", "build"]))
def test_hostile_values_give_a_package_or_diagnostics(
        changes: list[tuple[str, tuple[str | int, ...], Any]], gift: dict[str, str],
        command: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        present = _write_course(root, changes, gift)
        args = [command, str(root)]
        if command == "build":
            args += ["-o", str(Path(tmp) / "dist"), "-t", "scorm12", "-t", "cmi5"]
        code, stderr = _run(args)
        event(f"{command} exit {code}")
        if any(must_fail(value) for value in present):
            assert code == 1, f"{[v for v in present if must_fail(v)]} was accepted\n{stderr}"
        if command == "build" and code == 0:
            zips = sorted((Path(tmp) / "dist").glob("*.zip"))
            assert len(zips) == 2
            for path in zips:
                with zipfile.ZipFile(path) as archive:
                    assert archive.testzip() is None




@pytest.mark.parametrize(("name", "path"), PATHS, ids=[f"{n}:{'.'.join(map(str, p))}"
                                                       for n, p in PATHS])
def test_a_wrong_value_anywhere_names_its_line_with_a_designer_hint(
        tmp_path: Path, name: str, path: tuple[str | int, ...]) -> None:
    """Every value of every spec, given a map where text or a number belongs (or text where a
    map or list belongs), gives an error at its file and line with a hint of its own."""
    leaf = _value_at(DOCS[name], path)
    wrong = "?" if isinstance(leaf, dict | list) else {"a": 1}
    _write_course(tmp_path / "c", [(name, path, wrong)], {})
    code, stderr = _run(["check", str(tmp_path / "c")])
    assert code == 1
    lines = stderr.splitlines()
    errors = [(line, lines[i + 1] if i + 1 < len(lines) else "") for i, line in enumerate(lines)
              if ": error: " in line]
    assert errors, stderr
    where, hint = errors[0]
    assert f"/{name}:" in where, stderr  # the file of the bad value, with a line
    assert hint.startswith("    hint: "), stderr
    hint = hint.removeprefix("    hint: ")
    outline = "write '- lesson: name', '- quiz: name' or '- module: Title' with items"
    types = "types: single, multiple, true-false, fill-in, numeric, matching, ordering, likert"
    assert hint in FIELD_HINTS.values() or hint in (outline, types), stderr


TEXT_KEYS = {"title", "short_title", "description", "organization", "module", "prompt", "text",
             "hint", "explanation", "correct", "incorrect", "feedback", "feedback_true",
             "feedback_false", "introduction", "source", "target", "authors", "objectives",
             "answers", "distractors", "items", "scale"}
TEXT_PATHS = [(name, path) for name, path in PATHS
              if isinstance(_value_at(DOCS[name], path), str)
              and next(k for k in reversed(path) if isinstance(k, str)) in TEXT_KEYS]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(TEXT_PATHS), text=st.sampled_from(ALLOWED),
       target=st.sampled_from(["scorm12", "cmi5", "tincan"]))
def test_unusual_but_allowed_text_builds_a_valid_package(
        where: tuple[str, tuple[str | int, ...]], text: str, target: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        _write_course(root, [(where[0], where[1], text)], {})
        code, stderr = _run(["build", str(root), "-o", str(Path(tmp) / "dist"), "-t", target])
        assert code == 0, stderr
        (package,) = (Path(tmp) / "dist").glob("*.zip")
        report = validate_package(package)
        assert report.ok, [d.render() for d in report.diagnostics]


def _leaves(kind: type | tuple[type, ...]) -> list[tuple[str, tuple[str | int, ...]]]:
    """Paths of the values of this type (true/false are not numbers here)."""
    return [(name, path) for name, path in PATHS
            if isinstance(value := _value_at(DOCS[name], path), kind)
            and not isinstance(value, bool)]


def test_every_text_value_reports_its_control_character(tmp_path: Path) -> None:
    """One run with an ESC in every text of every file: each is one error at its file."""
    leaves = _leaves(str)
    changes = [(name, path, str(_value_at(DOCS[name], path)) + "\x1b[2J") for name, path in leaves]
    _write_course(tmp_path / "c", changes, {"text": "Pick\x1b one."})
    code, stderr = _run(["check", str(tmp_path / "c")])
    assert code == 1
    reported = [line for line in stderr.splitlines() if "U+001B (escape)" in line]
    for name in DOCS:
        expected = sum(1 for n, _ in leaves if n == name)
        assert sum(f"/{name}:" in line for line in reported) == expected, (name, stderr)
    assert sum("/quizzes/bank.gift:" in line for line in reported) == 2, stderr
    assert "\x1b" not in stderr  # shown as an escape, never sent to the terminal


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), True, 10**400],
                         ids=["nan", "inf", "-inf", "true", "huge"])
def test_every_number_refuses_non_finite_and_boolean_values(tmp_path: Path, bad: Any) -> None:
    """One run with the value in every numeric field of every file: each is one error."""
    leaves = _leaves((int, float))
    _write_course(tmp_path / "c", [(name, path, bad) for name, path in leaves],
                  {"high": "1e999"})
    code, stderr = _run(["check", str(tmp_path / "c")])
    assert code == 1
    errors = [line for line in stderr.splitlines() if ": error: " in line]
    for name in DOCS:
        expected = sum(1 for n, _ in leaves if n == name)
        assert sum(f"/{name}:" in line for line in errors) == expected, (name, stderr)
    assert any("/quizzes/bank.gift:6: error: number 1e999 is too large" in line
               for line in errors), stderr
