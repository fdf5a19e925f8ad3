"""The user documentation shipped inside the wheel, by topic, for `scormbuild docs`.

The markdown files are the repository's docs/ (one copy): the wheel maps them to
scormbuild/docs/ at build time (pyproject.toml), an editable install reads docs/ itself.
A topic is a whole file or one `## ` section of the format reference.
"""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["TOPICS", "Topic", "UnknownTopic", "docs_folder", "suggest", "topic_html",
           "topic_text"]


@dataclass(frozen=True, slots=True)
class Topic:
    """One thing `scormbuild docs NAME` prints: a file, or the section of it under `heading`."""

    name: str
    file: str
    heading: str | None
    summary: str


TOPICS: dict[str, Topic] = {t.name: t for t in (
    Topic("start", "getting-started.md", None, "getting started: install, new, preview, build"),
    Topic("format", "course-format.md", None, "the whole course format reference"),
    Topic("course", "course-format.md", "course.yml", "course.yml: settings and outline"),
    Topic("lessons", "course-format.md", "Lessons", "lesson files: front matter and markdown"),
    Topic("yaml", "course-format.md", "Writing YAML text", "quoting text with ': ', ' #', commas"),
    Topic("quizzes", "course-format.md", "Quizzes", "quiz files and the 8 question types"),
    Topic("gift", "course-format.md", "Moodle GIFT", "Moodle GIFT question banks"),
    Topic("items", "item-writing.md", None, "item-writing rules of check, each with an example"),
    Topic("moodle", "moodle.md", None, "uploading to Moodle and the settings that matter"),
    Topic("player", "player.md", None, "accessibility, branding, languages, print"),
    Topic("ci", "ci.md", None, "building and publishing courses from CI"),
)}


class UnknownTopic(ValueError):
    """A topic name that is not in TOPICS (the message suggests the nearest one)."""


def docs_folder() -> Path:
    """The packaged docs (a wheel install), or the repository's docs/ (an editable install)."""
    packaged = Path(str(resources.files("scormbuild"))) / "docs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "docs"


def suggest(name: str) -> str | None:
    """The topic closest to a mistyped name, if any is close."""
    close = difflib.get_close_matches(name.lower(), list(TOPICS), n=1, cutoff=0.5)
    return close[0] if close else None


def _topic(name: str) -> Topic:
    try:
        return TOPICS[name.lower()]
    except KeyError:
        near = suggest(name)
        raise UnknownTopic(f"no documentation topic '{name}'"
                           + (f" (did you mean '{near}'?)" if near else "")) from None


def topic_text(name: str) -> str:
    """The markdown of one topic; raises UnknownTopic for a name not in TOPICS."""
    topic = _topic(name)
    text = (docs_folder() / topic.file).read_text(encoding="utf-8")
    if topic.heading is None:
        return text
    return _section(text, topic.heading)


def _section(text: str, heading: str) -> str:
    """The `## heading...` section of a markdown text, up to the next `## ` (fences skipped)."""
    lines = text.splitlines(keepends=True)
    start: int | None = None
    fenced = False
    for i, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        if fenced:
            continue
        if line.startswith("## "):
            if start is not None:
                return "".join(lines[start:i])
            if line[3:].strip().startswith(heading):
                start = i
    if start is None:  # a renamed heading is a packaging bug, caught by the tests
        raise LookupError(f"section '{heading}' not found in the documentation")
    return "".join(lines[start:])


def topic_html(name: str) -> str:
    """One topic as a standalone HTML page (for `scormbuild docs --open`)."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark").enable("table").render(topic_text(name))
    title = html.escape(TOPICS[name.lower()].summary)
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>scormbuild: {title}</title>"
            "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;"
            "padding:0 1rem}pre,code{background:#f4f6f9}pre{padding:.75rem;overflow:auto}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem}"
            f"</style></head><body>\n{body}</body></html>\n")
