"""Helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
