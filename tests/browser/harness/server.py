"""A loopback static HTTP server that logs every request, for browser tests."""

from __future__ import annotations

import posixpath
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _Handler(SimpleHTTPRequestHandler):
    server: _Server
    extensions_map = {  # noqa: RUF012 - the base class declares it a plain class attribute
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".css": "text/css",
        ".json": "application/json",
        ".svg": "image/svg+xml",
        ".xml": "application/xml",
        ".woff2": "font/woff2",
        ".woff": "font/woff",
        ".wasm": "application/wasm",
        ".vtt": "text/vtt",
        ".webp": "image/webp",
        ".mp4": "video/mp4",
        ".mp3": "audio/mpeg",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def parse_request(self) -> bool:
        ok = super().parse_request()
        if ok:
            self.server.record(self.command, self.path)
        return ok

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        if not self._virtual(send_body=True):
            super().do_GET()

    def do_HEAD(self) -> None:
        if not self._virtual(send_body=False):
            super().do_HEAD()

    def _virtual(self, *, send_body: bool) -> bool:
        path = urllib.parse.urlsplit(self.path).path
        entry = self.server.virtual.get(path)
        if entry is None:
            return False
        body, content_type = entry
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)
        return True

    def translate_path(self, path: str) -> str:
        url_path = posixpath.normpath(urllib.parse.unquote(urllib.parse.urlsplit(path).path))
        trailing = path.split("?", 1)[0].endswith("/")
        directory, rest = self.server.root, url_path.lstrip("/")
        for prefix, mounted in self.server.sorted_mounts():
            bare = prefix.rstrip("/")
            if url_path == bare or url_path.startswith(bare + "/"):
                directory, rest = mounted, url_path[len(bare) :].lstrip("/")
                break
        target = directory.joinpath(*[p for p in rest.split("/") if p not in ("", ".", "..")])
        return str(target) + ("/" if trailing else "")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.mounts: dict[str, Path] = {}
        self.virtual: dict[str, tuple[bytes, str]] = {}
        self.log: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.log.append((method, path))

    def sorted_mounts(self) -> list[tuple[str, Path]]:
        return sorted(self.mounts.items(), key=lambda item: -len(item[0]))

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the browser dropping a connection is not a test failure


@dataclass
class StaticServer:
    """A loopback HTTP server. ``base_url`` has no trailing slash; ``root`` is served at ``/``."""

    base_url: str
    root: Path
    _server: _Server = field(repr=False)

    def url(self, path: str = "/") -> str:
        return self.base_url + "/" + path.lstrip("/")

    def mount(self, prefix: str, directory: Path) -> None:
        """Serve ``directory`` under URL ``prefix`` (e.g. ``/pkg/``)."""
        self._server.mounts["/" + prefix.strip("/") + "/"] = Path(directory)

    def add_file(self, path: str, content: bytes | str, content_type: str = "text/html") -> None:
        """Serve in-memory content at ``path`` (replaces any earlier content there)."""
        body = content.encode() if isinstance(content, str) else content
        if content_type.startswith("text/") and "charset" not in content_type:
            content_type += "; charset=utf-8"
        self._server.virtual["/" + path.lstrip("/")] = (body, content_type)

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path-with-query) of every request so far, in order."""
        with self._server._lock:
            return list(self._server.log)

    @property
    def paths(self) -> list[str]:
        """URL paths (no query) of every request so far, in order."""
        return [urllib.parse.urlsplit(p).path for _, p in self.requests]

    def clear_log(self) -> None:
        with self._server._lock:
            self._server.log.clear()


@contextmanager
def serve_directory(root: Path) -> Iterator[StaticServer]:
    """Serve ``root`` at ``/`` on 127.0.0.1 (random port) until the block ends."""
    server = _Server(root)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield StaticServer(f"http://127.0.0.1:{server.server_address[1]}", root, server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
