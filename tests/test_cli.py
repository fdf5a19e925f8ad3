"""The command line through typer's CliRunner: exit codes, stdout (results) and stderr apart."""

from __future__ import annotations

import io
import json
import shutil
import socket
import webbrowser
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from scormbuild import cli, console, preview, scaffold
from scormbuild.targets import TARGETS

REPO = Path(__file__).resolve().parents[1]
COURSES = REPO / "tests" / "fixtures" / "courses"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str | Path, **env: str) -> Result:
    result = CliRunner().invoke(cli.app, [str(a) for a in args], env=env or None)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback would be a bug
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.fixture
def course(tmp_path: Path) -> Path:
    folder = tmp_path / "courses" / "starter"
    scaffold.write_course(folder, "Starter", "starter", "en-US")
    return folder


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    folder = tmp_path / "courses" / "broken"
    scaffold.write_course(folder, "Broken", "broken", "en-US")
    yml = folder / "course.yml"
    yml.write_text(yml.read_text().replace("pass_mark: 80", "pass_mark: 180"))
    return folder


# --- build ---------------------------------------------------------------------------------


def test_build_prints_only_the_zip_path_on_stdout(course: Path, tmp_path: Path) -> None:
    result = run("build", course, "--out", tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    zip_path = tmp_path / "dist" / "starter-1.0.0-scorm12.zip"
    assert result.stdout == f"{zip_path}\n"
    assert zip_path.is_file()
    # the summary table goes to stderr: course, target, path, size, files
    header, row = result.stderr.splitlines()[:2]
    assert header.split() == ["course", "target", "path", "size", "files"]
    assert row.split()[:3] == ["starter", "scorm12", str(zip_path)]
    assert int(row.split()[-1]) == len(zipfile.ZipFile(zip_path).namelist())


def test_build_every_target_with_short_options(course: Path, tmp_path: Path) -> None:
    args = [a for name in TARGETS for a in ("-t", name)]
    result = run("build", course, "-o", tmp_path / "out", *args)
    assert result.exit_code == 0, result.stderr
    assert [Path(p).name for p in result.stdout.split()] == [
        f"starter-1.0.0-{name}.zip" for name in TARGETS]


def test_build_a_folder_of_courses_in_parallel_with_json(course: Path, tmp_path: Path) -> None:
    second = tmp_path / "courses" / "second"
    scaffold.write_course(second, "Second", "second", "fr")
    result = run("build", tmp_path / "courses", "--out", tmp_path / "dist", "--jobs", "2",
                 "--target", "scorm12", "--target", "cmi5", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["ok"] is True
    assert [c["source"] for c in summary["courses"]] == [str(second), str(course)]
    assert {(p["course"], p["target"]) for p in summary["packages"]} == {
        ("second", "scorm12"), ("second", "cmi5"), ("starter", "scorm12"), ("starter", "cmi5")}
    for package in summary["packages"]:
        assert set(package) == {"course", "target", "path", "size", "files"}
        assert Path(package["path"]).stat().st_size == package["size"]
    for entry in summary["courses"]:
        assert set(entry) == {"source", "ok", "errors", "warnings", "diagnostics", "packages"}
    # not a terminal: plain progress lines, then the table and a total
    assert "[1/2] " in result.stderr and "[2/2] " in result.stderr
    assert "built 4 packages from 2 courses" in result.stderr


def test_build_jobs_zero_means_one_per_cpu(course: Path, tmp_path: Path) -> None:
    result = run("build", course, "-o", tmp_path / "dist", "-j", "0")
    assert result.exit_code == 0, result.stderr


def test_build_of_a_broken_course_exits_1_and_reports_file_line(
        course: Path, broken: Path, tmp_path: Path) -> None:
    result = run("build", broken, course, "--out", tmp_path / "dist")
    assert result.exit_code == 1
    assert result.stdout == f"{tmp_path / 'dist' / 'starter-1.0.0-scorm12.zip'}\n"
    assert f"{broken}/course.yml:13:1: error: pass_mark:" in result.stderr
    assert f"{broken}: 1 error, 0 warnings; no package written" in result.stderr
    assert not list((tmp_path / "dist").glob("broken-*"))


def test_build_json_reports_failures(broken: Path, tmp_path: Path) -> None:
    result = run("build", broken, "--out", tmp_path / "dist", "--json")
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["ok"] is False and summary["packages"] == []
    (entry,) = summary["courses"]
    assert entry["errors"] == 1
    (diag,) = entry["diagnostics"]
    assert diag == {"path": f"{broken}/course.yml", "line": 13, "column": 1,
                    "severity": "error", "message": diag["message"], "hint": diag["hint"]}


def test_build_strict_turns_warnings_into_errors(course: Path, tmp_path: Path) -> None:
    write(course / "assets" / "unused.txt", "nobody links here")
    assert run("build", course, "-o", tmp_path / "a").exit_code == 0
    result = run("build", course, "-o", tmp_path / "b", "--strict")
    assert result.exit_code == 1
    assert "assets/unused.txt: warning: asset is not used" in result.stderr
    assert f"{course}: 0 errors, 1 warning; no package written (--strict)" in result.stderr
    assert not (tmp_path / "b").exists()


def test_build_with_a_templates_folder(course: Path, tmp_path: Path) -> None:
    templates = tmp_path / "theme"
    templates.mkdir()
    result = run("build", course, "-o", tmp_path / "dist", "--templates", templates)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("command", ["build", "check", "preview"])
@pytest.mark.parametrize("kind", ["missing", "file"])
def test_templates_must_be_an_existing_folder(command: str, kind: str, course: Path,
                                              tmp_path: Path) -> None:
    templates = tmp_path / "theme"
    if kind == "file":
        write(templates, "not a folder")
    args: list[str | Path] = [command, course, "--templates", templates]
    if command == "build":
        args += ["-o", tmp_path / "dist"]
    if command == "preview":
        args += ["--no-open", "--port", "0"]
    result = run(*args)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    problem = "does not exist" if kind == "missing" else "is a file"
    assert f"Invalid value for '--templates': dir '{templates}' {problem}." in result.stderr
    assert not (tmp_path / "dist").exists()


def test_check_with_a_templates_folder_uses_it(course: Path, tmp_path: Path) -> None:
    templates = write(tmp_path / "theme" / "lesson.html", "{{ nope(").parent
    assert run("check", course).exit_code == 0
    result = run("check", course, "--templates", templates)
    assert result.exit_code == 1
    assert f"{templates}/lesson.html:1: error: template error: unexpected 'end of template'" \
        in result.stderr.splitlines()


def test_build_into_an_unwritable_place_is_an_error_not_a_traceback(
        course: Path, tmp_path: Path) -> None:
    blocker = write(tmp_path / "file", "a file where the output folder should be")
    result = run("build", course, "--out", blocker)
    assert result.exit_code == 1
    assert "hint: check that the output folder is writable" in result.stderr


@pytest.mark.parametrize("args", [["build"], ["build", "x", "--target", "aicc"],
                                  ["build", "x", "--jobs", "-1"], ["check"], ["validate"],
                                  ["schema", "lesson"], ["new"], ["nonsense"],
                                  ["preview", ".", "--port", "70000"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Usage:" in result.stderr


# --- check, targets ------------------------------------------------------------------------


def test_check_ok_and_strict(course: Path) -> None:
    result = run("check", course)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == f"{course}: 0 errors, 0 warnings\n"
    write(course / "assets" / "unused.txt", "x")
    assert run("check", course).exit_code == 0
    assert run("check", course, "--strict").exit_code == 1


def test_check_a_broken_course(broken: Path) -> None:
    result = run("check", broken)
    assert result.exit_code == 1
    assert f"{broken}/course.yml:13:1: error:" in result.stderr


def test_targets_plain_json_and_names() -> None:
    plain = run("targets")
    assert plain.exit_code == 0
    assert [line.split()[0] for line in plain.stdout.splitlines()] == list(TARGETS)
    assert run("targets", "--names").stdout.split() == list(TARGETS)
    listed = json.loads(run("targets", "--json").stdout)
    assert [t["name"] for t in listed] == list(TARGETS)
    assert set(listed[0]) == {"name", "manifest", "description"}


def test_help_offers_shell_completion() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout
    for command in ("new", "check", "preview", "build", "validate", "targets", "schema"):
        assert command in result.stdout


# --- new, schema ---------------------------------------------------------------------------


def test_new_scaffolds_a_course_that_checks_clean(tmp_path: Path) -> None:
    dest = tmp_path / "safe-lifting"
    result = run("new", dest)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{dest}\n"
    assert "scormbuild preview" in result.stderr
    text = (dest / "course.yml").read_text()
    assert text.startswith("# yaml-language-server: $schema=schemas/course.schema.json\n")
    assert "id: safe-lifting" in text and 'title: "Safe lifting"' in text
    assert run("check", dest, "--strict").exit_code == 0


def test_new_with_title_id_and_language(tmp_path: Path) -> None:
    dest = tmp_path / "c"
    result = run("new", dest, "--title", 'Hygiène: "les bases"', "--id", "hygiene",
                 "--language", "fr-FR")
    assert result.exit_code == 0, result.stderr
    text = (dest / "course.yml").read_text()
    assert 'title: "Hygiène: \\"les bases\\""' in text
    assert "id: hygiene" in text and "language: fr-FR" in text
    assert run("build", dest, "-o", tmp_path / "dist").exit_code == 0


def test_new_id_defaults_to_the_title_slug(tmp_path: Path) -> None:
    assert run("new", tmp_path / "x", "--title", "Fire Safety 101!").exit_code == 0
    assert "id: fire-safety-101" in (tmp_path / "x" / "course.yml").read_text()


def test_new_refuses_a_folder_that_is_not_empty(course: Path) -> None:
    before = sorted(p.name for p in course.iterdir())
    result = run("new", course)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{course}: error: {course} is not empty; nothing was written" in result.stderr
    assert "hint:" in result.stderr
    assert sorted(p.name for p in course.iterdir()) == before


def test_new_refuses_a_file(tmp_path: Path) -> None:
    target = write(tmp_path / "notes.txt", "x")
    result = run("new", target)
    assert result.exit_code == 1
    assert "exists and is not a folder" in result.stderr


def test_new_into_an_existing_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert run("new", tmp_path / "empty", "--title", "T").exit_code == 0


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--id", "Bad Id", "'Bad Id' is not a valid course id"),
    ("--language", "english!", "'english!' is not a language tag"),
    ("--title", " ", "the title must have 1 to 200 characters"),
])
def test_new_rejects_bad_values(tmp_path: Path, option: str, value: str, message: str) -> None:
    result = run("new", tmp_path / "c", option, value)
    assert result.exit_code == 1
    assert message in result.stderr
    assert not (tmp_path / "c").exists()


def test_new_never_prompts_without_a_terminal(tmp_path: Path) -> None:
    # CliRunner's stdin is not a TTY: no prompt even with input waiting
    result = CliRunner().invoke(cli.app, ["new", str(tmp_path / "my-course")],
                                input="Should not be read\n")
    assert result.exit_code == 0
    assert "Course title" not in result.stdout + result.stderr
    assert 'title: "My course"' in (tmp_path / "my-course" / "course.yml").read_text()


@pytest.mark.parametrize("kind", ["course", "quiz"])
def test_schema_prints_the_generated_schema(kind: scaffold.SchemaKind) -> None:
    # tests/test_scaffold.py checks that schemas/*.schema.json are this output
    result = run("schema", kind)
    assert result.exit_code == 0
    assert result.stdout == scaffold.schema_text(kind)
    assert json.loads(result.stdout)["type"] == "object"


# --- validate ------------------------------------------------------------------------------


@pytest.fixture
def package(course: Path, tmp_path: Path) -> Path:
    result = run("build", course, "-o", tmp_path / "dist")
    return Path(result.stdout.strip())


def test_validate_a_good_package(package: Path) -> None:
    result = run("validate", package)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == f"{package}: scorm12, 0 errors, 0 warnings\n"


def test_validate_json(package: Path, tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.zip", "not a zip")
    result = run("validate", package, bad, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [p["ok"] for p in report["packages"]] == [True, False]
    assert set(report["packages"][0]) >= {"path", "kind", "ok", "errors", "warnings",
                                          "diagnostics"}


def test_validate_a_broken_manifest_names_the_member_and_line(package: Path,
                                                              tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "imsmanifest.xml":
                data = data.replace(b'href="index.html"', b'href="missing.html"', 1)
            dst.writestr(info, data)
    result = run("validate", broken)
    assert result.exit_code == 1
    assert f"{broken}/imsmanifest.xml:" in result.stderr
    assert "missing.html" in result.stderr


def test_validate_a_missing_file(tmp_path: Path) -> None:
    result = run("validate", tmp_path / "nope.zip", "-f", "text")
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope.zip'}: error: cannot read the zip" in result.stderr


def test_validate_strict_fails_on_warnings(package: Path, tmp_path: Path) -> None:
    noisy = tmp_path / "noisy.zip"
    shutil.copy(package, noisy)
    with zipfile.ZipFile(noisy, "a") as zf:
        zf.writestr("stray.txt", "a file the manifest does not list")
    assert run("validate", noisy).exit_code == 0
    assert run("validate", noisy, "--strict").exit_code == 1


# --- preview -------------------------------------------------------------------------------


@pytest.fixture
def no_blocking(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Preview returns at once instead of serving until Ctrl+C; records browser opens."""
    seen: list[Any] = []

    def serve(self: preview.PreviewServer) -> None:
        seen.append(self)

    monkeypatch.setattr(preview.PreviewServer, "serve_until_interrupted", serve)
    monkeypatch.setattr(webbrowser, "open", lambda url: seen.append(url))
    return seen


def test_preview_serves_and_opens_the_browser(course: Path, no_blocking: list[Any]) -> None:
    result = run("preview", course, "--port", "0", "--target", "cmi5")
    assert result.exit_code == 0, result.stderr
    url, server = no_blocking
    assert isinstance(server, preview.PreviewServer) and server.target == "cmi5"
    assert url == server.url and url.startswith("http://127.0.0.1:")
    assert f"previewing {course} at {url}" in result.stderr
    assert result.stdout == ""


def test_preview_no_open(course: Path, no_blocking: list[Any]) -> None:
    result = run("preview", course, "-p", "0", "--no-open", "-t", "scorm12")
    assert result.exit_code == 0
    assert len(no_blocking) == 1  # the server, no URL opened


def test_preview_of_a_missing_folder(tmp_path: Path, no_blocking: list[Any]) -> None:
    result = run("preview", tmp_path / "nope", "--no-open")
    assert result.exit_code == 1
    assert "no such folder" in result.stderr and "scormbuild new" in result.stderr
    assert no_blocking == []


def test_preview_on_a_busy_port(course: Path, no_blocking: list[Any]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("preview", course, "--port", str(port), "--no-open")
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}: error: cannot listen" in result.stderr
    assert "--port 0" in result.stderr


def test_fixture_courses_still_build(tmp_path: Path) -> None:
    result = run("build", COURSES / "minimal", COURSES / "features", "-o", tmp_path, "--json")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["packages"]) == 2


# --- terminal output -----------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("env", "fancy"), [
    ({}, True), ({"NO_COLOR": ""}, False), ({"NO_COLOR": "1"}, False), ({"CI": "true"}, False),
    ({"TERM": "dumb"}, False)])
def test_fancy_output_only_on_a_plain_terminal(monkeypatch: pytest.MonkeyPatch,
                                               env: dict[str, str], fancy: bool) -> None:
    for name in ("NO_COLOR", "CI", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert console.fancy_output(_Tty()) is fancy
    assert console.fancy_output(io.StringIO()) is False  # a pipe or a file


def test_build_on_a_terminal_draws_progress_and_a_table(
        monkeypatch: pytest.MonkeyPatch, course: Path, tmp_path: Path) -> None:
    monkeypatch.setattr(console, "fancy_output", lambda stream=None: True)
    second = tmp_path / "courses" / "second"
    scaffold.write_course(second, "Second", "second", "en-US")
    result = run("build", tmp_path / "courses", "-o", tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.split()) == 2  # stdout stays plain: the zip paths
    assert "second-1.0.0-scorm12.zip" in result.stderr and "files" in result.stderr


def test_human_size() -> None:
    assert [console.human_size(n) for n in (999, 1000, 31_800, 2_500_000)] == [
        "999 B", "1.0 kB", "31.8 kB", "2.5 MB"]
