"""Windows line endings: a course saved with CRLF (course.yml, lessons, quizzes, GIFT) builds
the same package, byte for byte, as the same course with LF."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from scormbuild import cli

GIFT = """// scormbuild: title: Bank
// scormbuild: kind: knowledge-check

::Exit:: Where do you go when the alarm sounds? {=The assembly point#Everyone is counted there. ~The car park#Cars arrive there.}
"""


def make_course(root: Path, newline: str) -> Path:
    course = root / "fire-safety"
    assert CliRunner().invoke(cli.app, ["new", str(course), "--title", "Fire safety"]).exit_code == 0
    (course / "quizzes" / "bank.gift").write_text(GIFT, encoding="utf-8")
    outline = (course / "course.yml").read_text(encoding="utf-8")
    (course / "course.yml").write_text(
        outline.replace("  - quiz: final-assessment", "  - quiz: bank\n  - quiz: final-assessment"),
        encoding="utf-8")
    for path in course.rglob("*"):
        if path.suffix in {".yml", ".md", ".gift"} and "schemas" not in path.parts:
            text = path.read_text(encoding="utf-8").replace("\n", newline)
            path.write_bytes(text.encode("utf-8"))
    return course


def build(course: Path, out: Path) -> bytes:
    result = CliRunner().invoke(cli.app, ["build", str(course), "--out", str(out), "--strict"])
    assert result.exit_code == 0, result.stderr
    return Path(result.stdout.strip()).read_bytes()


def test_crlf_sources_build_the_same_package_as_lf(tmp_path: Path) -> None:
    lf = make_course(tmp_path / "lf", "\n")
    crlf = make_course(tmp_path / "crlf", "\r\n")
    assert b"\r\n" in (crlf / "course.yml").read_bytes()
    assert b"- quiz: bank" in (lf / "course.yml").read_bytes()
    assert build(crlf, tmp_path / "out-crlf") == build(lf, tmp_path / "out-lf")
