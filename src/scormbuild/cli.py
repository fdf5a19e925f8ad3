"""The scormbuild command line: parse options, call one pipeline function, print, exit.

Exit codes: 0 success, 1 invalid course or package (and warnings under --strict), 2 usage.
stdout carries only results (package paths) for CI to capture; diagnostics go to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from enum import Enum
from pathlib import Path

import typer

from . import pipeline
from .errors import CourseInvalid, Diagnostic, has_errors
from .targets import DEFAULT_TARGET, TARGETS

app = typer.Typer(
    help="Build SCORM 1.2, TinCan and cmi5 packages from markdown lessons and YAML quizzes.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)

TargetName = Enum("TargetName", {name: name for name in TARGETS}, type=str)  # type: ignore[misc]


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


@app.command()
def build(
    courses: list[Path] = typer.Argument(..., help="Course folders, or folders of courses."),
    target: list[TargetName] = typer.Option(  # type: ignore[valid-type]
        [DEFAULT_TARGET], "--target", "-t", help="Package standard; repeat for several."),
    out: Path = typer.Option(Path("dist"), "--out", "-o", help="Folder for the zips."),
    templates: Path | None = typer.Option(None, "--templates", help="Extra template folder."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
) -> None:
    """Build course packages into dist/ as <course-id>-<version>-<target>.zip."""
    names = [t.value for t in target]
    failed = 0
    for course_dir in expand_courses(courses):
        try:
            if strict:
                warnings = [d for d in pipeline.check(course_dir, names)]
                if warnings:
                    raise CourseInvalid(warnings)
            results = pipeline.build(course_dir, names, out, templates)
        except CourseInvalid as invalid:
            report(invalid.diagnostics, course_dir)
            errors, warnings_n = _count(invalid.diagnostics)
            _err(f"{course_dir}: {_plural(errors, 'error')}, {_plural(warnings_n, 'warning')}; "
                 "no package written")
            failed += 1
            continue
        except OSError as err:
            _err(f"{course_dir}: error: {err.strerror or err} ({err.filename or out})")
            _err("    hint: check that the output folder is writable and the disk is not full")
            failed += 1
            continue
        if results:
            report(results[0].warnings, course_dir)
        for result in results:
            typer.echo(str(result.path))
    if failed:
        raise typer.Exit(1)


@app.command()
def check(
    courses: list[Path] = typer.Argument(..., help="Course folders, or folders of courses."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 on warnings too."),
) -> None:
    """Check courses without writing anything; report every problem at once."""
    worst = 0
    for course_dir in expand_courses(courses):
        try:
            diags = pipeline.check(course_dir, list(TARGETS))
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
        typer.echo("\n".join(TARGETS))
        return
    if as_json:
        typer.echo(json.dumps([{"name": t.name, "manifest": t.manifest_name,
                                "description": t.description} for t in TARGETS.values()]))
        return
    for t in TARGETS.values():
        typer.echo(f"{t.name:<10} {t.manifest_name or '(none)':<16} {t.description}")


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        _err("interrupted; no partial package was written")
        sys.exit(130)
