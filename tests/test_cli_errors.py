"""User-caused failures at the CLI boundary: a diagnostic and exit 1, never a traceback."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scormbuild import archive
from scormbuild.cli import app
from support import COURSES

ZIP = "minimal-1.0.0-scorm12.zip"


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(COURSES / "minimal", tmp_path / "c")
    assert invoke("build", "c", "-o", "dist").exit_code == 0
    return tmp_path


def failing(code: int) -> Any:
    """An os.fsync that fails like a full disk or a folder we may not write to."""
    def fsync(_fd: int) -> None:
        raise OSError(code, os.strerror(code))
    return fsync


@pytest.mark.parametrize(("code", "text"), [(errno.ENOSPC, "No space left on device"),
                                            (errno.EACCES, "Permission denied")])
def test_write_failure_keeps_the_previous_zip(course: Path, monkeypatch: pytest.MonkeyPatch,
                                              code: int, text: str) -> None:
    before = (course / "dist" / ZIP).read_bytes()
    monkeypatch.setattr(archive.os, "fsync", failing(code))
    result = invoke("build", "c", "-o", "dist")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"c: error: {text} (dist)\n"
                                    "    hint: check that the output folder is writable")
    assert (course / "dist" / ZIP).read_bytes() == before
    assert sorted(p.name for p in (course / "dist").iterdir()) == [ZIP]


def test_out_is_a_file(course: Path) -> None:
    (course / "afile").write_text("x")
    result = invoke("build", "c", "-o", "afile")
    assert (result.exit_code, result.stderr.splitlines()[0]) == (1, "c: error: File exists (afile)")


def test_unreadable_asset_during_check(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scormbuild import pipeline

    def deny(_root: Path, path: Any) -> bytes:
        raise PermissionError(errno.EACCES, "Permission denied", f"c/{path}")

    (course / "c" / "assets").mkdir()
    (course / "c" / "assets" / "a.txt").write_text("x")
    (course / "c" / "lessons" / "only.md").write_text("---\ntitle: T\n---\n[A](../assets/a.txt)\n")
    monkeypatch.setattr(pipeline, "read_asset", deny)
    result = invoke("check", "c")
    assert result.exit_code == 1
    assert result.stderr == ("c: error: Permission denied (c/assets/a.txt)\n"
                             "    hint: check that the course files exist and that you may read "
                             "them\n")


def test_course_path_is_a_file_for_build(course: Path) -> None:
    result = invoke("build", "c/course.yml", "-o", "dist")
    assert result.exit_code == 1
    assert "error: is a file, not a course folder" in result.stderr
