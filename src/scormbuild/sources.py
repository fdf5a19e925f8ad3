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
MAX_TEXT_BYTES = 2 * 1024 * 1024  # a lesson or quiz larger than this is certainly a mistake
MAX_ASSET_BYTES = 200 * 1024 * 1024
SpecT = TypeVar("SpecT", bound=BaseModel)

FIELD_HINTS = {
    "id": "use lowercase letters, digits and single hyphens, e.g. 'professional-boundaries'",
    "version": "use a semantic version such as 1.0.0 (quote it if your editor changes it)",
    "language": "use a BCP 47 language tag such as en-US, es or fr-CA",
    "activity_base": "use an absolute IRI such as https://courses.example.org/xapi/",
    "primary_color": "use a six-digit hex colour such as #1f5fa8",
    "accent_color": "use a six-digit hex colour such as #b3541e",
    "lesson": "name the lesson file without its extension, e.g. 'intro' for lessons/intro.md",
    "quiz": "name the quiz file without its extension, e.g. 'final' for quizzes/final.yml",
}


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
    text = _read_text(root, PurePosixPath(COURSE_FILE), sources.diagnostics)
    if text is not None:
        tree = _load_yaml(text, PurePosixPath(COURSE_FILE), 0, sources.diagnostics)
        if tree is not None:
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
    text = _read_text(root, path, diags)
    if text is None:
        return None
    match = re.match(r"---[ \t]*\r?\n(.*?)(?:\r?\n)?---[ \t]*(?:\r?\n|$)", text, re.S)
    if match is None:
        diags.append(Diagnostic(
            Location(path, 1, 1), "lesson has no front matter",
            "start the file with a '---' line, 'title: ...', and another '---' line"))
        return None
    tree = _load_yaml(match.group(1), path, 1, diags)
    if tree is None:
        return None
    locate = Locator(path, tree, 1)
    spec = parse_spec(LessonSpec, tree, locate, LESSON_KEYS, diags)
    if spec is None:
        return None
    body_line = text.count("\n", 0, match.end()) + 1
    return LessonSource(path.stem, path, spec, text[match.end():], body_line, locate)


def read_quiz(root: Path, path: PurePosixPath, diags: list[Diagnostic]) -> QuizSource | None:
    """Read a quiz file (YAML, or Moodle GIFT for .gift) and check its shape."""
    text = _read_text(root, path, diags)
    if text is None:
        return None
    if path.suffix.lower() == ".gift":
        from .gift import load_gift  # only courses with GIFT files pay for its parser

        tree, found = load_gift(text, path)
        diags.extend(found)
        if any(d.is_error for d in found):
            return None
    else:
        tree = _load_yaml(text, path, 0, diags)
    if tree is None:
        return None
    locate = Locator(path, tree)
    spec = parse_spec(QuizSpec, tree, locate, QUIZ_KEYS, diags)
    return None if spec is None else QuizSource(path.stem, path, spec, locate)


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
    loc = tuple(error["loc"])
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
        return Diagnostic(locate.at(*loc, "type"), f"unknown question type '{found}'",
                          hint + "types: " + ", ".join(QUESTION_TYPES))
    if kind == "union_tag_not_found":
        return Diagnostic(where, f"{name or 'question'}: missing 'type'",
                          "add 'type:' with one of: " + ", ".join(QUESTION_TYPES))
    if kind == "string_pattern_mismatch":
        return Diagnostic(where, f"'{value}' is not a valid {key or name}",
                          FIELD_HINTS.get(key, f"run `{docs_command(locate.path)}` for the "
                                          "allowed form"))
    if kind == "outline_item":
        return Diagnostic(where, f"{name}: {error['msg']}",
                          "write '- lesson: name', '- quiz: name' or '- module: Title' with items")
    message = error["msg"]
    message = message[0].lower() + message[1:]
    shown = "" if isinstance(value, dict | list) or value is None else f", found {value!r}"
    return Diagnostic(where, f"{name}: {message}{shown}" if name else message + shown,
                      FIELD_HINTS.get(key))


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


def _read_text(root: Path, path: PurePosixPath, diags: list[Diagnostic]) -> str | None:
    full = root / path
    try:
        size = full.stat().st_size
        if size > MAX_TEXT_BYTES:
            diags.append(Diagnostic(Location(path), f"file is {size} bytes, over the "
                                    f"{MAX_TEXT_BYTES} byte limit for text files",
                                    "split it into several lessons or quizzes"))
            return None
        data = full.read_bytes()
    except OSError as err:
        diags.append(unreadable(path, err))
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
    return text.replace("\r\n", "\n")


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
        elif "(aliases?)" in problem:
            hint = "anchors and aliases (&name, *name) multiply values here: write them out"
        elif "levels deep" in problem:
            hint = "course files need only a few levels: check for unbalanced brackets"
        elif "found duplicate key" in str(err) or "duplicate key" in problem:
            hint = "each key may appear only once in a mapping: remove or rename one"
        diags.append(Diagnostic(Location(path, line, col), f"YAML syntax: {problem}", hint))
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
