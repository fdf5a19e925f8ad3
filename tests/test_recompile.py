"""pipeline.recompile_course (the preview's rebuild after a change) gives exactly what a fresh
compile_course and render_package give, and reads and renders again only what changed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from scormbuild import preview
from scormbuild.errors import CourseInvalid, Diagnostic
from scormbuild.pipeline import Compiled, compile_course, recompile_course, render_package
from scormbuild.targets import TARGETS
from support import CourseFactory, write

Edit = Callable[[Path], list[Path]]  # changes a course folder, returns the paths it touched


def _replace(path: Path, old: str, new: str) -> list[Path]:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return [path]


def _atomic_save(course: Path) -> list[Path]:
    """How many editors save: write a temporary file, then rename it over the lesson."""
    lesson = course / "lessons" / "intro.md"
    temp = course / "lessons" / "intro.md.tmp123"
    temp.write_text(lesson.read_text().replace("Remember this.", "Remember that."))
    os.replace(temp, lesson)
    return [temp, lesson]


def _temporary_file(course: Path) -> list[Path]:
    probe = write(course / "lessons" / "4913", "")  # vim checks it may write the folder
    probe.unlink()
    return [probe, *_replace(course / "lessons" / "second.md", "Text.", "More text.")]


def _symlinked(course: Path) -> list[Path]:
    lesson = course / "lessons" / "second.md"
    target = course.parent / "second-elsewhere.md"
    target.write_text(lesson.read_text())
    lesson.unlink()
    lesson.symlink_to(target)
    return [lesson]


def _assets_moved(course: Path) -> list[Path]:
    (course / "assets").rename(course.parent / "assets-elsewhere")
    return [course / "assets"]


def _lesson_added(course: Path) -> list[Path]:
    return [write(course / "lessons" / "extra.md", "---\ntitle: Extra\n---\nText.\n")]


def _lesson_deleted(course: Path) -> list[Path]:
    (course / "lessons" / "second.md").unlink()
    return [course / "lessons" / "second.md"]


def _template_added(course: Path) -> list[Path]:
    return [write(course / "templates" / "lesson.html", "<section>{{ page.title }}</section>\n")]


def _asset_replaced(course: Path) -> list[Path]:
    box = course / "assets" / "box.svg"
    box.write_text(box.read_text().replace("<svg", "<svg data-x='1'", 1))
    return [box]


INTRO, SECOND = "lessons/intro.md", "lessons/second.md"
# edits a recompile handles by reading only the lessons that changed
LESSON_EDITS: dict[str, Edit] = {
    "body text": lambda c: _replace(c / INTRO, "Remember this.", "Remember *this* well."),
    "title (contents, course data)": lambda c: _replace(c / SECOND, "title: Second lesson",
                                                        "title: The second lesson"),
    "heading another lesson links to": lambda c: _replace(c / SECOND, "## Details",
                                                          "## Particulars"),
    "image of a missing file": lambda c: _replace(c / INTRO, "Remember this.",
                                                  "![Gone](../assets/gone.svg)"),
    "asset no longer used": lambda c: _replace(c / INTRO, "[A download](../assets/handout.txt)",
                                               "No download."),
    "heading level jump": lambda c: _replace(c / SECOND, "### Deeper", "##### Deeper"),
    "atomic save": _atomic_save,
    "temporary file of an editor": _temporary_file,
}
# edits after which a recompile reads the whole folder again
OTHER_EDITS: dict[str, Edit] = {
    "front matter error": lambda c: _replace(c / SECOND, "---\n## Details",
                                             "colour: red\n---\n## Details"),
    "course.yml": lambda c: _replace(c / "course.yml", "title: Every feature", "title: Other"),
    "quiz": lambda c: _replace(c / "quizzes" / "final.yml", "Final", "Last"),
    "lesson added": _lesson_added,
    "lesson deleted": _lesson_deleted,
    "lesson replaced by a symbolic link": _symlinked,
    "asset replaced": _asset_replaced,
    "assets folder moved away": _assets_moved,
    "course template added": _template_added,
}


def _outcome(make: Callable[[], Compiled]) -> Compiled | list[Diagnostic]:
    try:
        return make()
    except CourseInvalid as invalid:
        return invalid.diagnostics


def _assert_same_as_fresh(course: Path, got: Compiled | list[Diagnostic]) -> None:
    fresh = _outcome(lambda: compile_course(course))
    assert got == fresh
    if isinstance(got, Compiled):
        assert isinstance(fresh, Compiled)
        assert got.warnings == fresh.warnings
        for target in TARGETS.values():
            assert render_package(got, target) == render_package(fresh, target), target.name


@pytest.mark.parametrize("name", sorted(LESSON_EDITS))
def test_a_lesson_edit_rereads_and_rerenders_only_that_lesson(course_copy: CourseFactory,
                                                              name: str) -> None:
    course = course_copy("features")
    previous = compile_course(course, reusable=True)
    changed = LESSON_EDITS[name](course)
    got = _outcome(lambda: recompile_course(previous, changed))
    _assert_same_as_fresh(course, got)
    if isinstance(got, Compiled):
        assert got.sources is not None and previous.sources is not None
        edited = {p.stem for p in changed if p.suffix == ".md"}
        for lesson, source in got.sources.lessons.items():
            assert (source is previous.sources.lessons[lesson]) == (lesson not in edited)
        assert got.sources.quizzes == previous.sources.quizzes
        for page in ("check", "final"):  # quizzes are not rendered again
            assert got.markup[page] is previous.markup[page]


@pytest.mark.parametrize("name", sorted(OTHER_EDITS))
def test_other_changes_read_the_whole_course_again(course_copy: CourseFactory,
                                                   name: str) -> None:
    course = course_copy("features")
    previous = compile_course(course, reusable=True)
    changed = OTHER_EDITS[name](course)
    got = _outcome(lambda: recompile_course(previous, changed))
    _assert_same_as_fresh(course, got)
    if isinstance(got, Compiled):
        assert got.sources is not None and previous.sources is not None
        assert got.sources.lessons["intro"] is not previous.sources.lessons["intro"]


def test_edits_one_after_another_from_the_last_good_build(course_copy: CourseFactory) -> None:
    """What a preview session does: compile from the last build that worked, with every file
    changed since (a quiz edited while a lesson had an error is not forgotten)."""
    course = course_copy("features")
    steps = [(INTRO, "Remember this.", "Remember *this*."),
             (SECOND, "---\n## Details", "colour: red\n---\n## Details"),  # an error
             (SECOND, "colour: red\n", ""),  # fixed
             (SECOND, "## Details", "## Particulars"),  # intro's link now points at nothing
             (INTRO, "Remember *this*.", "![Gone](../assets/gone.svg)"),  # an error
             ("quizzes/final.yml", "Final", "Last"),
             (INTRO, "![Gone](../assets/gone.svg)", "Fixed."),
             (SECOND, "## Particulars", "## Details")]
    last = compile_course(course, reusable=True)
    start = last.warnings  # the fixture's own item-writing warnings
    since: list[Path] = []  # every change since the last build that worked
    for path, old, new in steps:
        since += _replace(course / path, old, new)
        got = _outcome(lambda: recompile_course(last, since))  # noqa: B023
        _assert_same_as_fresh(course, got)
        if isinstance(got, Compiled):
            last, since = got, []
    assert isinstance(got, Compiled) and got.warnings == start  # back where it started


def test_a_recompile_without_kept_sources_reads_everything(course_copy: CourseFactory) -> None:
    course = course_copy("features")
    previous = compile_course(course)  # a build's: nothing kept to reuse
    assert previous.sources is None and not previous.markup
    changed = LESSON_EDITS["body text"](course)
    got = recompile_course(previous, changed)
    _assert_same_as_fresh(course, got)
    assert got.sources is not None  # reusable from here on


def test_preview_rebuild_renders_the_opened_package_from_the_change(
        course_copy: CourseFactory) -> None:
    course = course_copy("features").resolve()
    builds = preview.Builds(course, None)
    builds.rebuild()
    assert isinstance(builds.package("cmi5"), dict)
    changed = LESSON_EDITS["title (contents, course data)"](course)
    assert builds.rebuild(changed) == 2
    files = builds.package("cmi5")
    assert isinstance(files, dict) and b"The second lesson" in files["index.html"]
    assert files == render_package(compile_course(course), TARGETS["cmi5"])
    changed = OTHER_EDITS["front matter error"](course)
    builds.rebuild(changed)
    errors = builds.package("cmi5")
    assert isinstance(errors, list) and errors == _outcome(lambda: compile_course(course))


def test_preview_keeps_changes_made_while_the_course_had_errors(
        course_copy: CourseFactory) -> None:
    course = course_copy("features").resolve()
    builds = preview.Builds(course, None)
    builds.rebuild()
    builds.package("scorm12")
    builds.rebuild(_replace(course / INTRO, "Remember this.", "![Gone](../assets/gone.svg)"))
    assert isinstance(builds.package("scorm12"), list)
    builds.rebuild(_replace(course / "quizzes" / "final.yml", "Final", "Last"))
    builds.rebuild(_replace(course / INTRO, "![Gone](../assets/gone.svg)", "Fixed."))
    files = builds.package("scorm12")
    assert files == render_package(compile_course(course), TARGETS["scorm12"])
