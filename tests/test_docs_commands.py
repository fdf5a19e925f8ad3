"""The commands of docs/getting-started.md run as written, in a temporary folder.

Each ```sh block's `scormbuild` lines run in order (comments stripped); `preview` needs a browser
and is skipped. The zip named in a comment (`# writes dist/....zip`) must be what build wrote.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scormbuild import cli

REPO = Path(__file__).resolve().parents[1]
SKIPPED = ("preview",)  # opens a browser and serves until Ctrl+C


def shell_commands(doc: Path) -> list[tuple[list[str], str]]:
    """(argv, trailing comment) of each `scormbuild` line in the doc's ```sh blocks."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S):
        for line in block.splitlines():
            command, _, comment = line.partition(" #")
            argv = shlex.split(command)
            if argv and argv[0] == "scormbuild" and argv[1] not in SKIPPED:
                found.append((argv[1:], comment))
    return found


def test_getting_started_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    commands = shell_commands(REPO / "docs" / "getting-started.md")
    assert [argv[0] for argv, _ in commands] == ["--version", "new", "check", "build"]
    for argv, comment in commands:
        result = CliRunner().invoke(cli.app, argv)
        assert result.exit_code == 0, (argv, result.stderr)
        for named in re.findall(r"dist/\S+\.zip", comment):
            assert (tmp_path / named).is_file(), (argv, named, result.stdout)
            assert result.stdout.strip().endswith(named)
