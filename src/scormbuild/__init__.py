"""scormbuild: build SCORM 1.2, TinCan and cmi5 packages from markdown lessons and YAML quizzes."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing takes long enough to be interrupted
if TYPE_CHECKING:
    from typing import Any

    from .errors import CourseInvalid, Diagnostic, Location
    from .pipeline import BuildResult, build, check, compile_course

__all__ = ["BuildResult", "CourseInvalid", "Diagnostic", "Location", "build", "check",
           "compile_course"]
__version__ = "0.1.0"

# Loaded on first use, so that `python -m scormbuild` starts its Ctrl+C handling (in
# __main__) before the heavy imports run.
_LAZY = {"CourseInvalid": "errors", "Diagnostic": "errors", "Location": "errors",
         "BuildResult": "pipeline", "build": "pipeline", "check": "pipeline",
         "compile_course": "pipeline"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'scormbuild' has no attribute {name!r}")
