"""Build-speed benchmark: synthetic courses of 10, 200 and 2,000 pages, one question per page.

Prints, for each size and target, the median wall time of several whole-process builds
(`python -m scormbuild build ...`, start-up included) and the peak resident memory.
Each size gets one untimed warm-up build first, and the builds run with bytecode caching on
(PYTHONDONTWRITEBYTECODE removed), as an installed scormbuild does.
With --floor, each size also runs bench/floor.py (read every file of the course, write them into
a deflated zip: the least work any packager must do) and `scormbuild check` in the same run, and
prints CPU and wall medians of each with their ratio to the floor, then the import time of each
command (`python -X importtime`, summed) so start-up regressions show by name.
Usage: .venv/bin/python bench/bench_build.py [--sizes 10 200 2000] [--runs 5] [--target scorm12]
       [--floor]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60"><title>Figure {n}</title>'
       '<rect width="120" height="60" fill="#1f5fa8"/><text x="10" y="35" fill="#fff">{n}</text>'
       "</svg>\n")
QUIZ_SIZE = 200
PARAGRAPH = ("Professional boundaries define the limits of a helping relationship. They protect "
             "clients and staff, and they make trust possible. ")


def make_course(root: Path, pages: int, images: int = 5) -> Path:
    """Write a course with `pages` lessons and one assessment question per lesson."""
    course = root / f"bench-{pages}"
    (course / "lessons").mkdir(parents=True)
    (course / "quizzes").mkdir()
    (course / "assets").mkdir()
    for n in range(images):
        (course / "assets" / f"figure-{n}.svg").write_text(SVG.format(n=n))
    outline = []
    for n in range(pages):
        name = f"lesson-{n:05d}"
        outline.append(f"  - lesson: {name}")
        figure = n % images
        image = f"\n![Figure {figure}](../assets/figure-{figure}.svg)\n" if n < images else ""
        (course / "lessons" / f"{name}.md").write_text(
            f"---\ntitle: Lesson {n}\nobjectives: [Explain point {n}]\n---\n"
            f"## Point {n}\n\n{PARAGRAPH * 4}\n{image}\n"
            f"!!! tip \"Key point\"\n    Remember {n}.\n\n"
            f"| a | b |\n|---|---|\n| {n} | {n + 1} |\n")
    questions = []
    for n in range(pages):
        questions.append(
            f"  - id: q{n}\n    type: single\n    prompt: Which statement about point {n} holds?\n"
            f"    choices:\n      - text: The right one\n        correct: true\n"
            f"        feedback: Yes, because of point {n}.\n"
            f"      - text: A wrong one\n        feedback: No, see lesson {n}.\n")
    # SCORM 1.2 keeps an attempt in progress within 4,096 characters, so questions go into
    # assessments of at most QUIZ_SIZE; check refuses a quiz too big to resume
    for start in range(0, pages, QUIZ_SIZE):
        name = f"assessment-{start // QUIZ_SIZE + 1:02d}"
        (course / "quizzes" / f"{name}.yml").write_text(
            f"title: Assessment {start // QUIZ_SIZE + 1}\nkind: assessment\nquestions:\n"
            + "".join(questions[start:start + QUIZ_SIZE]))
        outline.append(f"  - quiz: {name}")
    (course / "course.yml").write_text(
        f"id: bench-{pages}\ntitle: Benchmark course of {pages} pages\nversion: 1.0.0\n"
        "pass_mark: 80\noutline:\n" + "\n".join(outline) + "\n")
    return course


FLOOR = Path(__file__).with_name("floor.py")
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str]) -> tuple[float, float, int]:
    """One whole process: (wall seconds, CPU seconds, peak RSS in KiB); exits if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n"
                         f"{proc.stderr.read().decode() if proc.stderr else ''}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def build_cmd(course: Path, out: Path, target: str) -> list[str]:
    return [sys.executable, "-m", "scormbuild", "build", str(course), "--out", str(out),
            "--target", target]


def run_once(course: Path, out: Path, target: str) -> tuple[float, int]:
    """One whole-process build: (seconds, peak RSS in KiB)."""
    elapsed, _, peak = measure(build_cmd(course, out, target))
    return elapsed, peak


def floor_rows(course: Path, out: Path, target: str, runs: int) -> None:
    """Floor, check and build of one course, interleaved run by run, as medians and ratios."""
    cmds = {"floor": [sys.executable, str(FLOOR), str(course), str(out / "floor.zip")],
            "check": [sys.executable, "-m", "scormbuild", "check", str(course)],
            "build": build_cmd(course, out, target)}
    samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in cmds}
    for cmd in cmds.values():
        measure(cmd)  # warm-up: bytecode and template caches
    for _ in range(runs):
        for name, cmd in cmds.items():
            samples[name].append(measure(cmd))
    wall = {n: statistics.median(s[0] for s in v) for n, v in samples.items()}
    cpu = {n: statistics.median(s[1] for s in v) for n, v in samples.items()}
    for name in cmds:
        peak = max(s[2] for s in samples[name]) / 1024
        print(f"{'':>6} {name:<8} cpu {cpu[name]:>7.3f} s ({cpu[name] / cpu['floor']:>5.1f}x)  "
              f"wall {wall[name]:>7.3f} s ({wall[name] / wall['floor']:>5.1f}x)  "
              f"peak {peak:>6.1f} MiB", flush=True)


def import_times(course: Path, out: Path) -> None:
    """Import time of each command, summed from `python -X importtime` (self times)."""
    commands = {"--help": ["--help"], "targets": ["targets"], "check": ["check", str(course)],
                "build": ["build", str(course), "--out", str(out)],
                "validate": ["validate", *map(str, sorted(out.glob("*-scorm12.zip"))[:1])]}
    print("import time of each command (python -X importtime, ms):")
    for name, args in commands.items():
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "scormbuild", *args],
                              capture_output=True, text=True, env=ENV)
        total = sum(int(line.split("|")[0].split(":")[1]) for line in proc.stderr.splitlines()
                    if line.startswith("import time:") and "self [us]" not in line)
        print(f"  {name:<9} {total / 1000:>7.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 200, 2000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--target", default="scorm12")
    parser.add_argument("--floor", action="store_true",
                        help="also time the floor script and check, and print the ratios")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scormbuild-bench-"))
    try:
        print(f"{'pages':>6} {'target':<8} {'median s':>9} {'min s':>7} {'max s':>7} "
              f"{'peak MiB':>9} {'zip KiB':>8} {'ms/page':>8}")
        for size in args.sizes:
            course = make_course(work, size)
            out = work / "dist"
            times, peaks = [], []
            run_once(course, out, args.target)  # warm-up: bytecode and template caches
            for _ in range(args.runs):
                seconds, peak = run_once(course, out, args.target)
                times.append(seconds)
                peaks.append(peak)
            zip_size = sum(p.stat().st_size for p in out.glob(f"bench-{size}-*.zip"))
            median = statistics.median(times)
            print(f"{size:>6} {args.target:<8} {median:>9.3f} {min(times):>7.3f} "
                  f"{max(times):>7.3f} "
                  f"{max(peaks) / 1024:>9.1f} {zip_size / 1024:>8.0f} {median * 1000 / size:>8.2f}",
                  flush=True)
            if args.floor:
                floor_rows(course, out, args.target, args.runs)
        if args.floor:
            import_times(make_course(work, 10) if 10 not in args.sizes else work / "bench-10",
                         work / "dist")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
