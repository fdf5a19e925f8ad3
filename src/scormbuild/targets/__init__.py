"""The table of output standards: --target choices come from TARGETS.

TARGET_NAMES is the table's order and its only list of names; TARGETS (name -> Target) imports
the target modules on first use, so the command line can offer the names without loading lxml
and the model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import Target

    TARGETS: dict[str, Target]

TARGET_NAMES: tuple[str, ...] = ("scorm12", "scorm2004", "cmi5", "tincan", "html")
DEFAULT_TARGET = "scorm12"

__all__ = ["DEFAULT_TARGET", "TARGETS", "TARGET_NAMES", "Target"]


def __getattr__(name: str) -> Any:
    if name == "TARGETS":
        table = {n: importlib.import_module(f".{n}", __name__).TARGET for n in TARGET_NAMES}
        globals()["TARGETS"] = table
        return table
    if name == "Target":
        from .base import Target

        return Target
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
