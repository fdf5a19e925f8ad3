"""Course-wide warnings that need the whole course: passability, durations, saved-state size,
size budgets, and asset files whose content does not match their name.

Works on values: the compiled Course, the asset bytes and sizes, and the sources' locators.
"""

from __future__ import annotations

import math
import posixpath
import re
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from .errors import Diagnostic, Location
from .markup import AUDIO, IMAGES, VIDEO
from .model import Course, Lesson
from .quiz import Question, Quiz
from .sources import CourseSources
from .statesize import LIMIT, estimate_state

MIB = 1024 * 1024
ASSET_BUDGET = 25 * MIB  # one file: LMS upload forms and slow links start to hurt here
PACKAGE_BUDGET = 250 * MIB  # the whole package: a common LMS upload limit
_IMAGE_KINDS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".svg": "SVG",
                ".webp": "WebP", ".avif": "AVIF"}
_SUFFIX_OF = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "SVG": ".svg", "WebP": ".webp",
              "AVIF": ".avif"}


def audit_course(course: Course, sources: CourseSources,
                 assets: Mapping[PurePosixPath, bytes]) -> list[Diagnostic]:
    """Warnings about the course as a whole; `assets` are the files that go into the package."""
    diags: list[Diagnostic] = []
    for quiz in course.quizzes:
        diags.extend(_check_quiz(quiz, sources))
    diags.extend(_check_course_pass(course, sources))
    durations = lesson_durations(course, assets)
    diags.extend(_check_lesson_durations(durations, sources))
    diags.extend(_check_duration(course, sources, durations))
    diags.extend(_check_state_size(course, sources))
    diags.extend(_check_sizes(assets))
    for path, data in assets.items():
        problem = image_problem(path, data) or svg_problem(path, data)
        if problem is not None:
            diags.append(Diagnostic(Location(path), problem[0], problem[1], "warning"))
    return diags


# --- passability ------------------------------------------------------------------------


def unanswerable(question: Question) -> str | None:
    """Why no response can earn this question's points in the player, or None."""
    if question.type == "numeric":
        values = [v for v in (question.answer, question.minimum, question.maximum,
                              question.tolerance) if v is not None]
        if any(not math.isfinite(v) for v in values):
            return "its numeric answer is not a finite number"
    return None  # fill-in patterns outside the supported subset are errors (quiz.py)


def reachable_percent(quiz: Quiz) -> float:
    """Best score (0..100) an attempt can reach, as scoring.js computes it (pools aside)."""
    questions = [q for q in quiz.questions if q.scored]
    total = sum(q.points for q in questions)
    if total == 0:
        return 0.0
    best = sum(q.points for q in questions if unanswerable(q) is None)
    return round(best / total * 10000) / 100


def _check_quiz(quiz: Quiz, sources: CourseSources) -> Iterator[Diagnostic]:
    source = sources.quizzes.get(quiz.name)
    if source is None:
        return
    locate = source.locate
    for i, question in enumerate(quiz.questions):
        why = unanswerable(question)
        if why is not None:
            yield Diagnostic(locate.at("questions", i, "answer"),
                             f"question '{question.id}' can never be answered correctly: {why}",
                             "use a plain number", "warning")
    if not quiz.counts or quiz.pass_mark == 0:
        return
    if not quiz.pools:
        best = reachable_percent(quiz)
        if 0 < best < quiz.pass_mark:
            yield Diagnostic(locate.at("pass_mark"),
                             f"quiz '{quiz.name}' cannot be passed: the best reachable score is "
                             f"{best:g}%, below its pass mark of {quiz.pass_mark}%",
                             "fix the questions that can never be answered correctly, or lower "
                             "pass_mark", "warning")
        return
    if quiz.max_points == 0:
        return  # quiz.build_quiz reports an assessment without scored questions
    for i, pool in enumerate(quiz.pools):
        tagged = [q for q in quiz.questions if pool.tag in q.tags]
        if not any(q.scored for q in tagged):
            yield Diagnostic(locate.at("pools", i, "tag"),
                             f"pool '{pool.tag}' draws only unscored (likert) questions",
                             "they add nothing to the score; tag scored questions too, or draw "
                             "them in a knowledge-check", "warning")
    if all(sum(not q.scored for q in quiz.questions if p.tag in q.tags) >= p.draw
           for p in quiz.pools):
        yield Diagnostic(locate.at("pools"),
                         f"quiz '{quiz.name}' cannot be passed by some learners: an attempt can "
                         "draw only unscored (likert) questions and then scores 0%",
                         "draw fewer questions from pools with likert questions, or keep likert "
                         "questions out of the pools", "warning")


