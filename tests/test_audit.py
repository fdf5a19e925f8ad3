"""audit.py: course-wide warnings (duration estimate, SVG images), exact rendered lines."""

from __future__ import annotations

import math
import struct
from pathlib import Path, PurePosixPath

import pytest

from scormbuild.audit import READING_WPM, count_words, media_seconds, svg_problem
from scormbuild.pipeline import check, compile_course, render_package
from scormbuild.targets import TARGETS
from support import CourseFactory, write


def body(minutes: int) -> str:
    """A lesson body that reads in `minutes` at the stated reading rate."""
    return "\n\n".join(" ".join(["word"] * 100) for _ in range(minutes * READING_WPM // 100))


def with_durations(course: Path, total: int | None, lessons: list[int | None],
                   reference: int | None = None, questions: int = 0) -> Path:
    """minimal + lessons l0..ln with these durations (+ a reference glossary, + a knowledge
    check of `questions` questions); each lesson reads in its stated time (10 minutes when it
    states none)."""
    text = (course / "course.yml").read_text(encoding="utf-8")
    if total is not None:
        text = text.replace("title: Minimal course\n", f"title: Minimal course\n"
                            f"duration_minutes: {total}\n")
    names = [f"l{i}" for i in range(len(lessons))]
    text += "".join(f"  - lesson: {n}\n" for n in names) + "  - lesson: glossary\n"
    if questions:
        text += "  - quiz: check\n"
        write(course / "quizzes" / "check.yml", "title: Check\nquestions:\n" + "".join(
            f"  - {{id: q{i}, type: true-false, prompt: Statement {i}., answer: {i % 2 == 0}, "
            f"explanation: Why.}}\n" for i in range(questions)))
    write(course / "course.yml", text)
    write(course / "lessons" / "only.md",
          f"---\ntitle: Only\nduration_minutes: 10\n---\n\n{body(10)}\n")
    for name, minutes in zip(names, lessons, strict=True):
        extra = f"duration_minutes: {minutes}\n" if minutes else ""
        write(course / "lessons" / f"{name}.md",
              f"---\ntitle: {name}\n{extra}---\n\n{body(minutes or 10)}\n")
    extra = f"duration_minutes: {reference}\n" if reference else ""
    write(course / "lessons" / "glossary.md",
          f"---\ntitle: Glossary\nreference: true\n{extra}---\n\n{body(reference or 1)}\n")
    return course


def warnings(course: Path) -> list[str]:
    return [d.render() for d in check(course)]


DURATION_WARNING = ("course.yml:3:1: warning: duration_minutes is {total}, but the lessons and "
                    "quizzes add up to about {sum} minutes (lessons {lessons}{estimated}; quizzes "
                    "{quizzes}, 1 a question)\n    hint: update one or the other: learners and the "
                    "LMS catalogue show the course's estimate, and continuing-education hours are "
                    "counted from it")


@pytest.mark.parametrize(("total", "lessons", "reference", "questions", "expected"), [
    (60, [20, 20], None, 0, None),  # lessons 50 minutes (10 + 20 + 20): within half
    (75, [20, 20], None, 0, None),  # exactly half above
    (76, [20, 20], None, 0, (50, 0, 0)),
    (24, [20, 20], None, 0, (50, 0, 0)),
    (76, [20, 20], None, 2, None),  # 52 minutes with a 2-question quiz: within half
    (80, [20, 20], None, 2, (52, 0, 2)),
    (200, [20, None], None, 0, (40, 1, 0)),  # a lesson without a duration: its estimate counts
    (200, [20, 20], None, 0, (50, 0, 0)),  # the reference page may leave its duration out
    (200, [20, 20], 30, 0, (80, 0, 0)),  # ... but counts when it gives one
    (None, [20, 20], None, 0, None),
])
def test_course_duration_against_the_lessons_and_quizzes(
        course_copy: CourseFactory, total: int | None, lessons: list[int | None],
        reference: int | None, questions: int, expected: tuple[int, int, int] | None) -> None:
    course = with_durations(course_copy("minimal"), total, lessons, reference, questions)
    if expected is None:
        assert warnings(course) == []
        return
    minutes, estimated, quizzes = expected
    assert warnings(course) == [DURATION_WARNING.format(
        total=total, sum=minutes, lessons=minutes - quizzes, quizzes=quizzes,
        estimated=f", {estimated} of them estimated from their words" if estimated else "")]


LESSON_TOO_LONG = (
    "lessons/only.md:3:1: warning: duration_minutes is {stated}, but the lesson takes about "
    "{estimate} minutes ({words} words at 200 words a minute{media})\n    hint: lower it to the "
    "time a learner needs; if activities in the lesson take the time, say what to do in the "
    "lesson text. Continuing-education hours are counted from these durations")
LESSON_TOO_SHORT = (
    "lessons/only.md:3:1: warning: duration_minutes is {stated}, but the lesson takes about "
    "{estimate} minutes ({words} words at 200 words a minute{media})\n    hint: raise it to the "
    "time a learner needs, or split the lesson. Continuing-education hours are counted from "
    "these durations")


def wav(seconds: int) -> bytes:
    """A silent 8-bit mono WAV file of that length at 100 samples a second."""
    data = bytes(100 * seconds)
    fmt = struct.pack("<HHIIHH", 1, 1, 100, 100, 1, 8)
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<I", 16)
            + fmt + b"data" + struct.pack("<I", len(data)) + data)


def mp4(seconds: int, version: int = 0) -> bytes:
    """The start of an MP4 file: ftyp, then a moov box with only an mvhd box (timescale 600)."""
    times = struct.pack(">IIII", 0, 0, 600, 600 * seconds) if version == 0 else \
        struct.pack(">QQIQ", 0, 0, 600, 600 * seconds)
    mvhd = b"mvhd" + bytes([version, 0, 0, 0]) + times
    return (struct.pack(">I", 16) + b"ftypisom" + bytes(4) + struct.pack(">I", 8 + len(mvhd) + 8)
            + b"moov" + struct.pack(">I", 8 + len(mvhd)) + mvhd)


@pytest.mark.parametrize(("stated", "words", "media", "expected"), [
    (5, 935, None, None),  # estimate 5 (4.7 rounded up)
    (10, 935, None, None),  # twice the estimate: not far yet
    (11, 935, None, LESSON_TOO_LONG),  # over twice and 6 minutes above
    (15, 935, None, LESSON_TOO_LONG),
    (6, 100, None, None),  # estimate 1: over twice, but only 5 minutes above
    (7, 100, None, LESSON_TOO_LONG),
    (8, 3000, None, None),  # estimate 15: not under half
    (7, 3000, None, LESSON_TOO_SHORT),
    (2, 1000, None, None),  # estimate 5: under half, but only 3 minutes below
    (15, 935, ("clip.wav", wav(300)), None),  # 5 minutes of audio: estimate 10
    (15, 935, ("clip.mp4", mp4(300)), None),
    (15, 935, ("clip.mp4", mp4(300, version=1)), None),
    (25, 935, ("clip.wav", wav(300)), LESSON_TOO_LONG),
    (25, 935, ("clip.mp3", b"ID3 not parsed"), None),  # unknown length: could be long
    (2, 3000, ("clip.mp3", b"ID3 not parsed"), LESSON_TOO_SHORT),
])
def test_lesson_duration_against_its_words_and_media(
        course_copy: CourseFactory, stated: int, words: int, media: tuple[str, bytes] | None,
        expected: str | None) -> None:
    course = course_copy("minimal")
    text = " ".join(["word"] * (words - 2 if media else words))  # the alt text has 2 words
    if media is not None:
        write(course / "assets" / media[0], "")
        (course / "assets" / media[0]).write_bytes(media[1])
        text += f"\n\n![A recording](../assets/{media[0]})\n"
    write(course / "lessons" / "only.md",
          f"---\ntitle: The only lesson\nduration_minutes: {stated}\n---\n{text}\n")
    seconds = media_seconds(media[1]) if media else None
    estimate = math.ceil(words / 200 + (seconds or 0) / 60)
    extra = f", and {seconds / 60:.1f} minutes of audio and video" if seconds else ""
    assert warnings(course) == ([] if expected is None else [
        expected.format(stated=stated, estimate=estimate, words=words, media=extra)])


def test_words_leave_out_link_targets_and_tags() -> None:
    assert count_words("See [the guide](https://example.org/a/long/path) <b>now</b>.") == 4
    assert count_words("It's the client’s call: well-being.") == 6


def test_media_seconds() -> None:
    assert media_seconds(wav(90)) == 90
    assert media_seconds(mp4(75)) == 75
    assert media_seconds(mp4(75, version=1)) == 75
    assert media_seconds(b"ID3\x04") is None
    assert media_seconds(b"\x00\x00\x00\x10ftypisom") is None  # no mvhd box


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


@pytest.mark.parametrize("objectives", ["", "objectives: [Explain a boundary.]\n"])
def test_start_page_shows_the_stated_duration(course_copy: CourseFactory,
                                              objectives: str) -> None:
    course = course_copy("minimal")
    text = (course / "course.yml").read_text(encoding="utf-8")
    write(course / "course.yml", text.replace(
        "title: Minimal course\n", f"title: Minimal course\nduration_minutes: 1\n{objectives}"))
    files = render_package(compile_course(course), TARGETS["html"])
    page = files["index.html"].decode()
    assert '<p class="duration">Estimated time: 1 min</p>' in page
    assert ("Explain a boundary." in page) == bool(objectives)
