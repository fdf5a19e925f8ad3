"""Templates: the Jinja2 environment, template lookup and rendering a course into a Site.

A Site maps archive paths to bytes; targets add their manifests and adapters to it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from markupsafe import Markup
from pygments.formatters import HtmlFormatter

from .branding import render_theme_css
from .i18n import catalog_for
from .model import Course, Page
from .quiz import Question, Quiz

Site = dict[str, bytes]
STATIC_ORDER = ("state.js", "scoring.js", "player.js")


def default_templates() -> Path:
    """The default theme: inside the installed package, or the repository's templates/."""
    packaged = Path(str(resources.files("scormbuild"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


@dataclass(frozen=True, slots=True)
class Texts:
    """Rendered HTML of every markdown text of a course, by page."""

    lessons: Mapping[str, str]  # page name -> lesson body HTML
    quiz_texts: Mapping[str, Mapping[str, str]]  # page name -> text key -> HTML


def _bytecode_cache() -> BytecodeCache | None:
    """Compiled templates cached per user (keyed by template source), saving ~0.1 s a build.

    Only speed depends on it: output is the same with or without, and an unwritable cache
    folder just means no cache. SCORMBUILD_NO_CACHE=1 turns it off.
    """
    if os.environ.get("SCORMBUILD_NO_CACHE"):
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "scormbuild" / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


@dataclass
class Theme:
    """A Jinja2 environment over the template folders, first hit wins."""

    folders: Sequence[Path]
    env: Environment = field(init=False)

    def __post_init__(self) -> None:
        self.env = Environment(
            loader=FileSystemLoader([str(f) for f in self.folders]),
            bytecode_cache=_bytecode_cache(),
            autoescape=select_autoescape(["html", "xml"], default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["tojson_script"] = json_for_script
        self.env.filters["minutes"] = _minutes

    def static_file(self, name: str) -> bytes:
        """Bytes of a file under static/ from the first folder that has it."""
        for folder in self.folders:
            candidate = folder / "static" / name
            if candidate.is_file():
                return candidate.read_bytes()
        raise FileNotFoundError(f"static/{name} is in no template folder")

    def static_names(self) -> list[str]:
        """Every file name under static/ across the folders."""
        names: set[str] = set()
        for folder in self.folders:
            static = folder / "static"
            if static.is_dir():
                names.update(p.name for p in static.iterdir() if p.is_file())
        return sorted(names)


def make_theme(course_templates: Path | None, extra: Path | None = None) -> Theme:
    """Lookup order: the course's templates/, then --templates, then the default theme."""
    folders = [f for f in (course_templates, extra) if f is not None]
    return Theme([*folders, default_templates()])


def json_for_script(value: Any) -> Markup:
    """JSON safe to embed inside a <script type="application/json"> element."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


@pass_context
def _minutes(context: Context, value: int | None) -> str:
    """A duration in the course's language ("1 h 30 min")."""
    if not value:
        return ""
    strings = context.get("t") or {}
    hours, minutes = divmod(value, 60)
    key = "duration_hm" if hours and minutes else "duration_h" if hours else "duration_m"
    text = str(strings.get(key, {"duration_hm": "{h} h {m} min", "duration_h": "{h} h",
                                 "duration_m": "{m} min"}[key]))
    return text.replace("{h}", str(hours)).replace("{m}", str(minutes))


def render_site(course: Course, texts: Texts, theme: Theme, adapter: str,
                assets: Mapping[PurePosixPath, bytes], connect_src: str = "'none'",
                extra_scripts: Sequence[str] = ()) -> Site:
    """Render the player page, its static files and the used assets into a Site.

    extra_scripts (names under static/) load after the codec and scoring, before the adapter.
    """
    strings = catalog_for(course.language)
    scripts = [*STATIC_ORDER[:2], *extra_scripts, f"tracking-{adapter}.js", STATIC_ORDER[2]]
    context = {
        "course": course,
        "pages": course.pages,
        "modules": course.modules,
        "texts": texts,
        "t": strings,
        "data": player_data(course, texts, strings),
        "scripts": [f"static/{s}" for s in scripts],
        "styles": ["static/player.css", "static/highlight.css", "static/theme.css"],
        "connect_src": connect_src,
        "direction": "rtl" if course.language.split("-")[0] in ("ar", "he", "fa", "ur") else "ltr",
    }
    site: Site = {}
    site["index.html"] = theme.env.get_template("layout.html").render(context).encode("utf-8")
    for name in ("player.css", *scripts):
        site[f"static/{name}"] = theme.static_file(name)
    site["static/theme.css"] = render_theme_css(course.branding).encode("utf-8")
    site["static/highlight.css"] = HtmlFormatter(style="default").get_style_defs(
        ".highlight").encode("utf-8")
    for path, data in assets.items():
        site[str(path)] = data
    return site


def player_data(course: Course, texts: Texts, strings: Mapping[str, str]) -> dict[str, Any]:
    """The JSON the player reads at start: pages, quizzes with answers, rules and strings."""
    return {
        "id": course.id,
        "title": course.title,
        "version": course.version,
        "language": course.language,
        "activityId": course.activity_id,
        "passMark": course.pass_mark,
        "completion": {
            "allLessonsViewed": course.completion.all_lessons_viewed,
            "assessmentPassed": course.completion.assessment_passed,
        },
        "pages": [_page_data(p) | {"part": part.slug}
                  for part in course.parts for p in part.pages],
        "quizzes": {p.name: _quiz_data(p.quiz, texts.quiz_texts.get(p.name, {}))
                    for p in course.pages if p.quiz is not None},
        "strings": dict(strings),
    }


def _page_data(page: Page) -> dict[str, Any]:
    return {"id": page.name, "kind": page.kind, "title": page.title, "module": page.module,
            "reference": page.reference}


def _quiz_data(quiz: Quiz, texts: Mapping[str, str]) -> dict[str, Any]:
    return {
        "title": quiz.title,
        "graded": quiz.graded,
        "passMark": quiz.pass_mark,
        "weight": quiz.weight,
        "attempts": quiz.attempts,
        "afterLastAttempt": quiz.after_last_attempt,
        "shuffleQuestions": quiz.shuffle_questions,
        "shuffleChoices": quiz.shuffle_choices,
        "revealAnswers": quiz.reveal_answers,
        "retryQuestions": quiz.retry_questions,
        "timeLimitMinutes": quiz.time_limit_minutes,
        "pools": [{"tag": p.tag, "draw": p.draw} for p in quiz.pools],
        "questions": [_question_data(q, texts) for q in quiz.questions],
    }


def _question_data(q: Question, texts: Mapping[str, str]) -> dict[str, Any]:
    key = f"{q.id}."
    data: dict[str, Any] = {
        "id": q.id,
        "type": q.type,
        "points": q.points,
        "tags": list(q.tags),
        "prompt": texts.get(key + "prompt", ""),
        "feedback": {"correct": texts.get(key + "feedback.correct"),
                     "incorrect": texts.get(key + "feedback.incorrect")},
        "explanation": texts.get(key + "explanation"),
        "hint": texts.get(key + "hint"),
        "shuffle": q.shuffle,  # choices, matching targets or ordering items; see quiz.py
    }
    if q.type in ("single", "multiple", "true-false", "likert"):
        data["choices"] = [{"id": c.id, "text": texts.get(f"{key}choice.{c.id}", c.text),
                            "correct": c.correct,
                            "feedback": texts.get(f"{key}choice.{c.id}.feedback"),
                            "fixed": c.fixed}
                           for c in q.choices]
        data["partial"] = q.partial
    elif q.type == "fill-in":
        data.update(answers=list(q.answers), caseSensitive=q.case_sensitive, pattern=q.pattern)
    elif q.type == "numeric":
        data.update(answer=q.answer, tolerance=q.tolerance, min=q.minimum, max=q.maximum)
    elif q.type == "matching":
        data["sources"] = [{"id": s.id, "text": s.text} for s in q.sources]
        data["targets"] = [{"id": t.id, "text": t.text} for t in q.targets]
        data["pairs"] = [list(p) for p in q.pairs]
    elif q.type == "ordering":
        data["items"] = [{"id": i.id, "text": i.text} for i in q.items]
        data["partial"] = q.partial
    return data
