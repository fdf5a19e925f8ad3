"""cmi5: cmi5.xml (CourseStructure.xsd) at the zip root, one AU for the whole course.

moveOn and masteryScore come from the course's completion rule and pass mark (cmi5 spec
section 13.1.4; /shared/reference/xapi.md section 2.1). Ids are absolute IRIs derived from
course.yml's `xapi.activity_base` and the course id, so they are stable across builds.

With `xapi: {cmi5_au_per_module: true}` there is one AU per module (a run of pages outside
modules is an AU too), each launching `index.html?au=<slug>`; the player then shows and
tracks only that AU's pages (the `part` of each page in the course data).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lxml import etree  # untyped: pyproject sets ignore_missing_imports for lxml

from .base import Files, Target, xml_bytes
from .tincan import LAUNCH, XAPI_CONNECT_SRC, plain

if TYPE_CHECKING:
    from ..model import Course, Page, Part

CMI5 = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"


def au_id(course: Course, part: Part | None = None) -> str:
    """The publisher id of the course's single AU, or of the AU of one part."""
    return f"{course.activity_id}/au" + (f"/{part.slug}" if part is not None else "")


def _graded(pages: tuple[Page, ...]) -> bool:
    return any(p.quiz is not None and p.quiz.counts for p in pages)


def move_on(course: Course, part: Part | None = None) -> str:
    """The AU's moveOn from the completion rule: what the LMS waits for.

    An AU of one part without a graded quiz is done when its pages are: Completed.
    """
    rule = course.completion
    graded = _graded(part.pages if part is not None else course.pages)
    if part is not None and not graded:
        return "Completed"
    assessed = rule.assessment_passed and graded
    if rule.all_lessons_viewed and assessed:
        return "CompletedAndPassed"
    if assessed:
        return "Passed"
    if rule.all_lessons_viewed:
        return "Completed"
    return "NotApplicable"


def mastery_score(course: Course, part: Part | None = None) -> str | None:
    """masteryScore (0..1, at most 4 decimals) only when passing is required."""
    graded = _graded(part.pages if part is not None else course.pages)
    if course.completion.assessment_passed and graded:
        return str((Decimal(course.pass_mark) / 100).normalize())
    return None


def _au(root: Any, course: Course, part: Part | None, description: str) -> None:
    lang = course.language
    au = _el(root, "au")
    au.set("id", au_id(course, part))
    au.set("moveOn", move_on(course, part))
    mastery = mastery_score(course, part)
    if mastery is not None:
        au.set("masteryScore", mastery)
    au.set("launchMethod", "AnyWindow")
    if part is None:
        _langstrings(au, "title", course.title, lang)
        _langstrings(au, "description", description, lang)
        _el(au, "url", LAUNCH)
        return
    title = part.title or " / ".join(p.title for p in part.pages)
    _langstrings(au, "title", title, lang)
    _langstrings(au, "description", f"{course.title}: {title}", lang)
    _el(au, "url", f"{LAUNCH}?au={part.slug}")


def _el(parent: Any, tag: str, text: str | None = None) -> Any:
    element = etree.SubElement(parent, f"{{{CMI5}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _langstrings(parent: Any, tag: str, text: str, lang: str) -> None:
    box = _el(parent, tag)
    _el(box, "langstring", text).set("lang", lang)


def build_manifest(course: Course) -> bytes:
    """cmi5.xml: the course and its AU launching index.html, or one AU per part."""
    lang = course.language
    description = plain(course.description) or course.title
    root = etree.Element(f"{{{CMI5}}}courseStructure", nsmap={None: CMI5})
    element = _el(root, "course")
    element.set("id", course.activity_id)
    _langstrings(element, "title", course.title, lang)
    _langstrings(element, "description", description, lang)
    for part in course.parts if course.launch_per_module else (None,):
        _au(root, course, part, description)
    return xml_bytes(root)


def write(course: Course, site: Files) -> Files:
    """Add cmi5.xml to the site."""
    return {"cmi5.xml": build_manifest(course)}


TARGET = Target(
    name="cmi5",
    description="cmi5 package with cmi5.xml (SCORM Cloud, TalentLMS, Docebo, ...)",
    manifest_name="cmi5.xml",
    schema="cmi5",
    adapter="cmi5",
    connect_src=XAPI_CONNECT_SRC,
    write=write,
    scripts=("xapi.js",),
)
