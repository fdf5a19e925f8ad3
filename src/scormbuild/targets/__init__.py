"""The table of output standards: --target choices come from TARGETS."""

from __future__ import annotations

from . import cmi5, html, scorm12, tincan
from .base import Target

TARGETS: dict[str, Target] = {
    t.name: t for t in (scorm12.TARGET, cmi5.TARGET, tincan.TARGET, html.TARGET)}
DEFAULT_TARGET = "scorm12"

__all__ = ["DEFAULT_TARGET", "TARGETS", "Target"]
