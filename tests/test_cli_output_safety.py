"""No silent loss in dist/: courses sharing an id, a full disk between targets, a failed rename,
and `new` refusing a title that would make a course that cannot be built."""

from __future__ import annotations

import errno
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from scormbuild import archive, cli, scaffold
from support import write

SCORM, CMI5 = "c-1.0.0-scorm12.zip", "c-1.0.0-cmi5.zip"


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(cli.app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback would be a bug
    return result


def course_with_id(folder: Path, course_id: str) -> Path:
    scaffold.write_course(folder, "Course " + folder.name, course_id, "en-US")
    return folder


def contents(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


# --- two courses of one id ------------------------------------------------------------------

@pytest.fixture
def courses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    course_with_id(tmp_path / "courses" / "a", "same")
    course_with_id(tmp_path / "courses" / "b", "same")
    course_with_id(tmp_path / "courses" / "c", "other")
    return Path("courses")


# the id is on line 4 of a new course.yml (after the schema modeline and two comments)
CLASH_A = ("courses/a/course.yml:4:1: error: course id 'same' is also the id of "
           "courses/b/course.yml:4")
CLASH_B = ("courses/b/course.yml:4:1: error: course id 'same' is also the id of "
           "courses/a/course.yml:4")
CLASH_HINT = ("    hint: give each course its own id: courses of one id would write the same "
              "zips to the output folder and report the same activity to the LMS")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_build_writes_neither_course_of_a_shared_id(courses: Path, jobs: str) -> None:
    result = run("build", courses, "-o", "dist", "-j", jobs)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[lines.index(CLASH_A) + 1] == CLASH_HINT
    assert lines[lines.index(CLASH_B) + 1] == CLASH_HINT
    assert "courses/a: 1 error, 0 warnings; no package written" in lines
    assert "built 1 package from 1 course; 2 courses failed" in lines
    assert contents(Path("dist")) == ["other-1.0.0-scorm12.zip"]  # the rest still builds
    assert result.stdout == "dist/other-1.0.0-scorm12.zip\n"


def test_check_reports_a_shared_id_too(courses: Path) -> None:
    result = run("check", courses)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[:3] == [CLASH_A, CLASH_HINT, "courses/a: 1 error, 0 warnings"]
    assert lines[3:6] == [CLASH_B, CLASH_HINT, "courses/b: 1 error, 0 warnings"]
    assert lines[6:] == ["courses/c: 0 errors, 0 warnings"]


def test_a_course_named_twice_is_built_once(courses: Path) -> None:
    result = run("build", courses / "c", "courses/c/", "-o", "dist")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "dist/other-1.0.0-scorm12.zip\n"


def test_a_course_yml_that_cannot_be_read_is_left_to_its_own_build(courses: Path) -> None:
    write(courses / "b" / "course.yml", "id: [same\n")
    result = run("build", courses, "-o", "dist")
    assert "is also the id" not in result.stderr
    assert "courses/b/course.yml:" in result.stderr  # its YAML error, from the build itself
    assert contents(Path("dist")) == ["other-1.0.0-scorm12.zip", "same-1.0.0-scorm12.zip"]


# --- a course's targets are written all or nothing -------------------------------------------

@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Course c built for scorm12 and cmi5, then changed so that the next zips differ."""
    monkeypatch.chdir(tmp_path)
    course_with_id(tmp_path / "c", "c")
    assert run("build", "c", "-o", "dist", "-t", "scorm12", "-t", "cmi5").exit_code == 0
    before = {name: (tmp_path / "dist" / name).read_bytes() for name in (SCORM, CMI5)}
    lesson = tmp_path / "c" / "lessons" / "welcome.md"
    write(lesson, lesson.read_text() + "\nA change.\n")
    return before


def full_disk_at(zip_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """ZipFile.writestr fails with ENOSPC while writing the temporary of `zip_name`."""
    original = zipfile.ZipFile.writestr

    def writestr(self: zipfile.ZipFile, *args: Any, **kwargs: Any) -> None:
        if f".{zip_name}." in str(getattr(self.fp, "name", "")):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        original(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)


def test_a_full_disk_at_the_second_target_keeps_both_previous_zips(
        built: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    full_disk_at(CMI5, monkeypatch)
    result = run("build", "c", "-o", "dist", "-t", "scorm12", "-t", "cmi5")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        "c: error: No space left on device (dist)",
        "    hint: check that the output folder is writable and the disk is not full; no "
        "package in it was changed"]
    assert result.stdout == ""
    for name, data in built.items():
        assert Path("dist", name).read_bytes() == data, f"{name} was replaced"
    assert contents(Path("dist")) == sorted(built)  # no temporary left behind


def test_a_failed_rename_says_which_zips_were_replaced(
        built: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    renames: list[str] = []
    original = os.replace

    def replace(src: str, dest: str) -> None:
        renames.append(dest)
        if len(renames) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO), dest)
        original(src, dest)

    monkeypatch.setattr(archive.os, "replace", replace)
    result = run("build", "c", "-o", "dist", "-t", "scorm12", "-t", "cmi5")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        f"c: error: Input/output error (dist/{CMI5}); new: {SCORM}; not replaced: {CMI5}",
        "    hint: check that the output folder is writable, then build again so that the "
        "course's packages match"]
    assert Path("dist", SCORM).read_bytes() != built[SCORM]
    assert Path("dist", CMI5).read_bytes() == built[CMI5]
    assert contents(Path("dist")) == sorted(built)


def test_json_summary_of_a_full_disk(built: dict[str, bytes],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    full_disk_at(SCORM, monkeypatch)
    result = run("build", "c", "-o", "dist", "-t", "scorm12", "-t", "cmi5", "--json")
    assert result.exit_code == 1
    assert '"message": "No space left on device (dist)"' in result.stdout


def test_write_zips_is_all_or_nothing_when_interrupted(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "one.zip", tmp_path / "two.zip"
    archive.write_zips([(first, {"a": b"old"}), (second, {"a": b"old"})])
    before = first.read_bytes(), second.read_bytes()
    original = zipfile.ZipFile.writestr

    def writestr(self: zipfile.ZipFile, *args: Any, **kwargs: Any) -> None:
        if ".two.zip." in str(getattr(self.fp, "name", "")):
            raise KeyboardInterrupt
        original(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)
    with pytest.raises(KeyboardInterrupt):
        archive.write_zips([(first, {"a": b"new"}), (second, {"a": b"new"})])
    assert (first.read_bytes(), second.read_bytes()) == before
    assert contents(tmp_path) == ["one.zip", "two.zip"]


# --- new --title ----------------------------------------------------------------------------

@pytest.mark.parametrize(("title", "message"), [
    ("a\x01", "the invisible control character U+0001 at position 2 cannot be in a course"),
    ("\x00", "the invisible control character U+0000 at position 1 cannot be in a course"),
    ("Fire\x1b[31m safety", "the invisible control character U+001B at position 5 cannot be in a course"),
    ("a\x7f", "the invisible control character U+007F at position 2 cannot be in a course"),
    ("a\r", "a title is one line: remove the line break"),
    ("a\x85", "the invisible control character U+0085 at position 2 cannot be in a course"),
    ("ok\ufffe", "an invalid character U+FFFE at position 3 cannot be in a course"),
    ("ok\uffff", "an invalid character U+FFFF at position 3 cannot be in a course"),
    ("caf\udce9", "an invalid character U+DCE9 at position 4 cannot be in a course"),
    ("two\nlines", "a title is one line: remove the line break"),
])
def test_new_refuses_a_title_a_course_cannot_hold(tmp_path: Path, title: str,
                                                  message: str) -> None:
    result = run("new", tmp_path / "c", "--title", title)
    assert result.exit_code == 2
    assert f"Invalid value for '--title': {message}" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "c").exists()


def test_new_accepts_tabs_and_any_printable_text(tmp_path: Path) -> None:
    result = run("new", tmp_path / "c", "--title", "Hygiène\tbasics ✓ שלום")
    assert result.exit_code == 0, result.stderr
    assert run("check", tmp_path / "c").exit_code == 0


def test_a_default_title_drops_control_characters_of_the_folder_name(tmp_path: Path) -> None:
    folder = tmp_path / "fire\x01-safety"
    result = run("new", folder)
    assert result.exit_code == 0, result.stderr
    assert 'title: "Fire safety"' in (folder / "course.yml").read_text()
    assert run("check", folder).exit_code == 0


def test_write_course_refuses_control_characters_too(tmp_path: Path) -> None:
    with pytest.raises(scaffold.ScaffoldError, match=r"U\+0001"):
        scaffold.write_course(tmp_path / "c", "a\x01", "a", "en-US")

