"""scormbuild: build SCORM 1.2, TinCan and cmi5 packages from markdown lessons and YAML quizzes.

The public names are loaded on first use (PEP 562), so that `import scormbuild.cli` does not pay
for the whole pipeline before a command has even parsed its options.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import CourseInvalid, Diagnostic, Location
    from .pipeline import BuildResult, build, check, compile_course

__all__ = ["BuildResult", "CourseInvalid", "Diagnostic", "Location", "build", "check",
           "compile_course"]
__version__ = "0.1.0"

_HOMES = {"CourseInvalid": "errors", "Diagnostic": "errors", "Location": "errors",
          "BuildResult": "pipeline", "build": "pipeline", "check": "pipeline",
          "compile_course": "pipeline"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'scormbuild' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value
