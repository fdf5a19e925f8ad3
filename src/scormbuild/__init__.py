"""scormbuild: build SCORM 1.2, TinCan and cmi5 packages from markdown lessons and YAML quizzes."""

from __future__ import annotations

from .errors import CourseInvalid, Diagnostic, Location
from .pipeline import BuildResult, build, check, compile_course

__all__ = ["BuildResult", "CourseInvalid", "Diagnostic", "Location", "build", "check",
           "compile_course"]
__version__ = "0.1.0"
