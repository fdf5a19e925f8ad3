"""Preview benchmark: how soon a one-lesson edit of a 200-page course reaches the browser.

Starts `scormbuild preview`'s server (PreviewServer, watching files as the command does) on the
bench course of bench_build.py, opens the event stream and the package as the LMS page does,
then edits one lesson per run and times, as medians over the runs:

- save -> file event: from writing the lesson to the watcher handing the change over;
- file event -> SSE: the rebuild (re-read and re-render what changed, render the opened
  package) until the `build` message arrives on the page's event stream;
- SSE -> page: fetching the package's index.html again, as the page does on `build`;
- save -> page: all of it, what a designer waits for after saving.

For comparison it also times a whole rebuild (what each change cost before) and an edit of
course.yml (which always rebuilds everything). Nothing is asserted: the figures are printed.
Usage: .venv/bin/python bench/bench_preview.py [--pages 200] [--runs 15] [--target scorm12]
"""

from __future__ import annotations

import argparse
import http.client
import queue
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_build import make_course

from scormbuild.preview import PreviewServer


def listen(port: int, events: queue.Queue[tuple[float, str]]) -> None:
    """Read the server-sent events stream; queue (arrival time, event name) of each message."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/__preview__/events")
    stream = conn.getresponse()
    while line := stream.fp.readline():
        if line.startswith(b"event: "):
            events.put((time.perf_counter(), line[7:].strip().decode()))


def fetch(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", path)
    body = conn.getresponse().read()
    conn.close()
    return body


def wait_for(events: queue.Queue[tuple[float, str]], name: str) -> float:
    while True:
        at, event = events.get(timeout=30)
        if event == name:
            return at


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:>7.1f} ms (min {min(values) * 1000:.1f}, " \
           f"max {max(values) * 1000:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--target", default="scorm12")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scormbuild-bench-preview-"))
    try:
        course = make_course(work, args.pages)
        server = PreviewServer(course, args.target)
        handed_over: list[float] = []
        rebuild = server.rebuild

        def timed_rebuild(changed: list[Path] | None = None) -> None:
            handed_over.append(time.perf_counter())
            rebuild(changed)

        server.rebuild = timed_rebuild  # type: ignore[method-assign]
        with server:
            events: queue.Queue[tuple[float, str]] = queue.Queue()
            threading.Thread(target=listen, args=(server.port, events), daemon=True).start()
            wait_for(events, "hello")
            index = f"/pkg/{args.target}/index.html"
            fetch(server.port, index)  # the page has the package open
            lesson = course / "lessons" / f"lesson-{args.pages // 2:05d}.md"
            text = lesson.read_text()
            to_event, to_sse, to_page, total = [], [], [], []
            for run in range(args.runs + 1):
                time.sleep(0.3)  # let the watcher settle between saves
                marker = f"Edited {run}"
                saved = time.perf_counter()
                lesson.write_text(text.replace("## Point", f"## {marker}", 1))
                sse = wait_for(events, "build")
                body = fetch(server.port, index)
                shown = time.perf_counter()
                assert marker.encode() in body, "the edit is not in the package"
                if run == 0:
                    continue  # warm-up
                to_event.append(handed_over[-1] - saved)
                to_sse.append(sse - handed_over[-1])
                to_page.append(shown - sse)
                total.append(shown - saved)
            full = []
            for _ in range(5):
                started = time.perf_counter()
                server.builds.rebuild()
                full.append(time.perf_counter() - started)
            config = course / "course.yml"
            settings = config.read_text()
            course_edit = []
            for run in range(5):
                time.sleep(0.3)
                saved = time.perf_counter()
                config.write_text(settings.replace("Benchmark course", f"Benchmark {run} course"))
                wait_for(events, "build")
                fetch(server.port, index)
                course_edit.append(time.perf_counter() - saved)
        print(f"preview of a {args.pages}-page course, one lesson edited, {args.runs} runs "
              f"(target {args.target}):")
        print(f"  save -> file event   {median_ms(to_event)}")
        print(f"  file event -> SSE    {median_ms(to_sse)}")
        print(f"  SSE -> page fetched  {median_ms(to_page)}")
        print(f"  save -> page         {median_ms(total)}")
        print(f"  whole rebuild        {median_ms(full)}  (compile + render, for comparison)")
        print(f"  course.yml edited    {median_ms(course_edit)}  (save -> page, whole rebuild)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
