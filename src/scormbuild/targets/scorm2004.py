"""SCORM 2004 4th Edition: imsmanifest.xml (CAM 1.3), one SCO, simple sequencing, XSDs at the root.

Moodle reads 2004 manifests with its SCORM 1.2 parser (not namespace-aware, literal names) and
stores them as SCORM_1.3, so the IMS CP elements stay unprefixed and the ADL, sequencing and
navigation namespaces are bound to the prefixes everyone writes: adlcp, adlseq, adlnav, imsss
(docs/scorm2004.md). Identifiers derive from the course id, so rebuilds give the same manifest.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lxml import etree  # untyped: pyproject sets ignore_missing_imports for lxml

from ..xsd import (
    ADLCP2004_NS,
    ADLNAV_NS,
    ADLSEQ_NS,
    IMSCP2004_NS,
    IMSSS_NS,
    schema_files,
)
from .base import Files, Target, xml_bytes, xml_id

if TYPE_CHECKING:
    from ..model import Course

XSI = "http://www.w3.org/2001/XMLSchema-instance"
LAUNCH = "index.html"
SCHEMA_VERSION = "2004 4th Edition"
# CAM 4th Edition 3.4.1.15: LMSs that cannot load remote schemas look them up at the root
_SCHEMA_LOCATIONS = (
    (IMSCP2004_NS, "imscp_v1p1.xsd"),
    (ADLCP2004_NS, "adlcp_v1p3.xsd"),
    (ADLSEQ_NS, "adlseq_v1p3.xsd"),
    (ADLNAV_NS, "adlnav_v1p3.xsd"),
    (IMSSS_NS, "imsss_v1p0.xsd"),
)


def _el(parent: Any, namespace: str, tag: str, **attributes: str) -> Any:
    return etree.SubElement(parent, f"{{{namespace}}}{tag}", attributes)


def _cp(parent: Any, tag: str, **attributes: str) -> Any:
    return _el(parent, IMSCP2004_NS, tag, **attributes)


def passing_measure(course: Course) -> str | None:
    """imsss:minNormalizedMeasure (-1..1) from the pass mark, only when passing is required.

    With satisfiedByMeasure the LMS sets cmi.success_status from cmi.score.scaled (RTE 4.2.22,
    cmi.scaled_passing_score), like SCORM 1.2's mastery score: only where the rule wants it.
    """
    if course.completion.assessment_passed and course.graded_quizzes:
        return _decimal(Decimal(course.pass_mark) / 100)
    return None


def completion_threshold(course: Course) -> bool:
    """True when the item gets adlcp:completionThreshold (completedByMeasure, 1.0).

    Only for a course completed by viewing its lessons: the adapter then reports the share of
    lessons viewed as cmi.progress_measure, and the LMS completes the SCO at 1.0, exactly when the
    player does. With an assessment in the rule the content decides (completionSetByContent).
    """
    rule = course.completion
    return rule.all_lessons_viewed and not (rule.assessment_passed and course.graded_quizzes)


def _decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"


def build_manifest(course: Course, files: list[str]) -> bytes:
    """The imsmanifest.xml listing `files` as the SCO's files."""
    nsmap = {
        None: IMSCP2004_NS,
        "adlcp": ADLCP2004_NS,
        "adlseq": ADLSEQ_NS,
        "adlnav": ADLNAV_NS,
        "imsss": IMSSS_NS,
        "xsi": XSI,
    }
    manifest = etree.Element(f"{{{IMSCP2004_NS}}}manifest", nsmap=nsmap)
    manifest.set("identifier", xml_id("MANIFEST", course.id))
    manifest.set("version", course.version)
    manifest.set(f"{{{XSI}}}schemaLocation",
                 " ".join(f"{ns} {name}" for ns, name in _SCHEMA_LOCATIONS))
    metadata = _cp(manifest, "metadata")
    _cp(metadata, "schema").text = "ADL SCORM"
    _cp(metadata, "schemaversion").text = SCHEMA_VERSION
    org_id = xml_id("ORG", course.id)
    organizations = _cp(manifest, "organizations", default=org_id)
    organization = _cp(organizations, "organization", identifier=org_id)
    organization.set(f"{{{ADLSEQ_NS}}}objectivesGlobalToSystem", "false")
    _cp(organization, "title").text = course.title
    item = _cp(organization, "item", identifier=xml_id("ITEM", course.id),
               identifierref=xml_id("RES", course.id), isvisible="true")
    _cp(item, "title").text = course.title
    _item_sequencing(item, course)
    # the organization: free choice and flow, nothing a learner can be locked out by (SN 4.2);
    # its status is rolled up from the one SCO (the item's rollupRules, SN 4.6)
    sequencing = _el(organization, IMSSS_NS, "sequencing")
    _el(sequencing, IMSSS_NS, "controlMode", choice="true", choiceExit="true", flow="true",
        forwardOnly="false")
    resources = _cp(manifest, "resources")
    resource = _cp(resources, "resource", identifier=xml_id("RES", course.id),
                   type="webcontent", href=LAUNCH)
    resource.set(f"{{{ADLCP2004_NS}}}scormType", "sco")
    for name in sorted(files):
        _cp(resource, "file", href=name)
    return xml_bytes(manifest)


def _item_sequencing(item: Any, course: Course) -> None:
    """completionThreshold, then imsss:sequencing, in the CAM's order of item extensions."""
    if completion_threshold(course):
        _el(item, ADLCP2004_NS, "completionThreshold", completedByMeasure="true",
            minProgressMeasure="1.0")
    sequencing = _el(item, IMSSS_NS, "sequencing")
    _el(sequencing, IMSSS_NS, "rollupRules", rollupObjectiveSatisfied="true",
        rollupProgressCompletion="true", objectiveMeasureWeight="1.0")
    measure = passing_measure(course)
    if measure is not None:
        objectives = _el(sequencing, IMSSS_NS, "objectives")
        primary = _el(objectives, IMSSS_NS, "primaryObjective",
                      objectiveID=xml_id("OBJ", course.id), satisfiedByMeasure="true")
        _el(primary, IMSSS_NS, "minNormalizedMeasure").text = measure
    _el(sequencing, IMSSS_NS, "deliveryControls", tracked="true",
        completionSetByContent="true", objectiveSetByContent="true")


def write(course: Course, site: Files) -> Files:
    """Add imsmanifest.xml and the SCORM 2004 4th Edition XSDs to the site."""
    schemas = schema_files("scorm2004")
    listed = [name for name in site if name not in schemas]
    return {"imsmanifest.xml": build_manifest(course, listed), **schemas}


TARGET = Target(
    name="scorm2004",
    description="SCORM 2004 4th Edition package (SCORM Cloud, SuccessFactors, Docebo, Moodle, ...)",
    manifest_name="imsmanifest.xml",
    schema="scorm2004",
    adapter="scorm2004",
    connect_src="'none'",
    write=write,
)
