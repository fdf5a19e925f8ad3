"""yamltree's shortcut: the event pass of _check_size is skipped only where it cannot refuse
the text, and skipping it never changes a result or an error."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from scormbuild import yamltree
from support import COURSES, EXAMPLES

FRONT_MATTER = re.compile(r"---[ \t]*\r?\n(.*?)(?:\r?\n)?---[ \t]*(?:\r?\n|$)", re.S)


def _counts(text: str) -> tuple[int, int, int]:
    """(deepest nesting, values, characters of text) as _check_size counts them (no aliases)."""
    depth = deepest = values = chars = 0
    for event in yaml.parse(text, Loader=yamltree._Loader):
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            deepest = max(deepest, depth)
            values += 1
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
            values += 1
            chars += len(getattr(event, "value", ""))
    return deepest, values, chars


def _shape(value: Any) -> Any:
    """A loaded tree with every position, so two loads compare equal only if all match."""
    marks = getattr(value, "lc", None)
    if isinstance(value, dict):
        return ("map", marks.line, marks.col, sorted(marks._at.items(), key=repr),
                sorted(marks._text.items(), key=repr),
                [(k, _shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("seq", marks.line, marks.col, sorted(marks._at.items()),
                sorted(marks._text.items()), [_shape(v) for v in value])
    return value


def _outcome(text: str, *, checked: bool) -> Any:
    """What loading gives, with (checked) or without (the shortcut) the event pass first."""
    try:
        if checked:
            yamltree._check_size(text)
        return _shape(yamltree.load(text))
    except yaml.YAMLError as err:
        return type(err).__name__, str(err)


def _course_texts() -> list[str]:
    texts = []
    for folder in (COURSES, EXAMPLES):
        for path in sorted(folder.rglob("*.md")) + sorted(folder.rglob("*.yml")):
            text = path.read_text(encoding="utf-8", errors="replace")
            match = FRONT_MATTER.match(text) if path.suffix == ".md" else None
            texts.append(match.group(1) if match else text)
    return texts


def _random_texts(count: int) -> list[str]:
    """Short texts made mostly of YAML's structure characters: the cases a proof can miss."""
    rng = random.Random(20261202)
    alphabet = [*"-?:[{,}] \n\n  ab'\"#|>!@%.", "- ", ": ", "\n  ", "---", "..."]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(count)]


CORPUS = _course_texts() + _random_texts(20_000) + [
    "a: [" * 63 + "]" * 63, "a: " + "[" * 70 + "]" * 70, "- " * 40 + "x", "{a, b, c}",
    "a:\n  b:\n    c: 1\n", "? a\n? b\n", "[a: 1, b: 2]", "a: 1\n---\nb: [\n", "x: |\n  text\n",
    "a: &x 1\nb: &x 2\nc: [", "a: *x", "a: 'it''s'\nb: \"\\u00e9\\t\"\n", "", "# comment only\n",
]


def test_the_shortcut_is_taken_for_lesson_front_matter() -> None:
    front = [t for t in _course_texts() if "title:" in t and "questions:" not in t]
    assert front and sum(map(yamltree._cannot_exceed_limits, front)) >= len(front) * 3 // 4


@pytest.mark.parametrize("text", ["[" * 65 + "]" * 65, "- " * 65 + "x", "a: *x\n", "&a x\n",
                                  "a: 1\n---\nb: 2\n", "a: 1\n...\n", "x" * (4 * 2**20 + 1)])
def test_the_shortcut_is_not_taken_where_the_pass_could_refuse(text: str) -> None:
    assert not yamltree._cannot_exceed_limits(text)


def test_deep_nesting_is_still_refused() -> None:
    with pytest.raises(yamltree.ExpansionError, match="nested more than 64 levels deep"):
        yamltree.load("a: " + "[" * 65 + "]" * 65)


def test_the_bounds_of_the_proof_hold_and_results_do_not_change() -> None:
    taken = 0
    for text in CORPUS:
        if not yamltree._cannot_exceed_limits(text):
            continue
        taken += 1
        k = sum(text.count(c) for c in yamltree._STRUCTURE)
        try:
            depth, values, chars = _counts(text)
        except yaml.YAMLError:
            pass  # a syntax error: both ways raise it (compared below)
        else:
            assert depth <= k < yamltree.MAX_DEPTH, text
            assert values <= 1 + 5 * k, text
            assert chars <= len(text), text
        assert _outcome(text, checked=False) == _outcome(text, checked=True), text
    assert taken > 5_000  # the corpus exercises the shortcut, not just the refusals


def test_bench_course_front_matter_takes_the_shortcut(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_build import make_course

    course = make_course(tmp_path, 3)
    for lesson in sorted((course / "lessons").glob("*.md")):
        match = FRONT_MATTER.match(lesson.read_text())
        assert match and yamltree._cannot_exceed_limits(match.group(1))
