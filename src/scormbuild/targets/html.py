"""Plain web export: the course as a static site, no LMS, for subject-matter experts to review.

No manifest and no schema: the zip holds index.html, static/ and the assets. Progress is kept
in the browser's localStorage by templates/static/tracking-none.js.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Files, Target

if TYPE_CHECKING:
    from ..model import Course


def write(course: Course, site: Files) -> Files:
    """Nothing to add: the rendered site is the whole export."""
    return {}


TARGET = Target(
    name="html",
    description="Plain web export without an LMS, for review (progress kept in the browser)",
    manifest_name=None,
    schema=None,
    adapter="none",
    connect_src="'none'",
    write=write,
)
