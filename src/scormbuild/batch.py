"""Build many courses at once, in parallel processes when asked; outcomes are plain values."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import pipeline
from .errors import CourseInvalid, Diagnostic, has_errors


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

    @property
    def ok(self) -> bool:
        return self.io_error is None and not has_errors(self.diagnostics) and bool(self.results)


def build_one(job: BuildJob) -> BuildOutcome:
    """Build one course; never raises for a bad course or an unwritable output folder."""
    try:
        if job.strict:
            found = pipeline.check(job.course_dir, job.targets)
            if found:  # --strict: warnings stop the build too; nothing is written
                return BuildOutcome(job, diagnostics=tuple(found))
        results = pipeline.build(job.course_dir, job.targets, job.out_dir, job.templates)
    except CourseInvalid as invalid:
        return BuildOutcome(job, diagnostics=tuple(invalid.diagnostics))
    except OSError as err:
        return BuildOutcome(job, io_error=f"{err.strerror or err} ({err.filename or job.out_dir})",
                            io_hint="check that the output folder is writable and the disk is "
                                    "not full")
    warnings = results[0].warnings if results else ()
    return BuildOutcome(job, results=tuple(results), diagnostics=tuple(warnings))


def default_jobs() -> int:
    """Worker processes for --jobs 0: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_builds(jobs: Sequence[BuildJob], workers: int,
               on_done: Callable[[BuildOutcome], None] | None = None) -> list[BuildOutcome]:
    """Build every job, `workers` at a time; outcomes come back in the order of `jobs`."""
    outcomes: dict[int, BuildOutcome] = {}
    for index, outcome in _outcomes(jobs, workers):
        outcomes[index] = outcome
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
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        futures: dict[Future[BuildOutcome], int] = {
            pool.submit(build_one, job): index for index, job in enumerate(jobs)}
        for future in as_completed(futures):
            yield futures[future], future.result()