def _check_course_pass(course: Course, sources: CourseSources) -> Iterator[Diagnostic]:
    graded = course.graded_quizzes
    if not course.completion.assessment_passed or not graded or course.pass_mark == 0:
        return
    weights = sum(q.weight for q in graded)
    best = sum(q.weight * reachable_percent(q) for q in graded if not q.pools) + sum(
        q.weight * 100 for q in graded if q.pools)
    score = round(best / weights * 100) / 100
    if 0 < score < course.pass_mark:
        yield Diagnostic(sources.locate.at("pass_mark"),
                         f"the course cannot be passed: the best reachable course score is "
                         f"{score:g}%, below the course pass_mark of {course.pass_mark}%",
                         "fix the questions that can never be answered correctly, or lower "
                         "pass_mark", "warning")


# --- duration -----------------------------------------------------------------------------

READING_WPM = 200  # words a minute: a common figure for reading instructional text closely
MINUTES_PER_QUESTION = 1  # reading, thinking, answering and reading the feedback
DURATION_FACTOR = 2  # a lesson's stated time is "far" when over twice or under half the estimate
DURATION_SLACK = 5  # ... and more than 5 minutes away from it
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_LINK_TARGET = re.compile(r"\]\([^)]*\)|<[^>]+>|^\s*```.*$", re.MULTILINE)
_MEDIA_LINK = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?")


@dataclass(frozen=True, slots=True)
class LessonDuration:
    """A lesson's stated time and the estimate from its words and media."""

    lesson: str
    path: PurePosixPath
    words: int
    media_minutes: float  # length of its audio and video, where the files tell it
    unknown_media: int  # audio and video files whose length is not known
    stated: int | None  # duration_minutes of its front matter
    reference: bool

    @property
    def estimate(self) -> int:
        """Whole minutes (at least 1): reading time at READING_WPM plus the media."""
        return max(1, math.ceil(self.words / READING_WPM + self.media_minutes - 1e-9))


def count_words(markdown: str) -> int:
    """Words a learner reads in a lesson body (link targets and HTML tags left out)."""
    return len(_WORD.findall(_LINK_TARGET.sub(" ", markdown)))


def quiz_minutes(quiz: Quiz) -> int:
    """Estimated minutes for one attempt: MINUTES_PER_QUESTION for each question drawn."""
    drawn = sum(p.draw for p in quiz.pools) if quiz.pools else len(quiz.questions)
    return drawn * MINUTES_PER_QUESTION


def lesson_durations(course: Course, assets: Mapping[PurePosixPath, bytes]
                     ) -> tuple[LessonDuration, ...]:
    """Each lesson's estimate, in outline order."""
    return tuple(_lesson_duration(lesson, assets) for lesson in course.lessons)


def _lesson_duration(lesson: Lesson, assets: Mapping[PurePosixPath, bytes]) -> LessonDuration:
    seconds = 0.0
    unknown = 0
    for target in _MEDIA_LINK.findall(lesson.body):
        suffix = PurePosixPath(target).suffix.lower()
        if suffix not in AUDIO and suffix not in VIDEO:
            continue
        path = PurePosixPath(posixpath.normpath(posixpath.join(str(lesson.path.parent), target)))
        length = media_seconds(assets.get(path, b""))
        if length is None:
            unknown += 1
        else:
            seconds += length
    return LessonDuration(lesson.name, lesson.path, count_words(lesson.body), seconds / 60,
                          unknown, lesson.duration_minutes, lesson.reference)


