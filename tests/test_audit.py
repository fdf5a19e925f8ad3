"""audit.py: course-wide warnings (duration estimate, SVG images), exact rendered lines."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from scormbuild.audit import svg_problem
from scormbuild.pipeline import check
from support import CourseFactory, write


def with_durations(course: Path, total: int | None, lessons: list[int | None],
                   reference: int | None = None) -> Path:
    """minimal + lessons l0..ln with these durations (+ a reference glossary)."""
    text = (course / "course.yml").read_text(encoding="utf-8")
    if total is not None:
        text = text.replace("title: Minimal course\n", f"title: Minimal course\n"
                            f"duration_minutes: {total}\n")
    names = [f"l{i}" for i in range(len(lessons))]
    text += "".join(f"  - lesson: {n}\n" for n in names) + "  - lesson: glossary\n"
    write(course / "course.yml", text)
    write(course / "lessons" / "only.md", "---\ntitle: Only\nduration_minutes: 10\n---\n\nHi.\n")
    for name, minutes in zip(names, lessons, strict=True):
        extra = f"duration_minutes: {minutes}\n" if minutes else ""
        write(course / "lessons" / f"{name}.md", f"---\ntitle: {name}\n{extra}---\n\nText.\n")
    extra = f"duration_minutes: {reference}\n" if reference else ""
    write(course / "lessons" / "glossary.md",
          f"---\ntitle: Glossary\nreference: true\n{extra}---\n\nTerm\n: Meaning.\n")
    return course


def warnings(course: Path) -> list[str]:
    return [d.render() for d in check(course)]


DURATION_WARNING = ("course.yml:3:1: warning: duration_minutes is {total}, but the lessons add up "
                    "to {sum} minutes\n    hint: update one or the other: learners and the LMS "
                    "catalogue show the course's estimate (count the quizzes' time in it too)")


@pytest.mark.parametrize(("total", "lessons", "reference", "expected"), [
    (60, [20, 20], None, None),  # lessons 50 minutes (10 + 20 + 20): within half
    (75, [20, 20], None, None),  # exactly half above: quizzes take time too
    (76, [20, 20], None, 50),
    (24, [20, 20], None, 50),
    (200, [20, None], None, None),  # a lesson without a duration: no sum to compare
    (200, [20, 20], None, 50),  # the reference page may leave its duration out
    (200, [20, 20], 30, 80),  # ... but counts when it gives one
    (None, [20, 20], None, None),
])
def test_course_duration_against_the_lessons(course_copy: CourseFactory, total: int | None,
                                             lessons: list[int | None], reference: int | None,
                                             expected: int | None) -> None:
    course = with_durations(course_copy("minimal"), total, lessons, reference)
    assert warnings(course) == ([] if expected is None else [
        DURATION_WARNING.format(total=total, sum=expected)])


SVG = '<svg xmlns="http://www.w3.org/2000/svg"{} width="40" height="20"><title>Box</title></svg>'


def test_svg_without_viewbox() -> None:
    path = PurePosixPath("assets/box.svg")
    assert svg_problem(path, SVG.format(' viewBox="0 0 40 20"').encode()) is None
    assert svg_problem(path, SVG.format("").encode()) == (
        "SVG image has no viewBox, so its drawing is cropped instead of scaled on narrow "
        "screens and at high zoom",
        'add viewBox="0 0 WIDTH HEIGHT" to the <svg> element, using its width and height')
    assert svg_problem(PurePosixPath("assets/box.png"), SVG.format("").encode()) is None


def test_svg_warning_in_check(course_copy: CourseFactory) -> None:
    course = course_copy("minimal")
    write(course / "assets" / "box.svg", SVG.format(""))
    write(course / "lessons" / "only.md", "---\ntitle: Only\n---\n\n![A box](../assets/box.svg)\n")
    assert warnings(course) == [
        "assets/box.svg: warning: SVG image has no viewBox, so its drawing is cropped instead of "
        "scaled on narrow screens and at high zoom\n    hint: add viewBox=\"0 0 WIDTH HEIGHT\" to "
        "the <svg> element, using its width and height"]
