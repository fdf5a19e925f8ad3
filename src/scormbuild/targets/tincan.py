"""TinCan (xAPI with Rustici's launch convention): tincan.xml at the zip root.

One course activity carries the launch file; every graded question is listed as a
cmi.interaction activity so an LRS knows its definition before any statement
(RusticiSoftware/launch lms_lrs.md; docs in /shared/reference/xapi.md section 1).
Activity ids here must match the ones templates/static/xapi.js puts in statements.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lxml import etree  # untyped: pyproject sets ignore_missing_imports for lxml

from .base import Files, Target, xml_bytes

if TYPE_CHECKING:
    from ..model import Course
    from ..quiz import Question

TINCAN = "http://projecttincan.com/tincan.xsd"
LAUNCH = "index.html"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
# xAPI 1.0.3 Data 2.4.4.1 interactionType per question type
INTERACTION_TYPES = {"single": "choice", "multiple": "choice", "true-false": "true-false",
                     "fill-in": "fill-in", "numeric": "numeric", "matching": "matching",
                     "ordering": "sequencing", "likert": "likert"}
# Any origin: the LRS endpoint is only known at launch (the `endpoint` launch parameter).
XAPI_CONNECT_SRC = "'self' https: http:"


def question_activity_id(course: Course, quiz: str, question: str) -> str:
    """The IRI of one question; xapi.js builds the same from the course data."""
    return f"{course.activity_id}/quizzes/{quiz}/questions/{question}"


def plain(text: str) -> str:
    """Markdown source as one line of text for names and descriptions."""
    return " ".join(text.split())


def number(value: float) -> str:
    """A number as JavaScript's String() writes it: 4, not 4.0."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def correct_patterns(q: Question) -> list[str] | None:
    """correctResponsesPattern in the xAPI 1.0.3 formats; None when any answer is correct."""
    if q.type in ("single", "multiple"):
        return ["[,]".join(q.correct_ids)]
    if q.type == "true-false":
        return ["true" if q.correct_ids == ("t",) else "false"]
    if q.type == "fill-in":
        if not q.answers:
            return None  # a regular expression has no xAPI pattern form
        prefix = "{case_matters=true}" if q.case_sensitive else ""
        return [prefix + answer for answer in q.answers]
    if q.type == "numeric":
        if q.answer is not None:
            if not q.tolerance:
                return [number(q.answer)]
            return [f"{number(q.answer - q.tolerance)}[:]{number(q.answer + q.tolerance)}"]
        low = "" if q.minimum is None else number(q.minimum)
        high = "" if q.maximum is None else number(q.maximum)
        return [f"{low}[:]{high}"]
    if q.type == "matching":
        return ["[,]".join(f"{source}[.]{target}" for source, target in q.pairs)]
    if q.type == "ordering":
        return ["[,]".join(item.id for item in q.items)]
    return None  # likert: an opinion


def components(q: Question) -> list[tuple[str, list[tuple[str, str]]]]:
    """(list name, [(id, description)]) for the component lists of a question type."""
    if q.type in ("single", "multiple"):
        return [("choices", [(c.id, c.text) for c in q.choices])]
    if q.type == "likert":
        return [("scale", [(c.id, c.text) for c in q.choices])]
    if q.type == "ordering":
        return [("choices", [(i.id, i.text) for i in q.items])]
    if q.type == "matching":
        return [("source", [(s.id, s.text) for s in q.sources]),
                ("target", [(t.id, t.text) for t in q.targets])]
    return []


def _el(parent: Any, tag: str, text: str | None = None,
        lang: str | None = None) -> Any:
    element = etree.SubElement(parent, f"{{{TINCAN}}}{tag}")
    if lang is not None:
        element.set("lang", lang)
    if text is not None:
        element.text = text
    return element


def build_manifest(course: Course) -> bytes:
    """tincan.xml: the course activity with the launch file, then the graded questions."""
    lang = course.language
    root = etree.Element(f"{{{TINCAN}}}tincan", nsmap={None: TINCAN})
    activities = _el(root, "activities")
    activity = _el(activities, "activity")
    activity.set("id", course.activity_id)
    activity.set("type", COURSE_TYPE)
    _el(activity, "name", course.title, lang)
    _el(activity, "description", plain(course.description) or course.title, lang)
    _el(activity, "launch", LAUNCH, lang)
    for page in course.pages:
        quiz = page.quiz
        if quiz is None or not quiz.graded:
            continue
        for q in quiz.questions:
            item = _el(activities, "activity")
            item.set("id", question_activity_id(course, page.name, q.id))
            item.set("type", INTERACTION_TYPE)
            _el(item, "name", f"{quiz.title}: {q.id}", lang)
            _el(item, "description", plain(q.prompt) or q.id, lang)
            _el(item, "interactionType", INTERACTION_TYPES[q.type])
            patterns = correct_patterns(q)
            if patterns is not None:
                box = _el(item, "correctResponsePatterns")
                for pattern in patterns:
                    _el(box, "correctResponsePattern", pattern)
            for list_name, entries in components(q):
                box = _el(item, list_name)
                for component_id, text in entries:
                    component = _el(box, "component")
                    _el(component, "id", component_id)
                    _el(component, "description", plain(text) or component_id, lang)
    return xml_bytes(root)


def write(course: Course, site: Files) -> Files:
    """Add tincan.xml to the site."""
    return {"tincan.xml": build_manifest(course)}


TARGET = Target(
    name="tincan",
    description="TinCan/xAPI package with tincan.xml (SCORM Cloud, Moodle tincanlaunch, ...)",
    manifest_name="tincan.xml",
    schema="tincan",
    adapter="tincan",
    connect_src=XAPI_CONNECT_SRC,
    write=write,
    scripts=("xapi.js",),
)
