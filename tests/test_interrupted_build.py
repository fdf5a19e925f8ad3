"""Kill a build midway (SIGKILL, several delays) and find dist/ intact.

The previous zip must stay byte-identical, no partial file may be visible (only hidden
`.*.part` temporaries), and a later build must sweep those temporaries once they are stale.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from scormbuild.archive import STALE_AFTER_S
from support import write

ZIP = "big-1.0.0-scorm12.zip"
MARK = b"A change, so the next zip differs."
FRACTIONS = (0.2, 0.45, 0.65, 0.85)  # of a full build's duration


def make_big_course(root: Path) -> None:
    lessons = 150
    outline = "".join(f"  - lesson: l{i:03d}\n" for i in range(lessons))
    write(root / "course.yml", "id: big\ntitle: Big course\ncompletion:\n  assessment_passed: "
          f"false\noutline:\n{outline}")
    rng = __import__("random").Random(7)
    (root / "assets").mkdir(parents=True)
    for i in range(lessons):
        media = ""
        if i < 4:  # incompressible downloads make the zip step take a while
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
