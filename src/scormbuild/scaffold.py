"""`scormbuild new`: the files of a small working course, and the JSON Schemas for editors.

The new course uses the features authors reach for first (a module, a lesson with a callout
and an image, a knowledge check, a graded assessment, an SVG asset). It passes `check` with
no warnings and builds for every target at once (tests/test_scaffold.py keeps it that way).
Its YAML files start with a `yaml-language-server` modeline pointing at schema files written
next to them, so VS Code (YAML extension) completes and checks keys offline.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import unicodedata
from pathlib import Path
from typing import Any, Literal

SchemaKind = Literal["course", "quiz"]
SCHEMA_KINDS: tuple[SchemaKind, ...] = ("course", "quiz")
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_TITLES: dict[SchemaKind, str] = {"course": "scormbuild course.yml",
                                  "quiz": "scormbuild quiz file (quizzes/*.yml)"}


class ScaffoldError(Exception):
    """The scaffold cannot be written (folder not empty, not a folder, bad option value)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def json_schema(kind: SchemaKind) -> dict[str, Any]:
    """The JSON Schema of course.yml or of a quiz file, generated from the spec classes."""
    from .specs import CourseSpec, QuizSpec  # pydantic is loaded only when a schema is asked for

    schema = (CourseSpec if kind == "course" else QuizSpec).model_json_schema()
    return {"$schema": SCHEMA_DIALECT, "title": _TITLES[kind],
            **{k: v for k, v in schema.items() if k != "title"}}


def schema_text(kind: SchemaKind) -> str:
    """json_schema(kind) as the text committed in schemas/<kind>.schema.json."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def slugify(text: str) -> str:
    """A course id from free text: lowercase ASCII letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:64].rstrip("-") or "my-course"


def title_problem(title: str) -> str | None:
    """Which character of a course title cannot be in a course, or None.

    The characters are `specs.BAD_CHARS`, the ones the reader refuses in any course text.
    """
    from .specs import BAD_CHARS

    if "\n" in title or "\r" in title:
        return "a title is one line: remove the line break"
    bad = BAD_CHARS.search(title)
    if bad is not None:
        char = bad.group()
        what = ("an invalid character" if char in "\ufffe\uffff" or "\ud800" <= char <= "\udfff"
                else "the invisible control character")
        return (f"{what} U+{ord(char):04X} at position {bad.start() + 1} cannot be in a "
                "course: type the title again without it")
    return None


def title_from(name: str) -> str:
    """A readable title from a folder name: `safe-lifting` -> `Safe lifting`."""
    from .specs import BAD_CHARS

    words = re.sub(r"[-_]+", " ", BAD_CHARS.sub("", name)).strip()
    return (words[:1].upper() + words[1:]) if words else "My course"


def course_files(title: str, course_id: str, language: str) -> dict[str, str]:
    """Relative path -> text of every file of a new course; raises ScaffoldError on bad values."""
    from .specs import BCP47, SLUG

    if not re.fullmatch(SLUG, course_id) or len(course_id) > 64:
        raise ScaffoldError(f"'{course_id}' is not a valid course id",
                            "use lowercase letters, digits and single hyphens, e.g. safe-lifting")
    if not re.fullmatch(BCP47, language):
        raise ScaffoldError(f"'{language}' is not a language tag",
                            "use a BCP 47 tag such as en-US, fr or de-CH")
    problem = title_problem(title)
    if problem is not None:
        raise ScaffoldError(problem)
    if not title.strip() or len(title) > 200:
        raise ScaffoldError("the title must have 1 to 200 characters")
    values = {"@TITLE@": _yaml_string(title.strip()), "@TITLE_TEXT@": title.strip(),
              "@ID@": course_id, "@LANG@": language}
    files = {path: _fill(text, values) for path, text in _FILES.items()}
    files["schemas/course.schema.json"] = schema_text("course")
    files["schemas/quiz.schema.json"] = schema_text("quiz")
    return files


def write_course(dest: Path, title: str, course_id: str, language: str) -> list[Path]:
    """Write a new course into dest (created if missing, must be empty); returns the files.

    Raises ScaffoldError when dest is a file or a folder that is not empty.
    """
    if dest.exists() and not dest.is_dir():
        raise ScaffoldError(f"{dest} exists and is not a folder",
                            "give the name of a new folder for the course")
    if dest.is_dir() and any(dest.iterdir()):
        raise ScaffoldError(f"{dest} is not empty; nothing was written",
                            "give the name of a new (or empty) folder, e.g. "
                            f"scormbuild new {dest.name}-2")
    files = course_files(title, course_id, language)
    # all or nothing: written into a hidden sibling folder, renamed into place at the end, so
    # a full disk or Ctrl+C never leaves half a course (os.replace takes an empty folder's place)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}.{secrets.token_hex(4)}.new"
    staging.mkdir()  # with the umask's permissions, like any new folder
    try:
        for rel, text in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [dest / rel for rel in files]