def media_seconds(data: bytes) -> float | None:
    """Length of an MP4/M4A (its mvhd box) or WAV (data size / byte rate) file, else None."""
    if data[4:8] == b"ftyp":
        at = data.find(b"mvhd")
        if at < 4:
            return None
        version = data[at + 4]
        fields = data[at + 16:at + 24] if version == 0 else data[at + 24:at + 36]
        try:
            scale, length = struct.unpack(">II" if version == 0 else ">IQ", fields)
        except struct.error:
            return None
        return length / scale if scale else None
    if data.startswith(b"RIFF") and data[8:12] == b"WAVE":
        rate, size, at = None, None, 12
        while at + 8 <= len(data) and (rate is None or size is None):
            chunk, length = data[at:at + 4], struct.unpack("<I", data[at + 4:at + 8])[0]
            if chunk == b"fmt " and length >= 12:
                rate = struct.unpack("<I", data[at + 16:at + 20])[0]
            elif chunk == b"data":
                size = length
            at += 8 + length + (length & 1)
        return size / rate if rate and size is not None else None
    return None


def _check_lesson_durations(durations: tuple[LessonDuration, ...],
                            sources: CourseSources) -> Iterator[Diagnostic]:
    """A lesson's duration_minutes far from its estimate, either way."""
    for d in durations:
        source = sources.lessons.get(d.lesson)
        if d.stated is None or source is None:
            continue
        estimate = d.estimate
        media = (f", and {d.media_minutes:.1f} minutes of audio and video"
                 if d.media_minutes else "")
        basis = f"about {estimate} minutes ({d.words} words at {READING_WPM} words a minute{media})"
        where = source.locate.at("duration_minutes")
        if (d.stated > DURATION_FACTOR * estimate and d.stated - estimate > DURATION_SLACK
                and not d.unknown_media):
            yield Diagnostic(where, f"duration_minutes is {d.stated}, but the lesson takes {basis}",
                             "lower it to the time a learner needs; if activities in the lesson "
                             "take the time, say what to do in the lesson text. Continuing-"
                             "education hours are counted from these durations", "warning")
        elif d.stated * DURATION_FACTOR < estimate and estimate - d.stated > DURATION_SLACK:
            yield Diagnostic(where, f"duration_minutes is {d.stated}, but the lesson takes {basis}",
                             "raise it to the time a learner needs, or split the lesson. "
                             "Continuing-education hours are counted from these durations",
                             "warning")


def _check_duration(course: Course, sources: CourseSources,
                    durations: tuple[LessonDuration, ...]) -> Iterator[Diagnostic]:
    """The course's duration_minutes against its lessons and quizzes: each lesson's own
    duration_minutes (its estimate when it gives none; a reference page without one does not
    count) plus MINUTES_PER_QUESTION for each question of an attempt. Only a gap of more than
    half that sum is reported."""
    if course.duration_minutes is None or not durations:
        return
    lessons = sum(d.stated if d.stated is not None else 0 if d.reference else d.estimate
                  for d in durations)
    quizzes = sum(quiz_minutes(q) for q in course.quizzes)
    total = lessons + quizzes
    if abs(course.duration_minutes - total) <= total / 2:
        return
    estimated = sum(d.stated is None and not d.reference for d in durations)
    note = (f"lessons {lessons}" + (f", {estimated} of them estimated from their words"
                                    if estimated else "")
            + f"; quizzes {quizzes}, {MINUTES_PER_QUESTION} a question")
    yield Diagnostic(sources.locate.at("duration_minutes"),
                     f"duration_minutes is {course.duration_minutes}, but the lessons and quizzes "
                     f"add up to about {total} minutes ({note})",
                     "update one or the other: learners and the LMS catalogue show the course's "
                     "estimate, and continuing-education hours are counted from it", "warning")


# --- saved state --------------------------------------------------------------------------


