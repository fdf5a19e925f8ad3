"""Course templates are untrusted (a pull request can change them): the sandbox corpus.

Each case is a known Jinja2 escape or a template that would take unbounded time or memory,
placed at line 3 of a course's templates/layout.html. `check` and `build` must refuse it with a
diagnostic at that line, never run a command (the payloads `touch` a marker file) and write
nothing. A control test renders the same payloads with a plain jinja2.Environment, to show that
each "runs" case really is an exploit there. The default theme must render byte for byte as
before the sandbox (golden files in tests/test_theme_sandbox/).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest
from typer.testing import CliRunner

from scormbuild import cli, theme
from scormbuild.pipeline import check, compile_course, render_package
from scormbuild.targets import TARGETS
from support import COURSES, CourseFactory, write

TOUCH = "touch @MARKER@"
UNSAFE = "template refused by the sandbox: access to attribute"


@dataclass(frozen=True)
class Case:
    id: str
    template: str  # @MARKER@ becomes the marker file's path
    message: str  # the diagnostic after "templates/layout.html:3: error: "
    plain: str | None = None  # "runs": a plain jinja2.Environment runs the command


ESCAPES = [
    Case("self-init-globals-builtins",
         "{{ self.__init__.__globals__.__builtins__.__import__('os').popen('" + TOUCH
         + "').close() }}",
         f"{UNSAFE} '__init__' of 'TemplateReference' object is unsafe.", "runs"),
    Case("str-class-mro-subclasses",
         "{% for c in ''.__class__.__mro__[1].__subclasses__() %}"
         "{% if c.__name__ == 'catch_warnings' %}"
         "{{ c()._module.__builtins__['__import__']('os').popen('" + TOUCH + "').close() }}"
         "{% endif %}{% endfor %}",
         f"{UNSAFE} '__class__' of 'str' object is unsafe.", "runs"),
    Case("tuple-class-base-subclasses", "{{ ().__class__.__base__.__subclasses__() }}",
         f"{UNSAFE} '__class__' of 'tuple' object is unsafe."),
    Case("cycler-init-globals",
         "{{ cycler.__init__.__globals__.os.popen('" + TOUCH + "').close() }}",
         f"{UNSAFE} '__init__' of 'type' object is unsafe.", "runs"),
    Case("joiner-init-globals",
         "{{ joiner.__init__.__globals__.os.system('" + TOUCH + "') }}",
         f"{UNSAFE} '__init__' of 'type' object is unsafe.", "runs"),
    Case("namespace-init-globals",
         "{{ namespace.__init__.__globals__.os.system('" + TOUCH + "') }}",
         f"{UNSAFE} '__init__' of 'type' object is unsafe.", "runs"),
    Case("template-reference-context",
         "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('"
         + TOUCH + "').close() }}",
         f"{UNSAFE} '_TemplateReference__context' of 'TemplateReference' object is unsafe.",
         "runs"),
    # lipsum is not offered at all: its text has no use in a package and no size limit
    Case("lipsum-globals", "{{ lipsum.__globals__.os.popen('" + TOUCH + "').close() }}",
         "template error: 'lipsum' is undefined", "runs"),
    Case("range-init", "{{ range.__init__.__globals__ }}",
         f"{UNSAFE} '__init__' of 'function' object is unsafe."),
    Case("range-globals", "{{ range.__globals__.os.popen('" + TOUCH + "').close() }}",
         f"{UNSAFE} '__globals__' of 'function' object is unsafe."),
    Case("flask-config", "{{ config.__class__.__init__.__globals__['os'].popen('"
         + TOUCH + "').close() }}", "template error: 'config' is undefined"),
    Case("flask-request", "{{ request.application.__globals__.__builtins__ }}",
         "template error: 'request' is undefined"),
    Case("course-dataclass-globals", "{{ course.__class__.__init__.__globals__ }}",
         f"{UNSAFE} '__class__' of 'Course' object is unsafe."),
    Case("format-string-class", '{{ "{0.__class__}".format(course) }}',
         f"{UNSAFE} '__class__' of 'Course' object is unsafe."),
    Case("format-string-globals",
         '{{ "{0.__init__.__globals__[os]}".format(cycler) }}',
         f"{UNSAFE} '__init__' of 'type' object is unsafe."),
    Case("format-method-kept-for-later", '{% set f = "{0.__class__}".format %}{{ f(t) }}',
         f"{UNSAFE} '__class__' of 'dict' object is unsafe."),
    Case("format-map", '{{ "{x.__class__}".format_map({"x": course}) }}',
         f"{UNSAFE} '__class__' of 'Course' object is unsafe."),
    Case("attr-filter",
         "{{ (cycler|attr('__init__')|attr('__globals__')).os.popen('" + TOUCH
         + "').close() }}",
         f"{UNSAFE} '__init__' of 'type' object is unsafe.", "runs"),
    Case("map-attribute-filter", "{{ pages|map(attribute='__class__')|list }}",
         f"{UNSAFE} '__class__' of 'Page' object is unsafe."),
    Case("generator-frame", "{{ (pages|map('string')).gi_frame.f_globals }}",
         f"{UNSAFE} 'gi_frame' of 'generator' object is unsafe."),
    Case("mutate-course-data", "{{ data.update({'passMark': 0}) }}",
         f"{UNSAFE} 'update' of 'dict' object is unsafe."),
    Case("mutate-list", "{% set l = [] %}{{ l.append(1) }}",
         f"{UNSAFE} 'append' of 'list' object is unsafe."),
    Case("include-outside", "{% include '../course.yml' %}",
         "template error: no template '../course.yml' in the template folders"),
    Case("include-absolute", "{% include '/etc/passwd' %}",
         "template error: no template '/etc/passwd' in the template folders"),
]

TOO_MUCH = "template refused by the sandbox: the template"
LIMITS = [
    Case("repeat-string", "{{ 'x' * 1000000000 }}",
         f"{TOO_MUCH} builds a value of more than {theme.MAX_VALUE:,} items or characters"),
    Case("repeat-list", "{{ [0] * 10 ** 9 }}",
         f"{TOO_MUCH} builds a value of more than {theme.MAX_VALUE:,} items or characters"),
    Case("power-tower", "{{ (9 ** 9) ** (9 ** 9) }}",
         f"{TOO_MUCH} computes a number of more than {theme.MAX_INT_BITS} bits"),
    Case("squaring-loop", "{% set ns = namespace(n=3) %}{% for i in range(40) %}"
         "{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n }}",
         f"{TOO_MUCH} computes a number of more than {theme.MAX_INT_BITS} bits"),
    Case("doubling-concat", "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
         "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
         f"{TOO_MUCH} builds a value of {2 ** 27:,} items or characters "
         f"(at most {theme.MAX_VALUE:,})"),
    Case("doubling-plus", "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
         "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}",
         f"{TOO_MUCH} builds a value of more than {theme.MAX_VALUE:,} items or characters"),
    Case("nested-empty-loops", "{% for i in range(100000) %}{% for j in range(100000) %}"
         "{% endfor %}{% endfor %}",
         f"{TOO_MUCH} does too much work (more than {theme.MAX_STEPS:,} loop steps, calls "
         "and filters)"),
    Case("nested-loops-over-the-course", "{% for a in range(1000) %}{% for b in pages %}"
         "{% for c in range(10000) %}{% endfor %}{% endfor %}{% endfor %}",
         f"{TOO_MUCH} does too much work (more than {theme.MAX_STEPS:,} loop steps, calls "
         "and filters)"),
    Case("wide-filter", "{{ 'x'|center(1000000000) }}",
         f"template refused by the sandbox: filter 'center' was given 1,000,000,000 "
         f"(at most {theme.MAX_FILTER_ARG:,})"),
    Case("batch-filter", "{{ pages|batch(1000000000, 0)|list }}",
         f"template refused by the sandbox: filter 'batch' was given 1,000,000,000 "
         f"(at most {theme.MAX_FILTER_ARG:,})"),
    Case("printf-width", "{{ '%999999999d' % 1 }}",
         "template refused by the sandbox: a format width or precision of 999,999,999 is too "
         f"large (at most {theme.MAX_FILTER_ARG:,})"),
    Case("format-filter-width", "{{ '%.999999999f'|format(1.5) }}",
         "template refused by the sandbox: a format width or precision of 999,999,999 is too "
         f"large (at most {theme.MAX_FILTER_ARG:,})"),
    Case("str-format-width", "{{ '{:>999999999}'.format(1) }}",
         "template refused by the sandbox: a format width or precision of 999,999,999 is too "
         f"large (at most {theme.MAX_FILTER_ARG:,})"),
    Case("recursive-macro", "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
         "template error: RecursionError: maximum recursion depth exceeded"),
    Case("division-by-zero", "{{ 1 / 0 }}", "template error: ZeroDivisionError: division by zero"),
    Case("type-error", "{{ 1 + 'a' }}",
         "template error: TypeError: unsupported operand type(s) for +: 'int' and 'str'"),
]


def _layout(course: Path, body: str, marker: Path) -> Path:
    return write(course / "templates" / "layout.html",
                 "<!DOCTYPE html>\n<title>x</title>\n"
                 + body.replace("@MARKER@", str(marker)) + "\n")


@pytest.mark.parametrize("case", ESCAPES + LIMITS, ids=lambda c: c.id)
def test_check_refuses_the_template_at_its_line(case: Case, course_copy: CourseFactory,
                                                tmp_path: Path) -> None:
    course, marker = course_copy("minimal"), tmp_path / "marker"
    _layout(course, case.template, marker)
    rendered = [d.render() for d in check(course, list(TARGETS))]
    # CPython words a recursion error by where it hit the limit: compare up to the cause
    assert rendered[0].split("\n")[0].startswith(f"templates/layout.html:3: error: {case.message}")
    if case.message.startswith("template refused"):
        assert rendered[0].split("\n")[1] == f"    hint: {theme.SANDBOX_HINT}"
    assert not marker.exists()


@pytest.mark.parametrize("case", [c for c in ESCAPES if c.plain == "runs"], ids=lambda c: c.id)
def test_each_escape_runs_a_command_without_the_sandbox(case: Case, tmp_path: Path) -> None:
    """The control: the corpus holds real exploits, so the test above can fail."""
    marker = tmp_path / "marker"
    env = jinja2.Environment()
    env.from_string(case.template.replace("@MARKER@", str(marker))).render()
    assert marker.exists()


@pytest.mark.parametrize("case", [ESCAPES[0], ESCAPES[3], LIMITS[0]], ids=lambda c: c.id)
def test_build_refuses_and_writes_nothing(case: Case, course_copy: CourseFactory,
                                          tmp_path: Path) -> None:
    course, marker, out = course_copy("minimal"), tmp_path / "marker", tmp_path / "dist"
    _layout(course, case.template, marker)
    result = CliRunner().invoke(cli.app, ["build", str(course), "-o", str(out), "-t", "scorm12",
                                          "-t", "cmi5"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr
    assert f"{course}/templates/layout.html:3: error: {case.message}" in result.stderr
    assert not marker.exists()
    assert not out.exists() or not any(out.iterdir())


def test_a_templates_folder_is_sandboxed_too(course_copy: CourseFactory, tmp_path: Path) -> None:
    course, marker = course_copy("minimal"), tmp_path / "marker"
    extra = tmp_path / "theme"
    write(extra / "lesson.html", "\n{{ cycler.__init__.__globals__.os.popen('touch "
          f"{marker}').close() }}}}\n")
    result = CliRunner().invoke(cli.app, ["check", str(course), "--templates", str(extra)])
    assert result.exit_code == 1
    assert (f"{extra}/lesson.html:2: error: {UNSAFE} '__init__' of 'type' object is unsafe."
            in result.stderr.splitlines())
    assert not marker.exists()


def test_an_overridden_partial_is_refused_at_its_own_line(course_copy: CourseFactory) -> None:
    course = course_copy("all-question-types")
    default = (theme.default_templates() / "partials" / "question.html").read_text()
    write(course / "templates" / "partials" / "question.html",
          default + "{{ self.__init__.__globals__ }}\n")
    line = default.count("\n") + 1
    rendered = [d.render() for d in check(course)]
    assert rendered[0].split("\n")[0] == (
        f"templates/partials/question.html:{line}: error: {UNSAFE} '__init__' of "
        "'TemplateReference' object is unsafe.")


@pytest.mark.parametrize(("name", "target"), [("features", "scorm12"),
                                              ("all-question-types", "scorm12"),
                                              ("xapi-modules", "cmi5"), ("rtl-hebrew", "tincan")])
def test_default_theme_renders_byte_for_byte_as_without_the_sandbox(
        name: str, target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox and its budgets change nothing in what the default theme renders."""
    monkeypatch.setenv("SCORMBUILD_NO_CACHE", "1")
    compiled = compile_course(COURSES / name)
    sandboxed = render_package(compiled, TARGETS[target])["index.html"]
    monkeypatch.setattr(theme, "_Sandbox", jinja2.Environment)
    plain = render_package(compiled, TARGETS[target])["index.html"]
    assert type(theme.make_theme(None).env) is jinja2.Environment  # the patch took effect
    assert sandboxed == plain


