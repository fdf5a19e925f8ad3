"""Build many courses at once, in parallel processes when asked; outcomes are plain values."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from . import archive, pipeline, yamltree
from .errors import CourseInvalid, Diagnostic, Location, has_errors
from .sources import COURSE_FILE, TEXT_LIMITS, Locator


@dataclass(frozen=True, slots=True)
class BuildJob:
    """One course to build for some targets."""

    course_dir: Path
    targets: tuple[str, ...]
    out_dir: Path
    templates: Path | None = None
    strict: bool = False


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    """What building one course gave: packages, or the diagnostics that stopped it."""

    job: BuildJob
    results: tuple[pipeline.BuildResult, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    io_error: str | None = None  # the output could not be written
    io_hint: str | None = field(default=None)
    replaced: tuple[Path, ...] = ()  # zips replaced before the write failed (normally none)

    @property
    def ok(self) -> bool:
        return self.io_error is None and not has_errors(self.diagnostics) and bool(self.results)


def build_one(job: BuildJob) -> BuildOutcome:
    """Build one course; never raises for a bad course or an unwritable output folder."""
    try:
        if job.strict:
            found = pipeline.check(job.course_dir, job.targets, job.templates)
            if found:  # --strict: warnings stop the build too; nothing is written
                return BuildOutcome(job, diagnostics=tuple(found))
        results = pipeline.build(job.course_dir, job.targets, job.out_dir, job.templates)
    except CourseInvalid as invalid:
        return BuildOutcome(job, diagnostics=tuple(invalid.diagnostics))
    except archive.ReplaceFailed as err:
        replaced = ", ".join(p.name for p in err.replaced)
        kept = ", ".join(p.name for p in err.kept)
        return BuildOutcome(job, io_error=f"{err.strerror or err} ({err.filename}); new: "
                            f"{replaced}; not replaced: {kept}",
                            io_hint="check that the output folder is writable, then build again "
                                    "so that the course's packages match",
                            replaced=err.replaced)
    except OSError as err:
        return BuildOutcome(job, io_error=f"{err.strerror or err} ({err.filename or job.out_dir})",
                            io_hint="check that the output folder is writable and the disk is "
                                    "not full; no package in it was changed")
    warnings = results[0].warnings if results else ()
    return BuildOutcome(job, results=tuple(results), diagnostics=tuple(warnings))


def default_jobs() -> int:
    """Worker processes for --jobs 0: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def duplicate_ids(course_dirs: Sequence[Path]) -> dict[int, Diagnostic]:
    """An error for each course (by index) whose id another course of the list has too.

    Courses of one id would write the same dist/ zips, the later silently replacing the
    earlier; the error names the other course.yml at the line of its id. A course.yml that
    cannot be read is left out here: its own build reports it.
    """
    seen: dict[str, list[tuple[int, Location]]] = {}
    for index, course_dir in enumerate(course_dirs):
        found = _course_id(course_dir)
        if found is not None:
            seen.setdefault(found[0], []).append((index, found[1]))
    errors: dict[int, Diagnostic] = {}
    for course_id, places in seen.items():
        for index, where in places if len(places) > 1 else ():
            others = ", ".join(f"{_place(course_dirs[i], w)}" for i, w in places if i != index)
            errors[index] = Diagnostic(
                where, f"course id '{course_id}' is also the id of {others}",
                "give each course its own id: courses of one id would write the same zips to "
                "the output folder and report the same activity to the LMS")
    return errors


def _place(course_dir: Path, where: Location) -> str:
    line = f":{where.line}" if where.line is not None else ""
    return f"{course_dir / str(where.path)}{line}"


def _course_id(course_dir: Path) -> tuple[str, Location] | None:
    path = course_dir / COURSE_FILE
    try:
        too_big = TEXT_LIMITS["course"][0]
        if path.is_symlink() or not path.is_file() or path.stat().st_size > too_big:
            return None
        tree: Any = yamltree.load(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError, yamltree.YAMLError):
        return None  # UnicodeDecodeError is a ValueError; the build says what is wrong
    if not isinstance(tree, dict) or not isinstance(tree.get("id"), str):
        return None
    return tree["id"], Locator(PurePosixPath(COURSE_FILE), tree).at("id")


def run_builds(jobs: Sequence[BuildJob], workers: int,
               on_done: Callable[[BuildOutcome], None] | None = None) -> list[BuildOutcome]:
    """Build every job, `workers` at a time; outcomes come back in the order of `jobs`.

    Courses that share an id are not built (an error names each other's course.yml).
    """
    outcomes: dict[int, BuildOutcome] = {}
    clashes = duplicate_ids([job.course_dir for job in jobs])
    for index, diag in sorted(clashes.items()):
        outcomes[index] = BuildOutcome(jobs[index], diagnostics=(diag,))
        if on_done is not None:
            on_done(outcomes[index])
    rest = [i for i in range(len(jobs)) if i not in clashes]
    for position, outcome in _outcomes([jobs[i] for i in rest], workers):
        outcomes[rest[position]] = outcome
        if on_done is not None:
            on_done(outcome)
    return [outcomes[i] for i in range(len(jobs))]


def _outcomes(jobs: Sequence[BuildJob], workers: int) -> Iterator[tuple[int, BuildOutcome]]:
    if workers <= 1 or len(jobs) <= 1:
        for index, job in enumerate(jobs):
            yield index, build_one(job)
        return
    # spawn: no fork of a process that may run threads (preview, tests); same on every OS
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context,
                               initializer=_ignore_interrupts)
    try:
        # Ctrl+C reaches every process of the terminal's group: workers ignore it (blocked
        # from their start, so not even their imports see it) and this process stops them
        with _interrupts_blocked():
            futures: dict[Future[BuildOutcome], int] = {
                pool.submit(build_one, job): index for index, job in enumerate(jobs)}
        for future in as_completed(futures):
            yield futures[future], future.result()
    except BaseException:  # Ctrl+C, or the caller stopped early: start no other course
        pool.shutdown(wait=True, cancel_futures=True)  # courses being written finish whole
        raise
    pool.shutdown(wait=True)


def _ignore_interrupts() -> None:
    """Worker start: Ctrl+C is the parent's to handle (no traceback from each worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _interrupts_blocked() -> Iterator[None]:
    """Block SIGINT while workers start, so they inherit it blocked; it is delivered here after."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