def _check_state_size(course: Course, sources: CourseSources) -> Iterator[Diagnostic]:
    estimate = estimate_state(course)
    if estimate.fits:
        return
    where = sources.locate.at("outline")
    if not estimate.saves:
        # the codec never drops the current page's attempt for another: when that attempt
        # alone cannot fit, the LMS would refuse the state, so the course is refused here
        yield Diagnostic(where, f"saved progress needs at least {estimate.floor} characters "
                         f"with an attempt on quiz '{estimate.floor_quiz}' in progress, over "
                         f"the {LIMIT} that SCORM 1.2's suspend_data holds; learners would lose "
                         "their progress",
                         f"split quiz '{estimate.floor_quiz}' or use pools that draw fewer "
                         "questions; with many pages or quizzes, split the course")
        return
    if estimate.single > LIMIT:
        yield Diagnostic(where, f"saved progress can reach {estimate.total} characters, over the "
                         f"{LIMIT} that SCORM 1.2's suspend_data holds; long fill-in answers "
                         "will be shortened when saved"
                         + ("" if len(course.quizzes) < 2 else
                            ", and attempts left unfinished on other quizzes dropped"),
                         f"quiz '{estimate.quiz}' has the largest attempt: use fewer fill-in "
                         "questions, or pools that draw fewer questions", "warning")
        return
    yield Diagnostic(where, f"saved progress can reach {estimate.total} characters when learners "
                     f"leave attempts unfinished on many quizzes, over the {LIMIT} that SCORM "
                     "1.2's suspend_data holds; the attempts farthest from the learner's page "
                     "are then not saved (knowledge checks first) or their long fill-in answers "
                     "shortened",
                     "learners start those quizzes again on their next visit; fewer quizzes, or "
                     "fewer questions in each, keep every attempt", "warning")


# --- files --------------------------------------------------------------------------------


def _mib(size: int) -> str:
    return f"{size / MIB:.1f} MiB"


def _check_sizes(assets: Mapping[PurePosixPath, bytes]) -> Iterator[Diagnostic]:
    for path, data in sorted(assets.items()):
        if len(data) > ASSET_BUDGET:
            yield Diagnostic(Location(path), f"file is {_mib(len(data))}, over the "
                             f"{_mib(ASSET_BUDGET)} budget for one file",
                             "compress it (smaller images, a lower video bitrate); large files "
                             "are slow for learners and some LMSs refuse them", "warning")
    total = sum(len(data) for data in assets.values())
    if total > PACKAGE_BUDGET:
        yield Diagnostic(Location(PurePosixPath("course.yml")),
                         f"the package's files add up to {_mib(total)}, over the "
                         f"{_mib(PACKAGE_BUDGET)} budget for a package",
                         "compress the largest files or split the course; many LMSs limit "
                         "uploads to a few hundred MiB", "warning")


def sniff_image(data: bytes) -> str | None:
    """The image format the bytes start with ('PNG', 'JPEG', ...), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "WebP"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return "AVIF"
    head = data[:65536].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if head.startswith("<") and re.search(r"<svg[\s>]", head):
        return "SVG"
    return None


def svg_problem(path: PurePosixPath, data: bytes) -> tuple[str, str] | None:
    """(message, hint) when an SVG image cannot scale: its root element has no viewBox.

    No check for <title>: lessons must give alt text (an error otherwise), and a browser does
    not expose the <title> of an SVG shown through <img>, so such a warning would be noise.
    """
    if path.suffix.lower() != ".svg" or sniff_image(data) != "SVG":
        return None
    root = re.search(r"<svg\b[^>]*>", data[:65536].decode("utf-8", "replace"))
    if root is None or re.search(r"\sviewBox\s*=", root.group(0)):
        return None
    return ("SVG image has no viewBox, so its drawing is cropped instead of scaled on narrow "
            "screens and at high zoom", 'add viewBox="0 0 WIDTH HEIGHT" to the <svg> element, '
            "using its width and height")


def image_problem(path: PurePosixPath, data: bytes) -> tuple[str, str] | None:
    """(message, hint) when a file named like an image does not hold that kind of image."""
    suffix = path.suffix.lower()
    if suffix not in IMAGES:
        return None
    expected = _IMAGE_KINDS[suffix]
    found = sniff_image(data)
    if found == expected:
        return None
    if found is None:
        return (f"file is named like a {expected} image but does not contain one",
                f"export the image again as {expected}; browsers show a broken image")
    return (f"file is named like a {expected} image but contains a {found} image",
            f"rename it to {path.stem}{_SUFFIX_OF[found]} and update the links to it")
