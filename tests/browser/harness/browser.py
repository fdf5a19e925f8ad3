"""Browser-side constants and the log a ``page`` fixture keeps."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Off-loopback requests go to a proxy that is not there and fail at once, without routing
    # every request through Playwright (page.route holds each one until Python answers, which
    # slowed every LRS call and stalled requests between Playwright calls).
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.0/8;localhost;[::1]",
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
DEFAULT_TIMEOUT_MS = 10_000


@dataclass
class ConsoleEntry:
    type: str  # "error", "warning", "log", ...
    text: str
    url: str  # the script or document that logged it ("" if unknown)


@dataclass
class BrowserLog:
    """What a ``page`` fixture's browser context did."""

    requests: list[str] = field(default_factory=list)  # every request URL, in order
    offsite: list[str] = field(default_factory=list)  # requests not to loopback (aborted)
    console: list[ConsoleEntry] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)  # uncaught errors (stack), any frame

    def console_errors(self, url_contains: str = "") -> list[str]:
        """console.error texts, optionally only those logged by a script whose URL contains
        ``url_contains`` (code run by Playwright's evaluate() has no URL)."""
        return [e.text for e in self.console if e.type == "error" and url_contains in e.url]

    def errors(self) -> list[str]:
        """console.error texts followed by uncaught errors and unhandled rejections."""
        return self.console_errors() + self.page_errors


def is_loopback(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return True  # data:, blob:, about:, chrome-error: never leave the machine
    return (parts.hostname or "") in LOOPBACK_HOSTS or (parts.hostname or "").startswith("127.")
