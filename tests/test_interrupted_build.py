"""Kill a build midway (SIGKILL, several delays) and find dist/ intact; interrupt one (Ctrl+C).

The previous zip must stay byte-identical, no partial file may be visible (only hidden
`.*.part` temporaries), and a later build must sweep those temporaries once they are stale.
Ctrl+C (SIGINT) anywhere in build, check, validate, preview or new prints "interrupted" and
exits 130, without a traceback, with no temporary left and a course's zips replaced together.
"""

from __future__ import annotations

import importlib.abc
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scormbuild import archive, cli, scaffold
from scormbuild.archive import STALE_AFTER_S
from support import write

ZIP = "big-1.0.0-scorm12.zip"
MARK = b"A change, so the next zip differs."
FRACTIONS = (0.2, 0.45, 0.65, 0.85)  # of a full build's duration


def make_big_course(root: Path, downloads: int = 4) -> None:
    lessons = 150
    outline = "".join(f"  - lesson: l{i:03d}\n" for i in range(lessons))
    write(root / "course.yml", "id: big\ntitle: Big course\ncompletion:\n  assessment_passed: "
          f"false\noutline:\n{outline}")
    rng = __import__("random").Random(7)
    (root / "assets").mkdir(parents=True)
    for i in range(lessons):
        media = ""
        if i < downloads:  # incompressible downloads make the zip step take a while
            (root / "assets" / f"d{i}.bin").write_bytes(rng.randbytes(3 * 1024 * 1024))
            media = f"\n[Download {i}](../assets/d{i}.bin)\n"
        write(root / "lessons" / f"l{i:03d}.md", f"---\ntitle: Lesson {i}\n---\n"
              + f"## Part {i}\n\n" + "Some words about boundaries. " * 200 + media)


def command(course: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "scormbuild", "build", str(course), "-o", str(out)]


