"""Helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from scormbuild.errors import Diagnostic
from scormbuild.itemlint import RULES

FIXTURES = Path(__file__).parent / "fixtures"
COURSES = FIXTURES / "courses"
REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "courses"

CourseFactory = Callable[[str], Path]


def write(path: Path, text: str) -> Path:
    """Write text to path, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def without_item_rules(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics other than the item-writing linter's, for tests of other checks (the
    linter's own are pinned in test_itemlint.py)."""
    suffixes = tuple(f" [{rule}]" for rule in RULES)
    return [d for d in diagnostics if not d.message.endswith(suffixes)]
