"""model.py: the outline against the files, and the completion rule against the quizzes."""

from __future__ import annotations

from scormbuild.pipeline import check, compile_course
from support import CourseFactory, write


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