def run_build(course: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command(course, out), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def build_to_end(course: Path, out: Path) -> None:
    done = subprocess.run(command(course, out), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def visible(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if not p.name.startswith("."))


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_builds_leave_the_previous_zip(tmp_path: Path) -> None:
    course, out = tmp_path / "course", tmp_path / "dist"
    make_big_course(course)
    started = time.monotonic()
    build_to_end(course, out)
    duration = time.monotonic() - started
    before = (out / ZIP).read_bytes()
    lesson = course / "lessons" / "l000.md"
    write(lesson, lesson.read_text() + "\n" + MARK.decode() + "\n")

    killed_running = 0
    for delay in (f * duration for f in FRACTIONS):
        proc = run_build(course, out)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed_running += 1
        proc.wait(timeout=300)
        assert visible(out) == [ZIP]
        data = (out / ZIP).read_bytes()
        if data != before:
            # only allowed when the build got as far as its atomic rename (the kill may land
            # in the moment between the rename and the exit): then the new zip is complete
            assert proc.returncode == 0 or proc.returncode == -signal.SIGKILL
            with zipfile.ZipFile(out / ZIP) as zf:
                assert zf.testzip() is None, f"killed after {delay:.1f}s: a damaged zip"
                assert MARK in zf.read("index.html"), f"killed after {delay:.1f}s: zip changed"
            before = data
    assert killed_running >= 2, f"builds took {duration:.1f}s, too fast to interrupt"

    # and once exactly while the zip is being written: kill as soon as the temporary appears
    earlier = set(out.glob(".*.part"))
    proc = run_build(course, out)
    deadline = time.monotonic() + 300
    while (not set(out.glob(".*.part")) - earlier and proc.poll() is None
           and time.monotonic() < deadline):
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=300) == -signal.SIGKILL
    assert visible(out) == [ZIP]
    assert (out / ZIP).read_bytes() == before
    assert set(out.glob(".*.part")) - earlier, "the killed build's temporary stays, hidden"

    # the sweep spares fresh temporaries (a concurrent build may own them): age ours first
    old = time.time() - STALE_AFTER_S - 60
    for part in out.glob(".*.part"):
        os.utime(part, (old, old))
    build_to_end(course, out)
    assert sorted(p.name for p in out.iterdir()) == [ZIP]  # stale .part files were swept
    with zipfile.ZipFile(out / ZIP) as zf:
        assert zf.testzip() is None
        assert MARK in zf.read("index.html")


# --- Ctrl+C: "interrupted", exit 130, no traceback, nothing half-written --------------------

BUILD_MESSAGE = "interrupted; no partial package was written"
LOADING = "json"  # a module cli.py imports: once loaded, scormbuild's own code is running


def start(args: list[str], group: bool = False) -> subprocess.Popen[str]:
    """scormbuild in a child; -X importtime tells us when the interpreter itself has started
    (Ctrl+C before that, in Python's own start, is not ours to handle)."""
    return subprocess.Popen([sys.executable, "-X", "importtime", "-m", "scormbuild", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=group)


def interrupt(proc: subprocess.Popen[str], delay: float, group: bool = False) -> list[str]:
    """Ctrl+C `delay` seconds after scormbuild's code started; the child's own stderr lines."""
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("import time:") and line.rsplit("|", 1)[-1].strip() == LOADING:
            break
    time.sleep(delay)
    if proc.poll() is None:
        if group:  # as a terminal does: every process of the foreground group
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
    rest = proc.communicate(timeout=300)[1]
    return [line for line in rest.splitlines() if not line.startswith("import time:")]


def assert_interrupted_cleanly(proc: subprocess.Popen[str], lines: list[str],
                               message: str) -> None:
    assert not any("Traceback" in line or "KeyboardInterrupt" in line for line in lines), \
        "\n".join(lines)
    # a shell reports both as 130; Python ends with SIGINT itself when a Ctrl+C landed inside
    # code an extension module runs with PyRun_String while it loads, even though handled
    if proc.returncode in (130, -signal.SIGINT):
        # while the command line loads it cannot know the command yet
        assert lines and lines[-1] in (message, "interrupted"), lines
    else:
        assert proc.returncode in (0, 1), (proc.returncode, lines)  # it finished first


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_ctrl_c_at_any_moment_of_a_build_leaves_whole_zips(tmp_path: Path) -> None:
    course, out = tmp_path / "course", tmp_path / "dist"
    make_big_course(course)
    two = ["build", str(course), "-o", str(out), "-t", "scorm12", "-t", "cmi5"]
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "scormbuild", *two], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    duration = time.monotonic() - started
    names = sorted(visible(out))
    before = {name: (out / name).read_bytes() for name in names}
    lesson = course / "lessons" / "l000.md"
    write(lesson, lesson.read_text() + "\n" + MARK.decode() + "\n")

    interrupted_in_build = 0
    for delay in (0.0, 0.05, 0.15, *(f * duration for f in FRACTIONS)):
        proc = start(two)
        lines = interrupt(proc, delay)
        assert_interrupted_cleanly(proc, lines, BUILD_MESSAGE)
        interrupted_in_build += lines[-1:] == [BUILD_MESSAGE]
        assert sorted(p.name for p in out.iterdir()) == names, "a temporary was left in dist/"
        now = {name: (out / name).read_bytes() for name in names}
        changed = [name for name in names if now[name] != before[name]]
        assert changed in ([], names), f"Ctrl+C after {delay:.2f}s replaced only {changed}"
        if changed:
            for name in names:
                with zipfile.ZipFile(out / name) as zf:
                    assert zf.testzip() is None
                    assert MARK in zf.read("index.html")
            before = now
    assert interrupted_in_build >= 1, "builds too fast to interrupt while they run"

    # and once exactly while the first zip is being written: as soon as its temporary appears
    proc = start(two)
    while not list(out.glob(".*.part")) and proc.poll() is None:
        time.sleep(0.002)
    proc.send_signal(signal.SIGINT)
    lines = [line for line in proc.communicate(timeout=300)[1].splitlines()
             if not line.startswith("import time:")]
    assert proc.returncode in (130, -signal.SIGINT) and lines[-1] == BUILD_MESSAGE, lines
    assert sorted(p.name for p in out.iterdir()) == names
    assert {name: (out / name).read_bytes() for name in names} == before


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_ctrl_c_with_parallel_jobs_stops_every_worker_quietly(tmp_path: Path) -> None:
    courses, out = tmp_path / "courses", tmp_path / "dist"
    for name in ("one", "two", "three"):
        make_big_course(courses / name, downloads=1)
        text = (courses / name / "course.yml").read_text()
        write(courses / name / "course.yml", text.replace("id: big", f"id: {name}"))
    for delay in (0.3, 1.5, 3.0):
        proc = start(["build", str(courses), "-o", str(out), "-j", "3"], group=True)
        lines = interrupt(proc, delay, group=True)
        assert_interrupted_cleanly(proc, lines, BUILD_MESSAGE)
        assert not list(out.glob(".*")) if out.exists() else True, "temporaries left in dist/"
        for zip_path in out.glob("*.zip") if out.exists() else ():
            with zipfile.ZipFile(zip_path) as zf:
                assert zf.testzip() is None


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
@pytest.mark.parametrize("command", ["check", "validate"])
def test_ctrl_c_in_check_and_validate(tmp_path: Path, command: str) -> None:
    course = tmp_path / "course"
    make_big_course(course)
    target = course
    if command == "validate":
        build_to_end(course, tmp_path / "dist")
        target = tmp_path / "dist" / ZIP
    for delay in (0.0, 0.2, 0.6):
        proc = start([command, str(target)])
        assert_interrupted_cleanly(proc, interrupt(proc, delay), "interrupted")


def raising(*_args: object, **_kwargs: object) -> None:
    raise KeyboardInterrupt


def invoke(*args: str | Path) -> Any:
    result = CliRunner().invoke(cli.app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.mark.parametrize(("command", "stage", "message"), [
    ("build", "scormbuild.pipeline.render_package", BUILD_MESSAGE),
    ("build", "scormbuild.pipeline.compile_course", BUILD_MESSAGE),
    ("check", "scormbuild.pipeline.compile_course", "interrupted"),
    ("validate", "scormbuild.package_check.validate_package", "interrupted"),
    ("preview", "scormbuild.preview.PreviewServer.__init__", "interrupted"),
    ("new", "scormbuild.scaffold.write_course", "interrupted"),
])
def test_ctrl_c_in_a_stage_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     command: str, stage: str, message: str) -> None:
    course = tmp_path / "course"
    scaffold.write_course(course, "C", "c", "en-US")
    args: dict[str, list[str | Path]] = {
        "build": [course, "-o", tmp_path / "dist"], "check": [course],
        "validate": [write(tmp_path / "x.zip", "not a zip")],
        "preview": [course, "--no-open", "--port", "0"], "new": [tmp_path / "new"]}
    monkeypatch.setattr(stage, raising)
    result = invoke(command, *args[command])
    assert result.exit_code == 130
    assert result.stderr == message + "\n"
    assert result.stdout == ""
    assert not (tmp_path / "dist").exists()


def test_ctrl_c_while_the_second_zip_is_written(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    course, out = tmp_path / "course", tmp_path / "dist"
    scaffold.write_course(course, "C", "c", "en-US")
    assert invoke("build", course, "-o", out, "-t", "scorm12", "-t", "cmi5").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    write(course / "lessons" / "welcome.md", "---\ntitle: Changed\n---\nNew text.\n")
    original = zipfile.ZipFile.writestr

    def writestr(self: zipfile.ZipFile, *args: Any, **kwargs: Any) -> None:
        if "-cmi5.zip." in str(getattr(self.fp, "name", "")):
            raise KeyboardInterrupt
        original(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)
    result = invoke("build", course, "-o", out, "-t", "scorm12", "-t", "cmi5")
    assert (result.exit_code, result.stderr) == (130, BUILD_MESSAGE + "\n")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no .part, no new zip


@pytest.fixture
def keep_sigint() -> Any:
    """cli.main ignores SIGINT once done (for the interpreter's shutdown): restore it here."""
    handler = signal.getsignal(signal.SIGINT)
    yield
    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN  # main's last step
    signal.signal(signal.SIGINT, handler)


@pytest.mark.usefixtures("keep_sigint")
def test_main_reports_ctrl_c_outside_a_command(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "app", raising)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"


@pytest.mark.usefixtures("keep_sigint")
def test_main_reports_typers_silent_exit_130(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    def typer_app() -> None:  # what Typer does with a Ctrl+C while it parses the arguments
        raise SystemExit(130)

    monkeypatch.setattr(cli, "app", typer_app)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_ctrl_c_while_the_command_line_loads(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from scormbuild import __main__ as entry  # runs nothing on import: `python -m` runs main

    class Interrupting(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, *_args: object) -> None:
            if name == "scormbuild.cli":
                raise KeyboardInterrupt

    monkeypatch.delitem(sys.modules, "scormbuild.cli")
    monkeypatch.setattr(sys, "meta_path", [Interrupting(), *sys.meta_path])
    with pytest.raises(SystemExit) as exited:
        entry.main()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_an_interrupted_zip_entry_still_raises_keyboardinterrupt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C just after writestr opened an entry: ZipFile.close() would raise ValueError."""
    dest = tmp_path / "one.zip"
    archive.write_zips([(dest, {"a": b"old"})])
    original = zipfile.ZipFile._open_to_write  # type: ignore[attr-defined]

    def open_to_write(self: zipfile.ZipFile, *args: Any, **kwargs: Any) -> Any:
        original(self, *args, **kwargs)  # marks the zip as writing an entry
        raise KeyboardInterrupt

    monkeypatch.setattr(zipfile.ZipFile, "_open_to_write", open_to_write)
    with pytest.raises(KeyboardInterrupt):
        archive.write_zips([(dest, {"a": b"new"})])
    assert dest.read_bytes() != b"" and sorted(p.name for p in tmp_path.iterdir()) == ["one.zip"]
    with zipfile.ZipFile(dest) as zf:
        assert zf.read("a") == b"old"


def test_a_ctrl_c_python_would_ignore_is_delivered_again() -> None:
    """A KeyboardInterrupt inside a weakref callback or __del__ reaches sys.unraisablehook."""
    class Unraisable:
        exc_value = KeyboardInterrupt()

    returned = False
    with pytest.raises(KeyboardInterrupt):  # the hook returns first
        cli._redeliver_interrupts(Unraisable())
        returned = True
        for _ in range(1000):
            time.sleep(0.01)
    assert returned
