"""Templates: the Jinja2 environment, template lookup and rendering a course into a Site.

A Site maps archive paths to bytes; targets add their manifests and adapters to it.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import (
    BytecodeCache,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateRuntimeError,
    nodes,
    pass_context,
    select_autoescape,
)
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer
from markupsafe import Markup
from pygments.formatters import HtmlFormatter

from .branding import render_theme_css
from .i18n import catalog_for
from .markup import asset_url
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


# Templates may come from a course repository (a pull request), so every template renders in
# Jinja2's immutable sandbox, with limits on work and size: see "Threat model" in
# docs/architecture.md. The default theme stays far below them.
MAX_STEPS = 5_000_000  # loop iterations, calls and filters while rendering one page
MAX_OUTPUT = 256 * 1024 * 1024  # characters of one rendered page
MAX_VALUE = 64 * 1024 * 1024  # length of one string or list a template builds
MAX_INT_BITS = 4096  # an integer a template computes
MAX_FILTER_ARG = 100_000  # a width or count given to a filter (center, indent, batch, ...)
SANDBOX_HINT = ("templates are sandboxed: use the variables scormbuild passes (course, pages, "
                "modules, texts, t, data, scripts, styles, connect_src, direction) with Jinja's "
                "tags and filters; names starting with _ and Python internals are not available")
CACHE_PREFIX = "sandbox-1"  # compiled code differs from an unsandboxed build's: its own cache


class _Budget:
    """Work left for one render; `charge` raises SecurityError when it is used up."""

    def __init__(self) -> None:
        self.steps = MAX_STEPS

    def charge(self) -> None:
        self.steps -= 1
        if self.steps < 0:
            raise SecurityError(f"the template does too much work (more than {MAX_STEPS:,} "
                                "loop steps, calls and filters)")


_BUDGET: ContextVar[_Budget | None] = ContextVar("scormbuild_template_budget", default=None)


def _charge() -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.charge()


def _checked(value: Any) -> Any:
    if isinstance(value, (str, bytes, list, tuple, dict)) and len(value) > MAX_VALUE:
        raise SecurityError(f"the template builds a value of {len(value):,} items or characters "
                            f"(at most {MAX_VALUE:,})")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise SecurityError(f"the template computes a number of more than {MAX_INT_BITS} bits")
    return value


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse before computing: `"x" * 10**9` or `9 ** 9 ** 9` must not run at all."""
    ints = isinstance(left, int) and isinstance(right, int)
    if operator == "**" and ints and abs(left) > 1:
        if right > MAX_INT_BITS or left.bit_length() * right > MAX_INT_BITS:
            raise SecurityError(f"the template computes a number of more than {MAX_INT_BITS} bits")
    elif operator == "*" and ints:
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise SecurityError(f"the template computes a number of more than {MAX_INT_BITS} bits")
    elif operator == "*":
        seq, times = (left, right) if isinstance(right, int) else (right, left)
        if isinstance(times, int) and hasattr(seq, "__len__") and len(seq) * times > MAX_VALUE:
            raise SecurityError(f"the template builds a value of more than {MAX_VALUE:,} items "
                                "or characters")
    elif operator == "%" and isinstance(left, str):
        _check_format_widths(left)
    elif (operator == "+" and hasattr(left, "__len__") and hasattr(right, "__len__")
          and len(left) + len(right) > MAX_VALUE):
        raise SecurityError(f"the template builds a value of more than {MAX_VALUE:,} items "
                            "or characters")


_PRINTF_WIDTHS = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\d*)(?:\.(\d*))?")
_BRACE_SPECS = re.compile(r"\{[^{}]*?:([^{}]*)\}")


def _check_format_widths(template: str) -> None:
    """`"%999999999d" % 1` or `"{:999999999}".format(1)` builds a huge string from one call."""
    numbers = [n for m in _PRINTF_WIDTHS.finditer(template) for n in m.groups() if n]
    numbers += [n for m in _BRACE_SPECS.finditer(template) for n in re.findall(r"\d+", m[1])]
    for number in numbers:
        if len(number) > 6 or int(number) > MAX_FILTER_ARG:
            raise SecurityError(f"a format width or precision of {int(number):,} is too large "
                                f"(at most {MAX_FILTER_ARG:,})")


@pass_context
def _counted_loop(context: Context, iterable: Iterable[Any]) -> Iterator[Any]:
    """Every `{% for %}` iterates through this (pass_context: never folded at compile time)."""
    for item in iterable:
        _charge()
        yield item


@pass_context
def _checked_concat(context: Context, value: Any) -> Any:
    """Every `~` result passes here: doubling a string in a loop stops at MAX_VALUE."""
    return _checked(value)


