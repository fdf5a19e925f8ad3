"""Locations, diagnostics and the exceptions that carry them.

This module imports nothing of ours: every other stage may use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

Severity = Literal["error", "warning"]

# Characters a message must not send to a terminal as they are: control characters (ESC starts
# terminal escape sequences, so a course could repaint the screen) and lone surrogates (stderr
# cannot encode them). Line breaks and tabs stay.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """Text with control characters and lone surrogates shown as escapes (\\x1b, \\ud800)."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a course (or package) file; path is relative to the course root."""

    path: PurePosixPath
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        text = str(self.path)
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in the input: where, what, and what to do about it."""

    where: Location
    message: str
    hint: str | None = None
    severity: Severity = "error"

    def render(self) -> str:
        """Format as `path:line:col: severity: message`, with the hint indented below."""
        text = printable(f"{self.where}: {self.severity}: {self.message}")
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
        return text

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def at(path: str | PurePosixPath, line: int | None = None, column: int | None = None) -> Location:
    """Build a Location from a path given as text or PurePosixPath."""
    return Location(PurePosixPath(path), line, column)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """True when any diagnostic is an error (warnings alone are not)."""
    return any(d.is_error for d in diagnostics)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Order by file, then line, then column; unknown lines first."""
    return sorted(
        diagnostics,
        key=lambda d: (str(d.where.path), d.where.line or 0, d.where.column or 0, d.message),
    )


class ScormbuildError(Exception):
    """Base of the errors scormbuild reports to users without a traceback."""


class CourseInvalid(ScormbuildError):
    """A course (or package) has errors; carries every diagnostic found."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sort_diagnostics(diagnostics)
        super().__init__(f"{sum(d.is_error for d in self.diagnostics)} error(s)")
