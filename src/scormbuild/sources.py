"""The only reader: course.yml, lessons, quizzes and the asset listing of a course folder.

Checks shape (YAML syntax, keys, types) and reports every problem with its file and line.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from . import yamltree
from .errors import Diagnostic, Location, at
from .specs import (
    BAD_CHARS,
    COURSE_KEYS,
    LESSON_KEYS,
    QUESTION_TYPES,
    QUIZ_KEYS,
    CourseSpec,
    LessonRef,
    LessonSpec,
    ModuleSpec,
    QuizSpec,
)

COURSE_FILE = "course.yml"
MIB = 1024 * 1024
# Largest text file of each kind, far above any real one (the example courses' largest
# course.yml is 2 KB, their largest quiz 15 KB): a file over it is a mistake or an attack, and
# the reader refuses it before parsing, so no later stage has to cope with it.
TEXT_LIMITS = {
    "course": (1 * MIB, "course.yml",
               "course.yml holds settings and the outline: move long text into lessons"),
    "lesson": (2 * MIB, "a lesson", "split it into several lessons"),
    "quiz": (1 * MIB, "a quiz file", "split it into several quizzes"),
}
MAX_ASSET_BYTES = 200 * MIB
MAX_BAD_CHARS = 5  # diagnostics per file; the rest are the same fix
_CHAR_NAMES = {0x00: "NUL", 0x07: "bell", 0x08: "backspace", 0x0B: "vertical tab",
               0x0C: "form feed", 0x1B: "escape", 0x7F: "delete"}
BAD_CHAR_HINT = ("delete it (most editors do not show it; it often comes with text pasted from "
                 "another program): a package cannot contain it")
SpecT = TypeVar("SpecT", bound=BaseModel)

# What each constrained value allows, in a designer's words. Keys are the value's path without
# list positions (a question's type after 'questions' where it matters), or its last key.
FIELD_HINTS = {
    "id": "use lowercase letters, digits and single hyphens, e.g. 'professional-boundaries'",
    "title": "write a title of 1 to 200 characters",
    "short_title": "write a short title of 1 to 80 characters, or leave the key out",
    "version": "use a semantic version such as 1.0.0 (quote it if your editor changes it)",
    "language": "use a BCP 47 language tag such as en-US, es or fr-CA",
    "description": "write the description as text",
    "organization": "write the organization's name as text",
    "authors": "list each author on a line of its own starting with '- '",
    "objectives": "list each objective on a line of its own starting with '- '",
    "duration_minutes": "write the time in minutes as a whole number above 0 (at most "
                        "100000), e.g. 45",
    "pass_mark": "write the pass mark as a whole number from 0 to 100, without %",
    "completion": "write 'completion:' with the rules indented below it, e.g. "
                  "'  all_lessons_viewed: true' and '  assessment_passed: false'",
    "all_lessons_viewed": "write true or false",
    "assessment_passed": "write true or false",
    "allow_html": "write true or false",
    "xapi": "write 'xapi:' with its settings indented below it, e.g. "
            "'  activity_base: https://courses.example.org/xapi/'",
    "activity_base": "use an absolute IRI such as https://courses.example.org/xapi/",
    "cmi5_au_per_module": "write true or false",
    "branding": "write 'branding:' with its settings indented below it, e.g. "
                "'  logo: assets/logo.svg'",
    "logo": "give the logo's path from the course folder, e.g. assets/logo.svg",
    "primary_color": "use a six-digit hex colour such as #1f5fa8",
    "accent_color": "use a six-digit hex colour such as #b3541e",
    "font_family": "write a font name of letters, digits, spaces, '-' and '_', at most 80 "
                   "characters",
    "fonts": "list each font file on a line starting with '- ', e.g. '- assets/fonts/body.woff2'",
    "branding.fonts.file": "give the font file's path from the course folder",
    "branding.fonts.weight": "write a font weight from 100 to 900 in hundreds, e.g. 400 or 700",
    "branding.fonts.style": "write normal or italic",
    "outline": "list the lessons and quizzes in order, e.g. '- lesson: intro'",
    "outline.module": "write the module's title as text",
    "outline.items": "list the module's lessons and quizzes below 'items:', e.g. "
                     "'- lesson: intro'",
    "lesson": "name the lesson file without its extension, e.g. 'intro' for lessons/intro.md",
    "quiz": "name the quiz file without its extension, e.g. 'final' for quizzes/final.yml",
    "reference": "write true for a reference page (not counted as a lesson to view), or false",
    "kind": "write knowledge-check or assessment",
    "weight": "write the quiz's weight in the course score as a number from 0 to 1000, "
              "e.g. 1 or 2.5",
    "attempts": "write how many attempts a learner has as a whole number from 0 to 100 "
                "(0 = unlimited)",
    "after_last_attempt": "write show-answers or lock",
    "shuffle_questions": "write true or false",
    "shuffle_choices": "write true or false",
    "time_limit_minutes": "write the time limit in minutes as a whole number from 1 to 1440, "
                          "or leave the key out for no limit",
    "pools": "list each pool as '- tag: name' with 'draw: number' below it",
    "pools.tag": "write the tag the pool draws from, as text",
    "pools.draw": "write how many questions to draw as a whole number from 1 to 1000 (at most "
                  "the number of questions with its tag)",
    "introduction": "write the introduction as text",
    "questions": "list the questions, each starting with '- id: ...'",
    "questions.id": "start with a letter, then letters, digits, '-' or '_' (at most 64), e.g. q1",
    "questions.prompt": "write the question as text",
    "questions.points": "write the points as a number above 0 and at most 100, e.g. 1 or 2.5",
    "questions.type": "write one of: " + ", ".join(QUESTION_TYPES),
    "questions.hint": "write the hint as text",
    "questions.explanation": "write the explanation as text",
    "questions.feedback.correct": "write the feedback for a right answer as text",
    "questions.feedback.incorrect": "write the feedback for a wrong answer as text",
    "questions.feedback_true": "write the feedback shown after answering true, as text",
    "questions.feedback_false": "write the feedback shown after answering false, as text",
    "questions.choices.text": "write the choice as text (quote it if it looks like a number or "
                              "true/false)",
    "questions.choices.feedback": "write the choice's feedback as text",
    "questions.pairs.source": "write the left side of the pair as text",
    "questions.pairs.target": "write the right side of the pair as text",
    "questions.feedback": "write 'feedback:' with 'correct:' and/or 'incorrect:' texts indented "
                          "below it",
    "questions.tags": "list each tag on a line starting with '- '",
    "questions.choices": "list from 2 to 26 choices, each starting with '- text: ...'",
    "questions.choices.id": "write one lowercase letter or digit, e.g. a",
    "questions.choices.correct": "write true for a right choice, or leave the key out",
    "questions.scoring": "write all-or-nothing or partial",
    "questions.true-false.answer": "write true or false",
    "questions.numeric.answer": "write the right answer as a number, e.g. 42 or 3.5",
    "questions.tolerance": "write how far off an answer may be as a number of 0 or more, "
                           "e.g. 0.5",
    "questions.min": "write the smallest accepted answer as a number",
    "questions.max": "write the largest accepted answer as a number",
    "questions.case_sensitive": "write true or false",
    "questions.answers": "list each accepted answer on a line starting with '- '",
    "questions.pattern": "write a regular expression as text, quoted, e.g. 'colou?r'",
    "questions.pairs": "list from 2 to 9 pairs, each as '- source: ...' with 'target: ...'",
    "questions.distractors": "list each extra target on a line starting with '- '",
    "questions.items": "list from 2 to 26 items in their right order, each on a line "
                       "starting with '- '",
    "questions.scale": "list from 2 to 10 scale points, each on a line starting with '- '",
}
# What a value of each type looks like, for a field without its own hint.
TYPE_HINTS = {
    "bool": "write true or false", "int": "write a whole number, e.g. 3",
    "float": "write a number, e.g. 2.5", "string": "write text (quote it if it looks like a "
    "number or true/false)", "list": "write a list: one '- item' per line",
    "dict": "write the keys indented on the lines below", "model": "write the keys indented "
    "on the lines below",
}
# pydantic's wording for a wrong type, said plainly (its own names classes and parsers).
TYPE_MESSAGES = {
    "bool_type": "expected true or false", "bool_parsing": "expected true or false",
    "int_type": "expected a whole number", "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number", "float_type": "expected a number",
    "float_parsing": "expected a number", "finite_number": "expected a number, not infinity "
    "or NaN", "string_type": "expected text", "list_type": "expected a list",
    "dict_type": "expected keys and values (a mapping)",
    "model_type": "expected keys and values (a mapping)",
    "model_attributes_type": "expected keys and values (a mapping)",
}
_TAGS = frozenset({"module", "lesson", "quiz", *QUESTION_TYPES})


@dataclass(frozen=True, slots=True)
class Locator:
    """Maps a key path inside one YAML document to a Location in its file."""

    path: PurePosixPath
    tree: Any = None
    line_offset: int = 0

    def at(self, *loc: str | int) -> Location:
        """The location of the value at `loc` (or of its nearest parent that exists)."""
        line, column = position_of(self.tree, loc)
        if line is None:
            return Location(self.path)
        return Location(self.path, line + self.line_offset, column)

    def text_line(self, *loc: str | int) -> int | None:
        """1-based line where the text value at `loc` starts (its key's line as a fallback)."""
        parent: Any = self.tree
        for key in loc[:-1]:
            try:
                parent = parent[key]
            except (KeyError, IndexError, TypeError):
                return self.at(*loc).line
        marks = getattr(parent, "lc", None)
        start = getattr(marks, "text_line", lambda _key: None)(loc[-1]) if loc else None
        if start is None:
            return self.at(*loc).line
        return int(start) + 1 + self.line_offset

    def file(self) -> Location:
        """The file itself, without a line."""
        return Location(self.path)


def line_of(tree: Any, loc: Sequence[str | int]) -> int | None:
    """1-based line of the deepest key in `loc` that exists in a yamltree tree."""
    return position_of(tree, loc)[0]


def position_of(tree: Any, loc: Sequence[str | int]) -> tuple[int | None, int | None]:
    """1-based (line, column) of the deepest key in `loc` that exists in a yamltree tree."""
    line = column = None
    for key in loc:
        pos = getattr(tree, "lc", None)
        if pos is None:
            break
        if isinstance(key, int):
            if not isinstance(tree, list) or not 0 <= key < len(tree):
                continue
            row, col = pos.item(key)
        else:
            if not isinstance(tree, dict) or key not in tree:
                continue  # a pydantic union tag or similar, not a real key
            row, col = pos.key(key)
        line, column, tree = row + 1, col + 1, tree[key]
    if line is None and getattr(tree, "lc", None) is not None:
        line, column = tree.lc.line + 1, tree.lc.col + 1
    return line, column


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    """One lesson or quiz in the order learners see them."""

    kind: str  # "lesson" or "quiz"
    name: str
    module: str | None
    where: Location


@dataclass(frozen=True, slots=True)
class LessonSource:
    """A lesson file: front matter spec and markdown body."""

    name: str
    path: PurePosixPath
    spec: LessonSpec
    body: str
    body_line: int  # 1-based line of the body's first line in the file
    locate: Locator


@dataclass(frozen=True, slots=True)
class QuizSource:
    """A quiz file after its shape was checked."""

    name: str
    path: PurePosixPath
    spec: QuizSpec
    locate: Locator


@dataclass(slots=True)
class CourseSources:
    """Everything read from a course folder, plus what was wrong with it."""

    root: Path
    spec: CourseSpec | None = None
    locate: Locator = field(default_factory=lambda: Locator(PurePosixPath(COURSE_FILE)))
    outline: list[OutlineEntry] = field(default_factory=list)
    lessons: dict[str, LessonSource] = field(default_factory=dict)
    quizzes: dict[str, QuizSource] = field(default_factory=dict)
    assets: dict[PurePosixPath, int] = field(default_factory=dict)  # path -> size in bytes
    templates: Path | None = None
    unreadable: set[tuple[str, str]] = field(default_factory=set)  # (kind, name) that failed
    diagnostics: list[Diagnostic] = field(default_factory=list)


def read_course(root: Path) -> CourseSources:
    """Read and shape-check a course folder; problems are collected, not raised."""
    sources = CourseSources(root=root)
    if not root.is_dir():
        found = "is a file, not a course folder" if root.exists() else "course folder not found"
        sources.diagnostics.append(
            Diagnostic(at(str(root.absolute())), found, "pass the folder that contains course.yml")
        )
        return sources
    course_path = root / COURSE_FILE
    if not course_path.is_file():
        sources.diagnostics.append(
            Diagnostic(at(COURSE_FILE), "course.yml not found in the course folder",
                       f"create {root / COURSE_FILE} or run 'scormbuild new {root}'")
        )
        return sources
    _refuse_links(root, sources.diagnostics)
    text = _read_text(root, PurePosixPath(COURSE_FILE), sources.diagnostics, "course")
    if text is not None:
        before = len(sources.diagnostics)
        tree = _load_yaml(text, PurePosixPath(COURSE_FILE), 0, sources.diagnostics)
        if tree is None and len(sources.diagnostics) == before:
            sources.diagnostics.append(Diagnostic(
                Location(PurePosixPath(COURSE_FILE), 1),
                "course.yml is empty" if not text.strip() else "course.yml has no settings",
                "it needs at least 'id:', 'title:' and an 'outline:' of lessons; "
                "'scormbuild new' writes an example course to copy from"))
        if tree is not None:
            sources.diagnostics.extend(check_strings(tree, Locator(PurePosixPath(COURSE_FILE),
                                                                   tree)))
            sources.locate = Locator(PurePosixPath(COURSE_FILE), tree)
            sources.spec = parse_spec(CourseSpec, tree, sources.locate, COURSE_KEYS,
                                      sources.diagnostics)
            if sources.spec is not None:
                sources.outline = list(_walk_outline(sources.spec, sources.locate))
                sources.diagnostics.extend(_check_yaml_paths(tree, sources.locate))
    for path in _files(root, "lessons", (".md",)):
        lesson = read_lesson(root, path, sources.diagnostics)
        if lesson is None:
            sources.unreadable.add(("lesson", path.stem))
        else:
            sources.lessons[lesson.name] = lesson
    for path in _files(root, "quizzes", (".yml", ".yaml", ".gift")):
        if path.stem in sources.quizzes or ("quiz", path.stem) in sources.unreadable:
            sources.diagnostics.append(Diagnostic(
                Location(path), f"another quiz file is also named '{path.stem}'",
                "rename one of them: a quiz is named by its file name without extension"))
            continue
        quiz = read_quiz(root, path, sources.diagnostics)
        if quiz is None:
            sources.unreadable.add(("quiz", path.stem))
        else:
            sources.quizzes[quiz.name] = quiz
    for path in _files(root, "assets", None):
        try:
            size = (root / path).stat().st_size
        except OSError as err:
            sources.diagnostics.append(unreadable(path, err))
            continue
        if size > MAX_ASSET_BYTES:
            sources.diagnostics.append(Diagnostic(
                Location(path), f"file is {size // (1024 * 1024)} MiB, over the "
                f"{MAX_ASSET_BYTES // (1024 * 1024)} MiB limit",
                "compress it or host it outside the package"))
            continue
        sources.assets[path] = size
    templates = root / "templates"
    sources.templates = templates if templates.is_dir() else None
    return sources


def read_lesson(root: Path, path: PurePosixPath, diags: list[Diagnostic]) -> LessonSource | None:
    """Read a lesson: split the YAML front matter from the markdown body."""
    text = _read_text(root, path, diags, "lesson")
    if text is None:
        return None
    match = re.match(r"---[ \t]*\r?\n(.*?)(?:\r?\n)?---[ \t]*(?:\r?\n|$)", text, re.S)
    if match is None:
        diags.append(Diagnostic(
            Location(path, 1, 1), "lesson has no front matter",
            "start the file with a '---' line, 'title: ...', and another '---' line"))
        return None
    before = len(diags)
    tree = _load_yaml(match.group(1), path, 1, diags)
    if tree is None:
        # An error, not a lesson left out: the title is required (contents, page heading),
        # exactly as when front matter has other keys but no title.
        if len(diags) == before:
            diags.append(Diagnostic(
                Location(path, 1), "lesson front matter is empty: a lesson needs a title",
                "write 'title: ...' on a line between the two '---' lines"))
        return None
    locate = Locator(path, tree, 1)
    found = check_strings(tree, locate)
    diags.extend(found)
    spec = parse_spec(LessonSpec, tree, locate, LESSON_KEYS, diags)
    if spec is None or found:
        return None
    body_line = text.count("\n", 0, match.end()) + 1
    return LessonSource(path.stem, path, spec, text[match.end():], body_line, locate)


def read_quiz(root: Path, path: PurePosixPath, diags: list[Diagnostic]) -> QuizSource | None:
    """Read a quiz file (YAML, or Moodle GIFT for .gift) and check its shape."""
    text = _read_text(root, path, diags, "quiz")
    if text is None:
        return None
    before = len(diags)
    if path.suffix.lower() == ".gift":
        from .gift import load_gift  # only courses with GIFT files pay for its parser

        tree, found = load_gift(text, path)
        diags.extend(found)
        if any(d.is_error for d in found):
            return None
    else:
        tree = _load_yaml(text, path, 0, diags)
    if tree is None:
        if len(diags) == before:  # an empty file: refuse it, never ship without the quiz
            diags.append(Diagnostic(
                Location(path, 1), "quiz file is empty" if not text.strip()
                else "quiz file has no settings or questions",
                "a quiz needs 'title:' and 'questions:' (`scormbuild docs quizzes`), or delete "
                "the file and its outline entry"))
        return None
    locate = Locator(path, tree)
    found = check_strings(tree, locate)
    diags.extend(found)
    spec = parse_spec(QuizSpec, tree, locate, QUIZ_KEYS, diags)
    return None if spec is None or found else QuizSource(path.stem, path, spec, locate)


def read_asset(root: Path, path: PurePosixPath) -> bytes:
    """The bytes of one asset file (path relative to the course root)."""
    return (root / path).read_bytes()


def docs_command(path: PurePosixPath) -> str:
    """The `scormbuild docs TOPIC` command that documents the keys of the file at path."""
    if path.suffix == ".gift":
        return "scormbuild docs gift"
    if path.parent.name == "lessons" or path.suffix == ".md":
        return "scormbuild docs lessons"
    if path.parent.name == "quizzes":
        return "scormbuild docs quizzes"
    return "scormbuild docs course"


def parse_spec(model: type[SpecT], tree: Any, locate: Locator, vocabulary: set[str],
               diags: list[Diagnostic]) -> SpecT | None:
    """Validate a YAML tree against a spec class; each pydantic error becomes a Diagnostic."""
    if not isinstance(tree, dict):
        diags.append(Diagnostic(locate.at(), "expected a mapping of 'key: value' lines",
                                f"run `{docs_command(locate.path)}` for the keys this file takes"))
        return None
    try:
        return model.model_validate(tree)
    except ValidationError as err:
        diags.extend(describe_error(e, locate, vocabulary) for e in err.errors())
        return None


def describe_error(error: ErrorDetails, locate: Locator, vocabulary: set[str]) -> Diagnostic:
    """Turn one pydantic error into a message a course author can act on."""
    loc, tag = _untagged(tuple(error["loc"]))
    keys = [k for k in loc if isinstance(k, int) or k in vocabulary]
    name = _dotted(keys)
    key = next((k for k in reversed(keys) if isinstance(k, str)), "")
    kind = error["type"]
    value = error.get("input")
    where = locate.at(*loc)
    if kind == "missing":
        return Diagnostic(where, f"missing required key '{name}'",
                          f"add '{key}:' here; run `{docs_command(locate.path)}`")
    if kind == "extra_forbidden":
        unknown = str(loc[-1])
        close = difflib.get_close_matches(unknown, sorted(vocabulary), n=1, cutoff=0.6)
        hint = (f"did you mean '{close[0]}'?" if close
                else f"remove it; run `{docs_command(locate.path)}`")
        return Diagnostic(where, f"unknown key '{_dotted([*keys, unknown])}'", hint)
    if kind == "union_tag_invalid":
        found = value.get("type") if isinstance(value, dict) else value
        close = difflib.get_close_matches(str(found), QUESTION_TYPES, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return Diagnostic(locate.at(*loc, "type"), f"unknown question type '{_short(found)}'",
                          hint + "types: " + ", ".join(QUESTION_TYPES))
    if kind == "union_tag_not_found":
        return Diagnostic(where, f"{name or 'question'}: missing 'type'",
                          "add 'type:' with one of: " + ", ".join(QUESTION_TYPES))
    field_hint = _field_hint(keys, tag, kind)
    if kind == "string_pattern_mismatch":
        return Diagnostic(where, f"'{_short(value)}' is not a valid {key or name}",
                          field_hint or f"run `{docs_command(locate.path)}` for the allowed form")
    if kind == "outline_item":
        if isinstance(value, dict) and "module" in value and "items" in loc:
            return Diagnostic(where, f"{name}: a module cannot contain another module",
                              "list the inner module's lessons and quizzes in the outer module,"
                              " or make it a module of its own in the outline")
        return Diagnostic(where, f"{name}: {error['msg']}",
                          "write '- lesson: name', '- quiz: name' or '- module: Title' with items")
    message = TYPE_MESSAGES.get(kind) or error["msg"][0].lower() + error["msg"][1:]
    quiet = isinstance(value, dict | list) or value is None
    found = str(value).lower() if isinstance(value, bool) else repr(value)  # as YAML writes it
    shown = "" if quiet else f", found {_short(found)}"
    return Diagnostic(where, f"{name}: {message}{shown}" if name else message + shown,
                      field_hint)


def _untagged(loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], str | None]:
    """pydantic's loc without the union tags it inserts after a list position.

    An outline entry's error at ('outline', 0, 'module', 'items', 1) is at outline[0].items[1];
    keeping the tag 'module' would walk into the module's title and report the wrong line.
    Returns the path and the last tag removed (a question type, or module/lesson/quiz).
    """
    out: list[Any] = []
    tag = None
    for i, key in enumerate(loc):
        if i and isinstance(loc[i - 1], int) and key in _TAGS and i + 1 < len(loc):
            tag = key
            continue
        out.append(key)
    return tuple(out), tag


def _field_hint(keys: Sequence[str | int], tag: str | None, kind: str) -> str | None:
    path = [k for k in keys if isinstance(k, str)]
    dotted = ".".join(path)
    candidates = [dotted, path[-1]] if path else []
    if tag in QUESTION_TYPES and len(path) >= 2:
        candidates.insert(0, ".".join([*path[:-1], tag, path[-1]]))
    for candidate in candidates:
        if candidate in FIELD_HINTS:
            return FIELD_HINTS[candidate]
    return TYPE_HINTS.get(kind.split("_")[0])


def _short(value: Any, limit: int = 60) -> str:
    """A value as a message shows it, cut at `limit` characters (a value may be huge)."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _dotted(keys: Sequence[str | int]) -> str:
    out = ""
    for key in keys:
        out += f"[{key + 1}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")


def path_problem(value: str) -> tuple[str, str] | None:
    """What is wrong with a path from a course file (message, hint), or None if it is usable.

    Paths are relative to the course folder and must stay inside it; nothing outside is ever
    opened, whatever the path says.
    """
    if "\0" in value:
        return "contains a NUL character", "remove it: file names cannot contain NUL"
    if _WINDOWS_PATH.match(value):
        return ("is a path on your computer, not in the course",
                "copy the file into the course's assets/ folder and give its path from the "
                "course folder, e.g. assets/logo.svg")
    if "\\" in value:
        return "uses backslashes", "write paths with forward slashes: " + value.replace("\\", "/")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value):
        return ("is a web address", "download the file into assets/: a package must not make "
                "network requests")
    normal = posixpath.normpath(value)
    if value.startswith("/") or normal == ".." or normal.startswith("../"):
        return ("points outside the course folder",
                "keep files in the course's assets/ folder, e.g. assets/logo.svg")
    return None


# keys of course.yml whose values are paths from the course folder
_PATH_KEYS: tuple[tuple[str | None, ...], ...] = (
    ("branding", "logo"), ("branding", "fonts", None), ("branding", "fonts", None, "file"))


def _check_yaml_paths(tree: Any, locate: Locator) -> Iterator[Diagnostic]:
    for keys in _PATH_KEYS:
        for loc, value in _values_at(tree, keys, ()):
            if not isinstance(value, str):
                continue
            problem = path_problem(value)
            if problem is not None:
                yield Diagnostic(locate.at(*loc), f"{_dotted(loc)}: '{value}' {problem[0]}",
                                 problem[1])


def _values_at(tree: Any, keys: Sequence[str | None], loc: tuple[str | int, ...]
               ) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if not keys:
        yield loc, tree
        return
    key, rest = keys[0], keys[1:]
    if key is None and isinstance(tree, list):
        for i, item in enumerate(tree):
            yield from _values_at(item, rest, (*loc, i))
    elif isinstance(key, str) and isinstance(tree, dict) and key in tree:
        yield from _values_at(tree[key], rest, (*loc, key))


def _walk_outline(spec: CourseSpec, locate: Locator) -> Iterator[OutlineEntry]:
    for i, entry in enumerate(spec.outline):
        if isinstance(entry, ModuleSpec):
            for j, item in enumerate(entry.items):
                yield _entry(item, entry.module, locate.at("outline", i, "items", j))
        else:
            yield _entry(entry, None, locate.at("outline", i))


def _entry(item: Any, module: str | None, where: Location) -> OutlineEntry:
    if isinstance(item, LessonRef):
        return OutlineEntry("lesson", item.lesson, module, where)
    return OutlineEntry("quiz", item.quiz, module, where)


def _read_text(root: Path, path: PurePosixPath, diags: list[Diagnostic], kind: str
               ) -> str | None:
    limit, name, hint = TEXT_LIMITS[kind]
    full = root / path
    try:
        size = full.stat().st_size
        if size <= limit:
            with full.open("rb") as f:
                # what read(limit + 1) gives (the file may grow after stat()), without making
                # a buffer of the whole limit for every file (a third of reading 2,000 lessons)
                data = f.read(size + 1)
                if len(data) > size:
                    data += f.read(limit - size)
            size = len(data)
    except OSError as err:
        diags.append(unreadable(path, err))
        return None
    if size > limit:
        diags.append(Diagnostic(Location(path), f"file is {size / MIB:.1f} MiB ({size:,} bytes), "
                                f"over the {limit // MIB} MiB limit for {name}", hint))
        return None
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        diags.append(Diagnostic(Location(path, line), "file contains NUL bytes, so it is not text",
                                "save it again as plain UTF-8 text, or check that this is the "
                                "right file"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        diags.append(Diagnostic(Location(path, line), "file is not valid UTF-8 text",
                                "save the file with UTF-8 encoding in your editor"))
        return None
    text = text.replace("\r\n", "\n")
    found = list(_bad_chars_in(text, path, 1, 1))
    diags.extend(found)
    return None if found else text


def _bad_chars_in(text: str, path: PurePosixPath, line: int, column: int,
                  what: str = "") -> Iterator[Diagnostic]:
    """One error per control character in `text` (at most MAX_BAD_CHARS), at its line:column.

    `line` and `column` (1-based) are where `text` starts; `what` names the value for messages.
    """
    matches = BAD_CHARS.finditer(text)
    for n, match in enumerate(matches):
        if n == MAX_BAD_CHARS:
            more = 1 + sum(1 for _ in matches)
            yield Diagnostic(Location(path, line + text.count("\n", 0, match.start())),
                             f"{more:,} more invisible characters from here on",
                             "the same fix: retype the text from this line on, or paste it "
                             "into a plain-text editor and copy it back")
            return
        pos = match.start()
        row = text.count("\n", 0, pos)
        col = pos - text.rfind("\n", 0, pos) if row else column + pos
        prefix = f"{what}: " if what else ""
        yield Diagnostic(Location(path, line + row, col),
                         f"{prefix}contains {char_name(match.group())}", BAD_CHAR_HINT)


def char_name(char: str) -> str:
    """How a message names a character a package cannot hold: its kind and code point."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X}, half of a surrogate pair"
    if code in (0xFFFE, 0xFFFF):
        return f"the non-character U+{code:04X}"
    name = _CHAR_NAMES.get(code)
    return f"the invisible control character U+{code:04X}" + (f" ({name})" if name else "")


def check_strings(tree: Any, locate: Locator) -> list[Diagnostic]:
    """Control characters in any key or text of a positioned tree (from YAML escapes like
    "\\e" or GIFT): one error each, at the line of the value."""
    found: list[Diagnostic] = []

    def visit(node: Any, loc: tuple[str | int, ...]) -> None:
        items = (node.items() if isinstance(node, dict)
                 else enumerate(node) if isinstance(node, list) else ())
        for key, value in items:
            here = (*loc, key)
            if isinstance(key, str) and BAD_CHARS.search(key):
                where = locate.at(*here)
                found.extend(_bad_chars_in(key, where.path, where.line or 1, where.column or 1,
                                           _dotted(loc) or "key"))
            if isinstance(value, str) and BAD_CHARS.search(value):
                where = locate.at(*here)
                line = (locate.text_line(*here) if "\n" in value else where.line) or 1
                # the column inside a quoted or block value is not known: give the key's
                found.extend(Diagnostic(Location(d.where.path, d.where.line), d.message, d.hint)
                             for d in _bad_chars_in(value, where.path, line, 1, _dotted(here)))
            else:
                visit(value, here)

    visit(tree, ())
    return found


def unreadable(path: PurePosixPath, err: OSError) -> Diagnostic:
    """The diagnostic for a course file the operating system would not let us read."""
    reason = err.strerror or str(err)
    return Diagnostic(Location(path), f"cannot read the file: {reason}",
                      "check that the file exists and that you may read it")


def _load_yaml(text: str, path: PurePosixPath, offset: int, diags: list[Diagnostic]) -> Any:
    try:
        return yamltree.load(text)
    except yamltree.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = None if mark is None else mark.line + 1 + offset
        col = None if mark is None else mark.column + 1
        problem = str(err.problem or err.context or "invalid YAML").strip()
        hint = "check the indentation and quoting on this line"
        if "mapping values are not allowed" in problem:
            hint = ("text that contains ': ' must be quoted (\"...\"), or write '>' after the "
                    "key and the text indented on the next lines")
        elif "Unicode character escape" in problem:  # e.g. "\\ud800", half a surrogate pair
            hint = "write the character itself; a \\u escape must name a whole character"
        elif isinstance(err, yamltree.ExpansionError) and "aliases" in problem:
            hint = ("each alias (*name) repeats its anchor's (&name) whole value: write the "
                    "text out once instead of repeating it")
        elif isinstance(err, yamltree.ExpansionError) and "levels deep" in problem:
            hint = "course files need only a few levels: check for unbalanced brackets"
        elif isinstance(err, yamltree.ExpansionError):
            hint = "split the file into several smaller ones"
        elif "found duplicate key" in str(err) or "duplicate key" in problem:
            hint = "each key may appear only once in a mapping: remove or rename one"
        size = isinstance(err, yamltree.ExpansionError) and "levels deep" not in problem
        message = problem if size else f"YAML syntax: {problem}"
        diags.append(Diagnostic(Location(path, line, col), message, hint))
    except yamltree.ReaderError as err:  # an escape such as "\\0" or "\\x01" in quotes
        pos = max(0, min(err.position, len(text)))
        line = text.count("\n", 0, pos) + 1 + offset
        diags.append(Diagnostic(Location(path, line, pos - text.rfind("\n", 0, pos)),
                                f"contains {char_name(chr(err.character))}", BAD_CHAR_HINT))
    except yamltree.YAMLError as err:
        diags.append(Diagnostic(Location(path), f"YAML syntax: {err}",
                                "check the file in a YAML-aware editor"))
    return None


def _files(root: Path, folder: str, suffixes: tuple[str, ...] | None) -> list[PurePosixPath]:
    base = root / folder
    if not base.is_dir():
        return []
    found = []
    for full in sorted(base.rglob("*")):
        if full.is_symlink() or not full.is_file() or full.name.startswith("."):
            continue
        if suffixes is None or full.suffix.lower() in suffixes:
            if suffixes is not None and full.parent != base:
                continue  # lessons and quizzes live directly in their folder
            found.append(PurePosixPath(full.relative_to(root).as_posix()))
    return found


def _refuse_links(root: Path, diags: list[Diagnostic]) -> None:
    for full in sorted(root.rglob("*")):
        if full.is_symlink():
            rel = PurePosixPath(full.relative_to(root).as_posix())
            diags.append(Diagnostic(
                Location(rel), "symbolic links are not allowed in a course",
                "copy the file into the course folder instead of linking to it"))
