"""Terminal output for the CLI: fancy (rich) on a terminal, plain lines in CI, pipes and NO_COLOR.

Everything here writes to stderr; stdout stays for results (zip paths, JSON).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TextIO

from .errors import Diagnostic


def fancy_output(stream: TextIO | None = None) -> bool:
    """True on an interactive terminal; False in CI, with NO_COLOR, TERM=dumb or a pipe."""
    stream = sys.stderr if stream is None else stream
    if os.environ.get("NO_COLOR") is not None or os.environ.get("CI"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def human_size(size: int) -> str:
    """1234567 -> '1.2 MB' (decimal units, like file managers)."""
    value = float(size)
    for unit in ("B", "kB", "MB"):
        if value < 1000 or unit == "MB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover - unreachable


def diagnostic_json(diag: Diagnostic, prefix: str | None = None) -> dict[str, Any]:
    """A Diagnostic as a JSON-ready dict; `prefix` is the course folder of a relative path."""
    path = str(diag.where.path)
    return {"path": f"{prefix}/{path}" if prefix and not path.startswith("/") else path,
            "line": diag.where.line, "column": diag.where.column,
            "severity": diag.severity, "message": diag.message, "hint": diag.hint}


class Progress(Protocol):
    def advance(self, text: str) -> None: ...


class _PlainProgress:
    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.done, self.stream = total, 0, stream

    def advance(self, text: str) -> None:
        self.done += 1
        print(f"[{self.done}/{self.total}] {text}", file=self.stream, flush=True)


class _RichProgress:
    def __init__(self, progress: Any, task: Any) -> None:
        self.progress, self.task = progress, task

    def advance(self, text: str) -> None:
        self.progress.console.print(text, highlight=False, markup=False)
        self.progress.advance(self.task)


class _QuietProgress:
    def advance(self, text: str) -> None:
        pass


@contextmanager
def progress(total: int, label: str, *, quiet: bool = False) -> Iterator[Progress]:
    """Count finished items: a rich bar on a terminal, `[n/total] text` lines otherwise."""
    if quiet:
        yield _QuietProgress()
        return
    if not fancy_output():
        yield _PlainProgress(total, sys.stderr)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn
    from rich.progress import Progress as RichProgress
    bar = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                       MofNCompleteColumn(), console=Console(stderr=True), transient=True)
    with bar:
        yield _RichProgress(bar, bar.add_task(label, total=total))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *,
                right: Sequence[int] = ()) -> None:
    """A table on stderr: rich box drawing on a terminal, aligned plain columns otherwise."""
    if not rows:
        return
    if fancy_output():
        from rich.console import Console
        from rich.table import Table
        table = Table(*headers, box=None, header_style="bold", pad_edge=False)
        for column in table.columns:
            column.overflow = "fold"  # paths are shown whole, never cut with an ellipsis
        for index in right:
            table.columns[index].justify = "right"
        for row in rows:
            table.add_row(*row)
        Console(stderr=True, highlight=False).print(table)
        return
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    for row in (headers, *rows):
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells).rstrip(), file=sys.stderr)
