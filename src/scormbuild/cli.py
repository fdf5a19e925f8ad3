"""The scormbuild command line: parse options, call one pipeline function, print, exit.

Exit codes: 0 success, 1 invalid course or package (and warnings under --strict), 2 usage.
stdout carries only results (package paths) for CI to capture; diagnostics go to stderr.
Stage modules are imported inside the command that needs them, so `--help`, `targets` and
`schema` never load the render stack (tests/test_startup.py pins which modules load).
"""

from __future__ import annotations

import _thread
import dataclasses
import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from . import scaffold
from .targets import DEFAULT_TARGET, TARGET_NAMES

if TYPE_CHECKING:
    from . import batch, console, pipeline
    from .errors import Diagnostic

app = typer.Typer(
    help="Build SCORM 1.2, TinCan and cmi5 packages from markdown lessons and YAML quizzes.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)

TargetName = Enum("TargetName", {name: name for name in TARGET_NAMES}, type=str)  # type: ignore[misc]


INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl+C
_Command = TypeVar("_Command", bound=Callable[..., None])
_interrupt_reported = False


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _report_interrupt(text: str = "interrupted") -> None:
    global _interrupt_reported
    _interrupt_reported = True
    _err(text)


def _interruptible(text: str = "interrupted") -> Callable[[_Command], _Command]:
    """Ctrl+C in the command says `text` and exits 130, instead of a traceback or Typer's
    silent exit. Whatever the command writes is atomic (archive.write_zips), so nothing is
    left half-written."""
    def wrap(command: _Command) -> _Command:
        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> None:
            try:
                command(*args, **kwargs)
            except KeyboardInterrupt:
                _report_interrupt(text)
                raise typer.Exit(INTERRUPTED) from None
        return run  # type: ignore[return-value]
    return wrap


def report(diagnostics: Sequence[Diagnostic], prefix: Path | None = None) -> None:
    """Print diagnostics to stderr as `path:line:col: severity: message` plus hint lines."""
    for diag in diagnostics:
        line = diag.render()
        if prefix is not None and not Path(str(diag.where.path)).is_absolute():
            line = f"{prefix}/{line}"
        _err(line)


def _count(diagnostics: Iterable[Diagnostic]) -> tuple[int, int]:
    diags = list(diagnostics)
    errors = sum(d.is_error for d in diags)
    return errors, len(diags) - errors


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def expand_courses(paths: Sequence[Path]) -> list[Path]:
    """Course folders from the arguments: a folder of courses stands for each course in it.

    A folder named twice (`build courses/ courses/a`) counts once.
    """
    found: list[Path] = []
    for path in paths:
        if not (path / "course.yml").is_file() and path.is_dir():
            inner = sorted(p for p in path.iterdir() if (p / "course.yml").is_file())
            if inner:
                found.extend(inner)
                continue
        found.append(path)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def _templates_option() -> Any:
    """--templates: a folder that must exist, else a usage error (exit 2) naming it."""
    return typer.Option(None, "--templates", exists=True, file_okay=False, dir_okay=True,
                        help="Extra template folder (an existing folder).")


@app.command()
@_interruptible("interrupted; no partial package was written")
def build(
    courses: list[Path] = typer.Argument(..., help="Course folders, or folders of courses."),
    target: list[TargetName] = typer.Option(
        [DEFAULT_TARGET], "--target", "-t", help="Package standard; repeat for several."),
    out: Path = typer.Option(Path("dist"), "--out", "-o", help="Folder for the zips."),
    templates: Path | None = _templates_option(),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=0,
                             help="Courses built in parallel; 0 = one per CPU."),
    as_json: bool = typer.Option(False, "--json",
                                 help="Print a JSON summary on stdout instead of zip paths."),
) -> None:
    """Build course packages into dist/ as <course-id>-<version>-<target>.zip."""
    from . import batch, console

    names = tuple(dict.fromkeys(t.value for t in target))
    course_dirs = expand_courses(courses)
    build_jobs = [batch.BuildJob(d, names, out, templates, strict) for d in course_dirs]
    workers = batch.default_jobs() if jobs == 0 else jobs

    def done(outcome: batch.BuildOutcome, bar: console.Progress) -> None:
        course_dir = outcome.job.course_dir
        report(outcome.diagnostics, course_dir)
        if outcome.io_error is not None:
            _err(f"{course_dir}: error: {outcome.io_error}")
            _err(f"    hint: {outcome.io_hint}")
            bar.advance(f"{course_dir}: failed, " + (
                f"{_plural(len(outcome.replaced), 'package')} replaced" if outcome.replaced
                else "no package written"))
        elif not outcome.ok:
            errors, warnings_n = _count(outcome.diagnostics)
            why = " (--strict)" if strict and not errors else ""
            _err(f"{course_dir}: {_plural(errors, 'error')}, {_plural(warnings_n, 'warning')}; "
                 f"no package written{why}")
            bar.advance(f"{course_dir}: failed")
        else:
            bar.advance(f"{course_dir}: {_plural(len(outcome.results), 'package')}")

    with console.progress(len(build_jobs), "Building", quiet=len(build_jobs) < 2) as bar:
        outcomes = batch.run_builds(build_jobs, workers, lambda o: done(o, bar))
    built = [r for o in outcomes for r in o.results]
    console.print_table(
        ("course", "target", "path", "size", "files"),
        [(r.course_id, r.target, str(r.path), console.human_size(r.size), str(r.files))
         for r in built], right=(3, 4))
    failed = [o for o in outcomes if not o.ok]
    if len(outcomes) > 1:
        _err(f"built {_plural(len(built), 'package')} from "
             f"{_plural(len(outcomes) - len(failed), 'course')}"
             + (f"; {_plural(len(failed), 'course')} failed" if failed else ""))
    if as_json:
        typer.echo(json.dumps(_build_summary(outcomes), indent=2))
    else:
        for result in built:
            typer.echo(str(result.path))
    if failed:
        raise typer.Exit(1)


