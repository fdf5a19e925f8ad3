"""Browser and xAPI test harness for scormbuild (see docs/testing.md).

The SCO in ``sco/`` is a hand-written fixture package used by tests/browser/test_harness.py.
"""

from .browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEFAULT_TIMEOUT_MS,
    BrowserLog,
    ConsoleEntry,
    is_loopback,
)
from .lrs import (
    DEFAULT_ACTOR,
    INSTALL_HINT,
    REPO_ROOT,
    Cmi5Launch,
    HttpResult,
    RalphLrs,
    free_port,
    http,
    node_xapi_warnings,
    prepare_cmi5_launch,
    ralph_xapi_errors,
    xapi_validate,
    xapi_validate_many,
)
from .scorm import SCORM_AGAIN_DIST, SCORM_AGAIN_FILE, ScoInfo, ScormLms, flatten_cmi, read_manifest
from .server import StaticServer, serve_directory

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "DEFAULT_ACTOR",
    "DEFAULT_TIMEOUT_MS",
    "INSTALL_HINT",
    "REPO_ROOT",
    "SCORM_AGAIN_DIST",
    "SCORM_AGAIN_FILE",
    "BrowserLog",
    "Cmi5Launch",
    "ConsoleEntry",
    "HttpResult",
    "RalphLrs",
    "ScoInfo",
    "ScormLms",
    "StaticServer",
    "flatten_cmi",
    "free_port",
    "http",
    "is_loopback",
    "node_xapi_warnings",
    "prepare_cmi5_launch",
    "ralph_xapi_errors",
    "read_manifest",
    "serve_directory",
    "xapi_validate",
    "xapi_validate_many",
]
