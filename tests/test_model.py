"""model.py: the outline against the files, and the completion rule against the quizzes."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from scormbuild.pipeline import check, compile_course, render_package
from scormbuild.targets import TARGETS
from support import COURSES, CourseFactory, write


def test_course_model_pages_and_modules(course_copy: CourseFactory) -> None:
    course = compile_course(course_copy("features")).course
    assert [(p.kind, p.name, p.module) for p in course.pages] == [
        ("lesson", "intro", "One"),
        ("quiz", "check", "One"),
        ("lesson", "second", None),
        ("quiz", "final", None),
    ]
    assert [title for title, _ in course.modules] == ["One", None, None]
    assert [q.name for q in course.graded_quizzes] == ["final"]
    assert course.activity_id == "https://scormbuild.example.org/xapi/courses/features"


def test_outline_names_a_missing_lesson(course_copy: CourseFactory) -> None:
    course = course_copy("features")
    (course / "lessons" / "second.md").rename(course / "lessons" / "secnd.md")
    assert [d.render() for d in check(course)] == [
        "course.yml:19:5: error: the outline names lesson 'second' but lessons/second.md does not "
        "exist\n    hint: did you mean 'secnd'?",
        "lessons/secnd.md: error: lesson 'secnd' is not in the course outline\n"
        "    hint: add '- lesson: secnd' to the outline in course.yml, or delete the file",
    ]


def test_lesson_listed_twice(course_copy: CourseFactory) -> None:
    course = course_copy("minimal")
    write(course / "course.yml", (course / "course.yml").read_text() + "  - lesson: only\n")
    assert [d.render() for d in check(course)] == [
        "course.yml:8:5: error: lesson 'only' appears twice in the outline (first at line 7)\n"
        "    hint: list each lesson and quiz once",
    ]


def test_assessment_required_but_missing(course_copy: CourseFactory) -> None:
    course = course_copy("minimal")
    text = (
        (course / "course.yml")
        .read_text()
        .replace("assessment_passed: false", "assessment_passed: true")
    )
    write(course / "course.yml", text)
    assert [d.render() for d in check(course)] == [
        "course.yml:5:3: error: completion requires a passed assessment, but the course has no "
        "graded quiz that counts\n    hint: add a quiz with 'kind: assessment' and a weight above 0, "
        "or set assessment_passed: false",
    ]


ACCEPTED_BASES = ["https://lrs.example.org/xapi/", "http://x.example/a%20b", "urn:uuid:6f1f",
                  "tag:example.org,2026:courses/", "https://exämple.org/kürse/", "https://[::1]/x"]
REFUSED_BASES = {
    'https://x.example/"q"': "contains '\"'", "https://x.example/<a>": "contains '<'",
    "https://x.example/{id}": "contains '{'", "https://x.example/a|b": "contains '|'",
    "https://x.example/a\\b": "contains '\\'", "https://x.example/a^b": "contains '^'",
    "https://x.example/a`b": "contains '`'", "https://x.example/a\u200bb": "contains U+200B",
    "https://x.example/100%": "'%' that is not followed", "javascript:alert(1)": "scheme",
    "file:///etc/": "scheme", "https:///path": "no host", "no-scheme/x": "scheme",
}


def test_activity_base_must_be_an_iri() -> None:
    from scormbuild.model import iri_problem

    assert [v for v in ACCEPTED_BASES if iri_problem(v) is not None] == []
    for value, why in REFUSED_BASES.items():
        assert why in (iri_problem(value) or ""), value


def test_accepted_activity_bases_build_packages_validate_accepts(
        course_copy: CourseFactory, tmp_path: Path) -> None:
    from scormbuild.package_check import validate_package
    from scormbuild.pipeline import build

    course = course_copy("xapi-mini")
    text = (course / "course.yml").read_text()
    for i, base in enumerate(ACCEPTED_BASES):
        write(course / "course.yml", text.replace("https://courses.example.org/xapi/", base))
        for result in build(course, ["tincan", "cmi5"], tmp_path / f"dist{i}"):
            report = validate_package(result.path)
            assert report.ok, (base, [d.render() for d in report.diagnostics])


def test_refused_activity_base_is_reported_at_its_line(course_copy: CourseFactory) -> None:
    course = course_copy("xapi-mini")
    path = course / "course.yml"
    write(path, path.read_text().replace("https://courses.example.org/xapi/",
                                         "'https://courses.example.org/{course}/'"))
    assert [d.render() for d in check(course)] == [
        "course.yml:11:3: error: activity_base 'https://courses.example.org/{course}/' contains "
        "'{', which an IRI cannot hold\n    hint: write a web address you control, e.g. "
        "https://example.org/xapi/courses/ (http, https, urn: or tag:); percent-encode other "
        "characters, e.g. a space as %20"]


def _ids(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]*)"', html)


@pytest.mark.parametrize("name", ["features", "all-question-types", "xapi-modules", "spanish"])
def test_html_ids_are_unique_in_fixture_courses(name: str) -> None:
    compiled = compile_course(COURSES / name)
    html = render_package(compiled, TARGETS["scorm12"])["index.html"].decode()
    ids = _ids(html)
    assert len(ids) > 10
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_names_that_nearly_join_keep_ids_unique(course_copy: CourseFactory) -> None:
    """Names allowed next to each other that a looser join would collide: all ids differ."""
    course = course_copy("features")
    names = ["intro", "intro-title", "title", "q", "q-final", "page-x", "x-count"]
    outline = "".join(f"  - lesson: {n}\n" for n in names) + "  - quiz: final\n"
    text = (course / "course.yml").read_text()
    write(course / "course.yml", text[: text.index("outline:")] + "outline:\n" + outline)
    for n in ("intro", "second"):
        (course / "lessons" / f"{n}.md").unlink()
    (course / "quizzes" / "check.yml").unlink()
    for n in names:
        write(course / "lessons" / f"{n}.md", f"---\ntitle: {n}\n---\n## Title\n\n## Intro\n\n"
              "## Title 2\n\n## Title\n\n## Final q1\n\n## Q1 prompt\n")
    questions = "".join(
        f"  - id: {q}\n    type: single\n    prompt: P\n    choices:\n"
        "      - text: A\n        correct: true\n      - text: B\n" for q in
        ("q1", "q1-a", "a", "q1-prompt", "final", "prompt"))
    write(course / "quizzes" / "final.yml", "title: Final\nkind: assessment\nquestions:\n"
          + questions)
    compiled = compile_course(course)
    ids = _ids(render_package(compiled, TARGETS["scorm12"])["index.html"].decode())
    assert len(ids) > 60
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_part_slugs_are_unique_and_cost_linear_work() -> None:
    """Many modules with one title: slugs -2, -3... without retrying from 2 each time."""
    import dataclasses
    import sys

    from scormbuild.model import Page

    course = compile_course(COURSES / "features").course

    def parts_of(titles: list[str]) -> tuple[list[str], int]:
        pages = tuple(Page(i, "lesson", f"p{i}", "T", t) for i, t in enumerate(titles))
        other = dataclasses.replace(course, pages=pages)
        count = 0

        def trace(frame: object, event: str, arg: object) -> object:
            nonlocal count
            count += 1
            return trace

        sys.settrace(trace)  # type: ignore[arg-type]
        try:
            slugs = [p.slug for p in other.parts]
        finally:
            sys.settrace(None)
        return slugs, count

    slugs, _ = parts_of(["Basics", "Module", "Basics", "Module 2", "Module", "Other", "Module"])
    assert slugs == ["basics", "module", "basics-2", "module-2", "module-3", "other", "module-4"]
    titles = [f"M{i % 2}" for i in range(4000)]  # alternate, so groups do not merge
    small, large = parts_of(titles[:2000])[1], parts_of(titles)[1]
    assert large / small < 2.25
