"""Shared fixtures: copies of fixture courses in a temporary folder, built packages."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
COURSES = FIXTURES / "courses"
REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "courses"

CourseFactory = Callable[[str], Path]


@pytest.fixture
def course_copy(tmp_path: Path) -> CourseFactory:
    """Copy tests/fixtures/courses/<name> into tmp_path and return the copy's path."""

    def make(name: str) -> Path:
        dest = tmp_path / name
        shutil.copytree(COURSES / name, dest)
        return dest

    return make


def write(path: Path, text: str) -> Path:
    """Write text to path, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