def _yaml_string(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: safe for any title.
    return json.dumps(text, ensure_ascii=False)


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


_COURSE_YML = """\
# yaml-language-server: $schema=schemas/course.schema.json
# Your course: identity, settings and the order of lessons and quizzes.
# Every key is explained by `scormbuild docs course`.
id: @ID@                          # used in file names and LMS ids; keep it once published
title: @TITLE@
version: 1.0.0                    # raise it when you publish a changed course
language: @LANG@
description: >
  A short description shown on the start page and in the LMS.
duration_minutes: 10              # lessons and quizzes; check compares it with an estimate
objectives:
  - Describe what this course is about.
pass_mark: 80                     # score (0-100) needed to pass the final assessment
completion:
  all_lessons_viewed: true
  assessment_passed: true
outline:
  - module: Getting started
    items:
      - lesson: welcome
      - quiz: check-welcome
  - quiz: final-assessment
"""

_LESSON = """\
---
title: Welcome
objectives:
  - Find your way around a scormbuild course.
duration_minutes: 5
---
## What this course is

This is a lesson written in **markdown**. Edit `lessons/welcome.md`, save, and the preview
(`scormbuild preview .`) reloads by itself.

![A three-step diagram: write, preview, publish](../assets/diagram.svg)

!!! tip "Try it"
    Change this sentence, save the file, and watch the preview update.

## What comes next

A short knowledge check follows, then a graded final assessment.
"""

_CHECK = """\
# yaml-language-server: $schema=../schemas/quiz.schema.json
title: Check your understanding
kind: knowledge-check             # ungraded, with feedback after each answer
questions:
  - id: preview-command
    type: single
    prompt: Which command shows your course in a local LMS while you edit it?
    choices:
      - text: "`scormbuild build`"
        feedback: That writes the zip you upload to the LMS.
      - text: "`scormbuild preview`"
        correct: true
        feedback: Yes. It reloads every time you save a file.
      - text: "`scormbuild check`"
        feedback: That reports problems with file and line, without showing the course.
"""

_ASSESSMENT = """\
# yaml-language-server: $schema=../schemas/quiz.schema.json
title: Final assessment
kind: assessment                  # graded; the course pass_mark applies
attempts: 3                       # 0 = unlimited
questions:
  - id: lesson-format
    type: true-false
    prompt: Lessons are written in markdown files in the `lessons` folder.
    answer: true
    explanation: Each lesson is a markdown file in `lessons`; `course.yml` sets their order.
  - id: what-gets-packaged
    type: multiple
    prompt: Which of these end up in the package? Choose every correct answer.
    choices:
      - text: Lessons listed in the outline
        correct: true
      - text: Images that a lesson shows
        correct: true
      - text: Files in `assets` that nothing links to
        feedback: Unused assets are left out (check warns about them).
    explanation: The package holds what the outline lists and what its lessons use, nothing else.
  - id: steps
    type: ordering
    prompt: Put the steps of publishing a course in order.
    items:
      - Write and preview
      - Build the zip
      - Upload it to the LMS
    explanation: Preview while you write, build when it is ready, then upload the zip.
"""

_DIAGRAM = """\
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 120" width="480" height="120" \
role="img" aria-labelledby="title">
  <title id="title">Write, preview, publish</title>
  <style>
    rect { fill: #eef3fb; stroke: #1d4e89; stroke-width: 2; }
    text { font: 16px sans-serif; fill: #1d2733; text-anchor: middle; }
    path { stroke: #1d4e89; stroke-width: 2; fill: none; marker-end: url(#arrow); }
  </style>
  <defs>
    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8"
            orient="auto"><path d="M0,0 L10,5 L0,10" style="fill:#1d4e89;stroke:none"/></marker>
  </defs>
  <rect x="10" y="35" width="120" height="50" rx="8"/>
  <text x="70" y="66">Write</text>
  <path d="M135,60 H 175"/>
  <rect x="180" y="35" width="120" height="50" rx="8"/>
  <text x="240" y="66">Preview</text>
  <path d="M305,60 H 345"/>
  <rect x="350" y="35" width="120" height="50" rx="8"/>
  <text x="410" y="66">Publish</text>
</svg>
"""

_README = """\
# @TITLE_TEXT@

A course for scormbuild.

    scormbuild preview .          # see it in a local LMS; reloads when you save
    scormbuild check .            # list every problem with file and line
    scormbuild build . --out dist # dist/@ID@-1.0.0-scorm12.zip, ready to upload

- `course.yml`: title, pass mark, completion rule and the outline (order of lessons and quizzes)
- `lessons/`: one markdown file per lesson
- `quizzes/`: knowledge checks and assessments
- `assets/`: images, audio, video and downloads
- `schemas/`: lets editors such as VS Code (with the YAML extension) complete and check keys

`scormbuild docs` lists the topics of the format reference (`scormbuild docs lessons`,
`scormbuild docs quizzes`, ...); add `--open` to read one in a browser.
"""

_FILES: dict[str, str] = {
    "course.yml": _COURSE_YML,
    "lessons/welcome.md": _LESSON,
    "quizzes/check-welcome.yml": _CHECK,
    "quizzes/final-assessment.yml": _ASSESSMENT,
    "assets/diagram.svg": _DIAGRAM,
    "README.md": _README,
}