class _Budgeted(NodeTransformer):
    """Route loops and `~` through the budget: code the sandbox's hooks would not see."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, "_counted_loop", [], [], None, None,
                                 lineno=node.iter.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(node, "_checked_concat", [], [], None, None, lineno=node.lineno)


def _fail_if_undefined(obj: Any) -> None:
    """`config.__class__` must say "'config' is undefined", not refuse an Undefined's class."""
    if isinstance(obj, Undefined):
        obj._fail_with_undefined_error()


# filters whose numeric arguments size their result (a width, a count of items)
_SIZING_FILTERS = frozenset({"batch", "center", "indent", "slice", "truncate", "wordwrap"})


def _budgeted_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)  # keeps jinja_pass_arg (pass_context and friends)
    def run(*args: Any, **kwargs: Any) -> Any:
        _charge()
        if name in _SIZING_FILTERS:  # numbers after the value (and context, if passed)
            for arg in (*args[1:], *kwargs.values()):
                if (isinstance(arg, int) and not isinstance(arg, bool)
                        and abs(arg) > MAX_FILTER_ARG):
                    raise SecurityError(f"filter '{name}' was given {arg:,} (at most "
                                        f"{MAX_FILTER_ARG:,})")
        elif name == "format":
            for arg in args:
                if isinstance(arg, str):  # the value: the format string
                    _check_format_widths(arg)
                    break
        return _checked(func(*args, **kwargs))
    return run


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox (no attribute starting with _, no Python internals, no
    changing lists and dicts), plus budgets on work and size."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _charge()
        _check_binop(operator, left, right)
        return _checked(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any,
             **kwargs: Any) -> Any:
        _charge()
        return _checked(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        _fail_if_undefined(obj)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _fail_if_undefined(obj)
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format_widths(value.__self__)
        return wrapped

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        # refuse at once: Jinja's lazy Undefined would let `x.__class__ | default(...)` pass
        # quietly, and name only the last attribute of a chain
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} "
                            "object is unsafe.")

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        # Jinja's one hook between parsing and compiling (private, stable since 2.x)
        tree = super()._parse(source, name, filename)
        budgeted: nodes.Template = _Budgeted().visit(tree)
        return budgeted


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
    # the key is the template's name and file only: code compiled without the sandbox (by an
    # older scormbuild) must never be loaded for the same file, so the sandbox has its own names
    return FileSystemBytecodeCache(str(folder), pattern=f"__jinja2_{CACHE_PREFIX}_%s.cache")


@dataclass
class Theme:
    """A sandboxed Jinja2 environment over the template folders, first hit wins."""

    folders: Sequence[Path]
    env: _Sandbox = field(init=False)

    def __post_init__(self) -> None:
        self.env = _Sandbox(
            loader=FileSystemLoader([str(f) for f in self.folders]),
            bytecode_cache=_bytecode_cache(),
            autoescape=select_autoescape(["html", "xml"], default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        del self.env.globals["lipsum"]  # unbounded text for nothing a course needs
        self.env.filters["tojson_script"] = json_for_script
        self.env.filters["minutes"] = _minutes
        self.env.filters["url"] = asset_url  # package paths in src/href attributes
        for name, func in list(self.env.filters.items()):
            self.env.filters[name] = _budgeted_filter(name, func)
        self.env.filters["_counted_loop"] = _counted_loop
        self.env.filters["_checked_concat"] = _checked_concat

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        """Render one template within the sandbox's budgets.

        Raises jinja2.TemplateError for any failure of a template (SecurityError when the
        sandbox refused something); errors of Python operations a template ran (1/0, a
        recursion too deep) become TemplateRuntimeError with the template's traceback.
        """
        token = _BUDGET.set(_Budget())
        try:
            template = self.env.get_template(name)
            parts: list[str] = []
            size = 0
            for chunk in template.generate(context):
                size += len(chunk)
                if size > MAX_OUTPUT:
                    refused = SecurityError(f"the page would be larger than {MAX_OUTPUT:,} "
                                            "characters")
                    refused.filename = template.filename  # type: ignore[attr-defined]
                    raise refused
                parts.append(chunk)
            return "".join(parts)
        except TemplateError:
            raise
        except Exception as err:  # any error of template code is the template's
            failed = TemplateRuntimeError(f"{type(err).__name__}: {err}")
            raise failed.with_traceback(err.__traceback__) from None
        finally:
            _BUDGET.reset(token)

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
    site["index.html"] = theme.render("layout.html", context).encode("utf-8")
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
        # the pattern goes as its compiled machine: the player never runs a course's regex
        data.update(answers=list(q.answers), caseSensitive=q.case_sensitive,
                    machine=q.machine.to_json() if q.machine is not None else None)
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
