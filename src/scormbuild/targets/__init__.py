"""The table of output standards: --target choices come from TARGETS."""

from __future__ import annotations

from . import scorm12
from .base import Target

TARGETS: dict[str, Target] = {t.name: t for t in (scorm12.TARGET,)}
DEFAULT_TARGET = "scorm12"

__all__ = ["DEFAULT_TARGET", "TARGETS", "Target"]
