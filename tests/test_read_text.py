"""sources._read_text reads only what stat() reported (plus a byte), yet still sees a file that
grew after stat(): it gives what reading up to the limit gives."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from scormbuild import sources
from scormbuild.errors import Diagnostic


class _Shrunk:
    """A stat() result that reports a smaller size, as if the file grew right after it."""

    def __init__(self, real: os.stat_result, size: int) -> None:
        self._real, self.st_size = real, size

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _read_reporting(monkeypatch: pytest.MonkeyPatch, path: Path, size: int) -> tuple[
        str | None, list[Diagnostic]]:
    real_stat = Path.stat

    def stat(self: Path, **kwargs: Any) -> Any:
        found = real_stat(self, **kwargs)
        return _Shrunk(found, size) if self == path else found

    monkeypatch.setattr(Path, "stat", stat)
    diags: list[Diagnostic] = []
    text = sources._read_text(path.parent, PurePosixPath(path.name), diags, "quiz")
    return text, diags


@pytest.mark.parametrize("reported", [0, 1, 10, 99])
def test_a_file_that_grew_after_stat_is_read_whole(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   reported: int) -> None:
    path = tmp_path / "quiz.yml"
    path.write_text("title: " + "x" * 93)  # 100 bytes
    assert _read_reporting(monkeypatch, path, reported) == ("title: " + "x" * 93, [])


def test_a_file_that_grew_past_the_limit_after_stat_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    limit = sources.TEXT_LIMITS["quiz"][0]
    path = tmp_path / "quiz.yml"
    path.write_bytes(b"a" * (limit + 5000))
    text, diags = _read_reporting(monkeypatch, path, 10)
    assert text is None
    assert [d.render() for d in diags] == [
        f"quiz.yml: error: file is 1.0 MiB ({limit + 1:,} bytes), over the 1 MiB limit for a "
        "quiz file\n    hint: split it into several quizzes"]
