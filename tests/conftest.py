"""Shared fixtures: copies of fixture courses in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support import COURSES, CourseFactory


@pytest.fixture
def course_copy(tmp_path: Path) -> CourseFactory:
    """Copy tests/fixtures/courses/<name> into tmp_path and return the copy's path."""

    def make(name: str) -> Path:
        dest = tmp_path / name
        shutil.copytree(COURSES / name, dest)
        return dest

    return make