def _build_summary(outcomes: Sequence[batch.BuildOutcome]) -> dict[str, Any]:
    from . import console

    def package(r: pipeline.BuildResult) -> dict[str, Any]:
        return {"course": r.course_id, "target": r.target, "path": str(r.path), "size": r.size,
                "files": r.files}

    courses = []
    for o in outcomes:
        errors, warnings = _count(o.diagnostics)
        diags = [console.diagnostic_json(d, str(o.job.course_dir)) for d in o.diagnostics]
        if o.io_error is not None:
            errors += 1
            diags.append({"path": str(o.job.out_dir), "line": None, "column": None,
                          "severity": "error", "message": o.io_error, "hint": o.io_hint})
        courses.append({"source": str(o.job.course_dir), "ok": o.ok, "errors": errors,
                        "warnings": warnings, "diagnostics": diags,
                        "packages": [package(r) for r in o.results]})
    return {"ok": all(o.ok for o in outcomes), "courses": courses,
            "packages": [package(r) for o in outcomes for r in o.results]}


@app.command()
@_interruptible()
def check(
    courses: list[Path] = typer.Argument(..., help="Course folders, or folders of courses."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 on warnings too."),
    templates: Path | None = _templates_option(),
    as_json: bool = typer.Option(False, "--json", help="Also print a JSON report on stdout: "
                                 "diagnostics, item-writing rule hits, guesser and duration "
                                 "estimates."),
) -> None:
    """Check courses without writing anything; report every problem at once."""
    from . import batch, pipeline
    from .errors import has_errors

    worst = 0
    summaries: list[dict[str, Any]] = []
    course_dirs = expand_courses(courses)
    clashes = batch.duplicate_ids(course_dirs)
    for index, course_dir in enumerate(course_dirs):
        try:
            result = pipeline.check_course(course_dir, list(TARGET_NAMES), templates)
        except OSError as err:  # a file vanished or became unreadable while we read the course
            message = f"{err.strerror or err} ({err.filename or course_dir})"
            hint = "check that the course files exist and that you may read them"
            _err(f"{course_dir}: error: {message}")
            _err(f"    hint: {hint}")
            worst = 1
            summaries.append({"source": str(course_dir), "ok": False, "errors": 1, "warnings": 0,
                              "diagnostics": [{"path": str(course_dir), "line": None,
                                               "column": None, "severity": "error",
                                               "message": message, "hint": hint, "rule": None}],
                              "lint": [], "guesser": [], "durations": []})
            continue
        if index in clashes:
            result = dataclasses.replace(result, diagnostics=[clashes[index], *result.diagnostics])
        diags = result.diagnostics
        report(diags, course_dir)
        errors, warnings = _count(diags)
        _err(f"{course_dir}: {_plural(errors, 'error')}, {_plural(warnings, 'warning')}")
        failed = has_errors(diags) or (strict and bool(diags))
        if failed:
            worst = 1
        summaries.append(_check_summary(course_dir, result, not failed))
    if as_json:
        typer.echo(json.dumps({"ok": not worst, "courses": summaries}, indent=2))
    if worst:
        raise typer.Exit(worst)


def _check_summary(course_dir: Path, result: pipeline.CheckResult, ok: bool) -> dict[str, Any]:
    from . import console

    prefix = str(course_dir)
    errors, warnings = _count(result.diagnostics)
    diags = [console.diagnostic_json(d, prefix) | {"rule": result.rules.get(d)}
             for d in result.diagnostics]
    lint = [{"rule": result.rules[d], "path": j["path"], "line": j["line"],
             "message": d.message.removesuffix(f" [{result.rules[d]}]")}
            for d, j in zip(result.diagnostics, diags, strict=True) if d in result.rules]
    guesser = [{"quiz": g.quiz, "path": f"{prefix}/{g.path}", "estimate": g.percent,
                "pass_mark": g.pass_mark, "reaches_pass_mark": g.reaches_pass_mark,
                "questions": dict(g.questions)} for g in result.guesses]
    durations = [{"lesson": d.lesson, "path": f"{prefix}/{d.path}", "words": d.words,
                  "media_minutes": round(d.media_minutes, 2), "unknown_media": d.unknown_media,
                  "estimate_minutes": d.estimate, "stated_minutes": d.stated}
                 for d in result.durations]
    return {"source": prefix, "ok": ok, "errors": errors, "warnings": warnings,
            "diagnostics": diags, "lint": lint, "guesser": guesser, "durations": durations}


@app.command()
def targets(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    names: bool = typer.Option(False, "--names", help="Print only the names, one per line."),
) -> None:
    """List the package standards scormbuild can build."""
    if names:
        typer.echo("\n".join(TARGET_NAMES))
        return
    from .targets import TARGETS

    if as_json:
        typer.echo(json.dumps([{"name": t.name, "manifest": t.manifest_name,
                                "description": t.description} for t in TARGETS.values()]))
        return
    for t in TARGETS.values():
        typer.echo(f"{t.name:<10} {t.manifest_name or '(none)':<16} {t.description}")


SchemaName = Enum("SchemaName", {k: k for k in scaffold.SCHEMA_KINDS}, type=str)  # type: ignore[misc]
OutputFormat = Enum("OutputFormat", {"text": "text", "json": "json"}, type=str)


def _interactive() -> bool:
    """Prompting is allowed only with a person at a terminal (never in CI or a pipe)."""
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


def _check_title(title: str | None) -> str | None:
    """--title: control characters would make a course that cannot be built (usage error)."""
    problem = None if title is None else scaffold.title_problem(title)
    if problem is not None:
        raise typer.BadParameter(problem)
    return title


@app.command()
@_interruptible()
def new(
    directory: Path = typer.Argument(..., help="Folder to create the course in (new or empty)."),
    title: str | None = typer.Option(None, "--title", callback=_check_title,
                                     help="Course title [default: from DIR]."),
    course_id: str | None = typer.Option(
        None, "--id", help="Course id: lowercase letters, digits, hyphens [default: from title]."),
    language: str = typer.Option("en-US", "--language", help="BCP 47 language tag."),
) -> None:
    """Create a small working course to start from: it checks clean and builds at once."""
    if title is None:
        default = scaffold.title_from(directory.resolve().name)
        title = typer.prompt("Course title", default=default) if _interactive() else default
    try:
        written = scaffold.write_course(directory, title, course_id or scaffold.slugify(title),
                                        language)
    except scaffold.ScaffoldError as err:
        _err(f"{directory}: error: {err.message}")
        if err.hint:
            _err(f"    hint: {err.hint}")
        raise typer.Exit(1) from None
    except OSError as err:
        _err(f"{directory}: error: {err.strerror or err} ({err.filename or directory})")
        _err("    hint: check that you may create files in that place")
        raise typer.Exit(1) from None
    typer.echo(str(directory))
    _err(f"created {_plural(len(written), 'file')} in {directory}; next:")
    _err(f"    scormbuild preview {directory}")
    _err(f"    scormbuild build {directory}")


@app.command()
def schema(
    kind: SchemaName = typer.Argument(..., help="course (course.yml) or quiz (quizzes/*.yml)."),
) -> None:
    """Print the JSON Schema of course.yml or of a quiz file, for editors."""
    typer.echo(scaffold.schema_text(kind.value), nl=False)


@app.command()
@_interruptible()
def validate(
    packages: list[Path] = typer.Argument(..., help="Package zips to check."),
    output: OutputFormat = typer.Option(
        "text", "--format", "-f", help="text (diagnostics on stderr) or json (on stdout)."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 on warnings too."),
) -> None:
    """Check package zips like a strict LMS would on upload (any zip, not only ours)."""
    from .package_check import validate_package

    reports = [validate_package(path) for path in packages]
    failed = [r for r in reports if not r.ok or (strict and r.diagnostics)]
    if output.value == "json":
        typer.echo(json.dumps({"ok": not failed, "packages": [r.to_json() for r in reports]},
                              indent=2))
    else:
        for r in reports:
            for diag in r.diagnostics:  # paths are the zip's name or a member of the zip
                inside = str(diag.where.path) != (r.path.name or str(r.path))
                _err(f"{r.path}/{diag.render()}" if inside
                     else f"{r.path}{diag.render().removeprefix(str(diag.where.path))}")
            errors, warnings = _count(r.diagnostics)
            _err(f"{r.path}: {r.kind or 'unknown kind'}, {_plural(errors, 'error')}, "
                 f"{_plural(warnings, 'warning')}")
    if failed:
        raise typer.Exit(1)


@app.command()
@_interruptible()
def preview(
    course: Path = typer.Argument(Path("."), help="Course folder."),
    port: int = typer.Option(8000, "--port", "-p", min=0, max=65535,
                             help="Port on 127.0.0.1; 0 = any free port."),
    no_open: bool = typer.Option(False, "--no-open", help="Do not open a browser."),
    target: TargetName = typer.Option(
        DEFAULT_TARGET, "--target", "-t", help="Standard to start with (switch in the page)."),
    templates: Path | None = _templates_option(),
) -> None:
    """Play the course in a local LMS page that rebuilds and reloads when you save a file."""
    import webbrowser

    from . import preview as preview_server

    if not course.is_dir():
        _err(f"{course}: error: no such folder")
        _err("    hint: give the course folder (the one with course.yml), "
             "or create one with scormbuild new")
        raise typer.Exit(1)
    try:
        server = preview_server.PreviewServer(course, target.value, port=port,
                                              templates=templates)
    except OSError as err:
        _err(f"127.0.0.1:{port}: error: cannot listen: {err.strerror or err}")
        _err("    hint: another program uses that port; try --port 0 for any free one")
        raise typer.Exit(1) from None
    with server:
        _err(f"previewing {course} at {server.url} (Ctrl+C to stop)")
        if not no_open:
            webbrowser.open(server.url)
        server.serve_until_interrupted()


def _redeliver_interrupts(unraisable: Any) -> None:
    """A Ctrl+C that lands in a weakref callback or __del__ cannot propagate: Python would
    print "Exception ignored ... KeyboardInterrupt" and go on. Deliver it again instead, to
    the code that runs next (a command, which stops and says "interrupted")."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        # not from here: this hook's own next bytecode would take it. A new thread needs the
        # GIL first, so the interrupt lands once this hook and its caller have returned.
        _thread.start_new_thread(_thread.interrupt_main, ())
        return
    sys.__unraisablehook__(unraisable)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"scormbuild {version('scormbuild')}")
        raise typer.Exit()


@app.callback()
def _options(
    _version: bool = typer.Option(False, "--version", is_eager=True, callback=_show_version,
                                  help="Print the version and exit."),
) -> None:
    pass


@app.command()
def docs(
    topic: str | None = typer.Argument(None, help="A topic; without one, the list of topics."),
    open_page: bool = typer.Option(False, "--open", help="Open the topic in a browser."),
) -> None:
    """Print the course format reference shipped with scormbuild, by topic."""
    from . import reference

    if topic is None:
        typer.echo("Topics (scormbuild docs TOPIC; --open to read it in a browser):")
        for t in reference.TOPICS.values():
            typer.echo(f"  {t.name:<9} {t.summary}")
        return
    try:
        text = reference.topic_text(topic)
    except reference.UnknownTopic as err:
        raise typer.BadParameter(f"{err}; topics: {', '.join(reference.TOPICS)}",
                                 param_hint="'TOPIC'") from None
    if not open_page:
        typer.echo(text, nl=False)
        return
    import tempfile
    import webbrowser

    page = Path(tempfile.gettempdir()) / f"scormbuild-docs-{topic.lower()}.html"
    page.write_text(reference.topic_html(topic), encoding="utf-8")
    typer.echo(str(page))
    if not webbrowser.open(page.as_uri()):
        _err(f"could not open a browser; open {page} yourself")


def main() -> None:
    """Console entry point (see __main__.main, which also covers Ctrl+C while this loads)."""
    global _interrupt_reported
    _interrupt_reported = False
    sys.unraisablehook = _redeliver_interrupts
    try:
        app()
    except KeyboardInterrupt:  # outside a command, e.g. while Typer parses the arguments
        _report_interrupt()
        sys.exit(INTERRUPTED)
    except SystemExit as done:
        # Typer turns Ctrl+C outside our commands into a silent Exit(130)
        if done.code == INTERRUPTED and not _interrupt_reported:
            _report_interrupt()
        raise
    finally:
        # the work is done: a Ctrl+C now, while Python shuts down, must not turn a finished
        # command into a SIGINT exit or print "Exception ignored" lines
        signal.signal(signal.SIGINT, signal.SIG_IGN)
