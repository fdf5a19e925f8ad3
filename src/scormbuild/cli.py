"""The scormbuild command line: parse options, call one pipeline function, print, exit.

Exit codes: 0 success, 1 invalid course or package (and warnings under --strict), 2 usage.
stdout carries only results (package paths) for CI to capture; diagnostics go to stderr.
Stage modules are imported inside the command that needs them, so `--help`, `targets` and
`schema` never load the render stack (tests/test_startup.py pins which modules load).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def _err(text: str) -> None:
    typer.echo(text, err=True)


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
    """Course folders from the arguments: a folder of courses stands for each course in it."""
    found: list[Path] = []
    for path in paths:
        if not (path / "course.yml").is_file() and path.is_dir():
            inner = sorted(p for p in path.iterdir() if (p / "course.yml").is_file())
            if inner:
                found.extend(inner)
                continue
        found.append(path)
    return found


def _templates_option() -> Any:
    """--templates: a folder that must exist, else a usage error (exit 2) naming it."""
    return typer.Option(None, "--templates", exists=True, file_okay=False, dir_okay=True,
                        help="Extra template folder (an existing folder).")


@app.command()
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
            bar.advance(f"{course_dir}: failed, no package written")
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
def check(
    courses: list[Path] = typer.Argument(..., help="Course folders, or folders of courses."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 on warnings too."),
    templates: Path | None = _templates_option(),
) -> None:
    """Check courses without writing anything; report every problem at once."""
    from . import pipeline
    from .errors import has_errors

    worst = 0
    for course_dir in expand_courses(courses):
        try:
            diags = pipeline.check(course_dir, list(TARGET_NAMES), templates)
        except OSError as err:  # a file vanished or became unreadable while we read the course
            _err(f"{course_dir}: error: {err.strerror or err} ({err.filename or course_dir})")
            _err("    hint: check that the course files exist and that you may read them")
            worst = 1
            continue
        report(diags, course_dir)
        errors, warnings = _count(diags)
        _err(f"{course_dir}: {_plural(errors, 'error')}, {_plural(warnings, 'warning')}")
        if has_errors(diags) or (strict and diags):
            worst = 1
    if worst:
        raise typer.Exit(worst)


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


@app.command()
def new(
    directory: Path = typer.Argument(..., help="Folder to create the course in (new or empty)."),
    title: str | None = typer.Option(None, "--title", help="Course title [default: from DIR]."),
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
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        _err("interrupted; no partial package was written")
        sys.exit(130)
