"""Property: any course tree either builds into a package that validates, or gives diagnostics.

Hypothesis generates plausible course folders with garbage mixed in (wrong types, unknown
keys, odd markdown, hostile paths, broken YAML). The pipeline must answer with a zip that
`package_check.validate_package` accepts, or with CourseInvalid; any other exception is a bug.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from scormbuild.errors import CourseInvalid
from scormbuild.package_check import validate_package
from scormbuild.pipeline import build

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
GARBAGE = st.one_of(st.none(), st.booleans(), st.integers(-5, 500), st.floats(allow_nan=True),
                    st.text(max_size=12), st.lists(st.integers(), max_size=2),
                    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


def maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The value, or garbage of another type now and then."""
    return st.integers(0, 24).flatmap(lambda n: GARBAGE if n == 13 else value)


def rarely(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly `good`, one time in eight `bad`."""
    return st.integers(0, 7).flatmap(lambda n: bad if n == 5 else good)


NAMES = rarely(st.sampled_from(["intro", "second", "final", "check", "x"]),
               st.sampled_from(["Intro", "bad name", "-x"]))
PATHS = rarely(st.sampled_from(["../assets/a.png", "second.md", "#anchor", "../assets/doc.txt"]),
               st.sampled_from(["../assets/a.png", "../assets/missing.png", "../../etc/passwd",
                         "/etc/passwd", "C:\\x.png", "..\\assets\\a.png", "https://e.org/a.png",
                         "../assets/a%20b.png", "second.md", "nowhere.md#part", "#anchor",
                         "../assets/doc.txt"]))
WORDS = rarely(st.sampled_from(["Text", "**bold**", "## Heading", "- item", "`code`"]),
               st.sampled_from(["Text", "**bold**", "<b>html</b>", "## Heading", "#### Deep", "# Top",
                         "- item", "> quote", "`code`", "|a|b|\n|-|-|\n|1|2|", "!!! note \"N\"\n    x",
                         "term\n: def", "[^1]\n\n[^1]: note", "```python\nx = 1\n```", "\0", "é ✓",
                         "&amp; &#0;", "<!-- c -->", "{{ jinja }}", "]]>", "\\"]))


@st.composite
def markdown(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            alt = draw(st.sampled_from(["", "A picture"]))
            bang = draw(st.sampled_from(["!", ""]))
            parts.append(f"{bang}[{alt}]({draw(PATHS)})")
        else:
            parts.append(draw(WORDS))
    return "\n\n".join(parts)


@st.composite
def question(draw: st.DrawFn, index: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["single", "multiple", "true-false", "fill-in", "numeric",
                                 "matching", "ordering", "likert", "essay"]))
    q: dict[str, Any] = {"id": draw(maybe(st.just(f"q{index}"))), "type": kind,
                         "prompt": draw(maybe(markdown()))}
    if kind in ("single", "multiple"):
        q["choices"] = [{"text": draw(maybe(st.sampled_from(["Yes", "No", "![i](../assets/a.png)"]))),
                         "correct": draw(maybe(st.booleans()))}
                        for _ in range(draw(st.integers(1, 4)))]
    elif kind == "true-false":
        q["answer"] = draw(maybe(st.booleans()))
    elif kind == "fill-in":
        q["answers"] = draw(maybe(st.lists(st.text(min_size=1, max_size=8), max_size=2)))
        if draw(st.booleans()):
            q["pattern"] = draw(st.sampled_from(["colou?r", "(?i)x", "[", "a{2}"]))
    elif kind == "numeric":
        q["answer"] = draw(maybe(st.floats(allow_nan=True, allow_infinity=True)))
    elif kind == "matching":
        q["pairs"] = [{"source": draw(st.sampled_from("abc")), "target": draw(st.sampled_from("xyz"))}
                      for _ in range(draw(st.integers(1, 4)))]
    elif kind == "ordering":
        q["items"] = draw(st.lists(st.sampled_from(["one", "two", "three"]), max_size=4))
    else:
        q["scale"] = ["no", "yes"]
    if draw(st.booleans()):
        q["tags"] = [draw(st.sampled_from(["core", "extra"]))]
    if draw(st.integers(0, 9)) == 5:
        q[draw(st.sampled_from(["points", "feedback", "hint", "bogus"]))] = draw(GARBAGE)
    return q


@st.composite
def course_tree(draw: st.DrawFn) -> dict[str, bytes]:
    lessons = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    quizzes = draw(st.lists(NAMES.filter(lambda n: n not in lessons), max_size=2, unique=True))
    files: dict[str, bytes] = {}
    for name in lessons:
        front = {"title": draw(maybe(st.just(f"Lesson {name}")))}
        if draw(st.integers(0, 5)) == 3:
            front[draw(st.sampled_from(["objectives", "duration_minutes", "titel"]))] = draw(GARBAGE)
        text = "---\n" + yaml.safe_dump(front) + "---\n" + draw(markdown()) + "\n"
        if draw(st.integers(0, 15)) == 5:
            text = draw(st.text(max_size=40))
        files[f"lessons/{name}.md"] = text.encode("utf-8", "surrogatepass")
    for name in quizzes:
        quiz: dict[str, Any] = {"title": draw(maybe(st.just("Quiz"))),
                                "kind": draw(st.sampled_from(["assessment", "knowledge-check"])),
                                "questions": [draw(question(i)) for i in range(draw(st.integers(0, 4)))]}
        if draw(st.booleans()):
            quiz["pass_mark"] = draw(maybe(st.integers(0, 100)))
        if draw(st.integers(0, 3)) == 2:
            quiz["pools"] = [{"tag": draw(st.sampled_from(["core", "extra"])),
                              "draw": draw(st.integers(0, 3))}]
        files[f"quizzes/{name}.yml"] = yaml.safe_dump(quiz, allow_unicode=True).encode()
    outline: list[Any] = [{"lesson": n} for n in lessons] + [{"quiz": n} for n in quizzes]
    if draw(st.integers(0, 5)) == 3:
        outline = [*draw(st.permutations(outline))[1:], {"page": "x"}]
    course: dict[str, Any] = {
        "id": draw(maybe(rarely(st.just("prop-course"), st.just("Prop Course")))),
        "title": draw(maybe(st.just("Property course"))),
        "completion": {"all_lessons_viewed": draw(st.booleans()),
                       "assessment_passed": draw(st.booleans())},
        "outline": outline,
    }
    if draw(st.booleans()):
        course["branding"] = {"logo": draw(rarely(st.just("assets/a.png"),
                                                  st.sampled_from(["../x.png", "C:\\l.png"])))}
    if draw(st.booleans()):
        course["allow_html"] = draw(st.booleans())
    text = yaml.safe_dump(course, allow_unicode=True)
    if draw(st.integers(0, 10)) == 5:
        text = text.replace(":", "", 1)  # broken YAML
    files["course.yml"] = text.encode()
    if draw(st.booleans()):
        files["assets/a.png"] = draw(st.sampled_from([PNG, b"not a png"]))
    if draw(st.booleans()):
        files["assets/doc.txt"] = b"handout\n"
    return files


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=course_tree(), target=st.sampled_from(["scorm12", "cmi5", "tincan"]))
def test_a_course_builds_a_valid_package_or_gives_diagnostics(tree: dict[str, bytes],
                                                              target: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        for rel, data in tree.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        try:
            results = build(root, [target], Path(tmp) / "dist")
        except CourseInvalid as invalid:
            event("course invalid")
            assert invalid.diagnostics, "CourseInvalid must carry at least one diagnostic"
            assert any(d.is_error for d in invalid.diagnostics)
            for diag in invalid.diagnostics:
                assert diag.render()  # every diagnostic renders
            return
        event("package built")
        (result,) = results
        report = validate_package(result.path)
        assert report.ok, [d.render() for d in report.diagnostics]