def test_compiled_templates_are_cached_under_the_sandbox_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCORMBUILD_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "scormbuild" / "jinja"
    compiled = compile_course(COURSES / "features")
    first = render_package(compiled, TARGETS["scorm12"])["index.html"]
    cached = sorted(folder.iterdir())
    assert cached and all(p.name.startswith(f"__jinja2_{theme.CACHE_PREFIX}_") for p in cached)
    # a second theme loads the compiled code instead of compiling: poison the cache's source
    # check by timestamps alone would not show it, so count compilations
    calls = []
    original = theme._Sandbox._parse

    def counting(self: theme._Sandbox, *args: object) -> object:
        calls.append(args)
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(theme._Sandbox, "_parse", counting)
    assert render_package(compiled, TARGETS["scorm12"])["index.html"] == first
    assert calls == []


def test_an_unsandboxed_cache_entry_is_never_loaded(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """An older scormbuild cached templates compiled without the sandbox, same key."""
    monkeypatch.delenv("SCORMBUILD_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "scormbuild" / "jinja"
    folder.mkdir(parents=True)
    templates = write(tmp_path / "t" / "layout.html", "{{ cycler.__init__ }}\n").parent
    plain = jinja2.Environment(loader=jinja2.FileSystemLoader([str(templates)]),
                               bytecode_cache=jinja2.FileSystemBytecodeCache(str(folder)))
    assert "function" in plain.get_template("layout.html").render(cycler=jinja2.utils.Cycler)
    assert os.listdir(folder)
    sandboxed = theme.Theme([templates])
    with pytest.raises(jinja2.sandbox.SecurityError):
        sandboxed.render("layout.html", {})


def test_ordinary_template_code_still_works(course_copy: CourseFactory) -> None:
    """What a theme author writes: no refusal, and the same text as plain Jinja gives."""
    course = course_copy("minimal")
    body = ("{% set ns = namespace(n=0) %}{% for p in pages %}{% set ns.n = ns.n + 1 %}"
            "{% endfor %}{{ ns.n }}|{{ '%d%%' % 50 }}|{{ '%.2f'|format(2.5) }}|"
            "{{ '{:>4}'.format(7) }}|{{ 'ab'|center(6) }}|{{ x|default(1000000) }}|"
            "{{ (pages|map(attribute='title')|join(', ')) ~ '!' }}|{{ [1, 2] + [3] }}|"
            "{{ 'ab' * 2 }}|{{ 2 ** 10 }}|{{ range(3)|list }}|{{ course.title|upper }}|"
            "{% for k, v in {'a': 1}.items() %}{{ k }}={{ v }}{% endfor %}|"
            "{% for i in range(3) %}{{ loop.revindex }}{% endfor %}")
    _layout(course, body, course / "unused")
    files = render_package(compile_course(course), TARGETS["scorm12"])
    line = files["index.html"].decode().splitlines()[2]
    assert line == ("1|50%|2.50|   7|  ab  |1000000|The only lesson!|[1, 2, 3]|abab|1024|[0, 1, 2]|"
                    "MINIMAL COURSE|a=1|321")
