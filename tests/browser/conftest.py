"""Fixtures for browser and xAPI tests: headless Debian Chromium via Playwright, a loopback
static server that logs every request, a Moodle-like SCORM 1.2 player on scorm-again, a real LRS
(Ralph) and xAPI statement validators. The code lives in ./harness; see docs/testing.md.

Fixtures: chromium, page, browser_log, static_server, scorm_lms, lrs, xapi_validate,
xapi_validate_many.
"""

from __future__ import annotations

import shutil
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# tests/browser is on sys.path in pytest's default (prepend) import mode, as tests/ is for support.py
from harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEFAULT_TIMEOUT_MS,
    INSTALL_HINT,
    REPO_ROOT,
    BrowserLog,
    ConsoleEntry,
    RalphLrs,
    ScormLms,
    StaticServer,
    is_loopback,
    serve_directory,
)
from harness import xapi_validate as _xapi_validate
from harness import xapi_validate_many as _xapi_validate_many
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright


@pytest.fixture
def static_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    """A loopback server of a fresh temp dir; ``.requests``/``.paths`` log every request."""
    with serve_directory(tmp_path_factory.mktemp("www")) as server:
        yield server


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: {INSTALL_HINT}")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def page(chromium: Browser, browser_log: BrowserLog) -> Iterator[Page]:
    """A fresh context and page. Requests off 127.0.0.1 fail (CHROMIUM_ARGS sends them to a
    proxy that is not there), are recorded in ``browser_log.offsite`` and fail the test at
    teardown."""
    context = chromium.new_context(service_workers="block")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)

    def on_request(request: Request) -> None:
        browser_log.requests.append(request.url)
        if not is_loopback(request.url):
            browser_log.offsite.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        location = message.location or {}
        if urllib.parse.urlsplit(str(location.get("url", ""))).path == "/favicon.ico":
            return  # Chromium's own favicon request, not the page's (a route used to hide it)
        browser_log.console.append(
            ConsoleEntry(message.type, message.text, str(location.get("url", "")))
        )

    context.on("request", on_request)
    page = context.new_page()
    page.on("console", on_console)
    page.on("pageerror", lambda error: browser_log.page_errors.append(error.stack or str(error)))
    try:
        yield page
    finally:
        context.close()
    if browser_log.offsite:
        pytest.fail(f"requests left 127.0.0.1: {browser_log.offsite}")


@pytest.fixture
def scorm_lms(static_server: StaticServer, browser_log: BrowserLog) -> ScormLms:
    """SCORM 1.2 player: ``scorm_lms.serve(pkg_dir)``, then ``launch(page)``/``relaunch(page)``."""
    try:
        return ScormLms(static_server, browser_log)
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def _lrs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RalphLrs]:
    lrs = RalphLrs(tmp_path_factory.mktemp("lrs"))
    try:
        lrs.start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield lrs
    finally:
        lrs.stop()


@pytest.fixture
def lrs(_lrs_server: RalphLrs) -> Iterator[RalphLrs]:
    """The session's Ralph LRS, (re)started if a previous test left it stopped. Statements of
    earlier tests are there too: use a fresh registration per test and query by it."""
    _lrs_server.start()
    yield _lrs_server
    _lrs_server.start()


@pytest.fixture(scope="session")
def xapi_validate() -> Callable[[dict[str, Any]], list[str]]:
    """``xapi_validate(statement) -> list of messages`` (both validators; [] = valid)."""
    _require_validators()
    return _xapi_validate


@pytest.fixture(scope="session")
def xapi_validate_many() -> Callable[[list[dict[str, Any]]], list[list[str]]]:
    """Batch form: one list of messages per statement, two subprocesses in all."""
    _require_validators()
    return _xapi_validate_many


def _require_validators() -> None:
    missing = [
        str(p)
        for p in (
            REPO_ROOT / "tests" / "js" / "node_modules" / "@learninglocker" / "xapi-validation",
            REPO_ROOT / ".venv-ralph" / "bin" / "python",
        )
        if not p.exists()
    ]
    if missing or shutil.which("node") is None:
        pytest.fail(f"missing {missing or 'node'}: {INSTALL_HINT}")
