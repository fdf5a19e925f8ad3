"""SCORM 1.2: imsmanifest.xml (IMS CP 1.1.2 + ADL CP), one SCO, the XSDs at the zip root.

Moodle parses the manifest without namespaces and matches literal names, so IMS CP elements
stay unprefixed and the ADL namespace is bound to the prefix `adlcp` (see docs/scorm12.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from ..markup import asset_url
from ..xsd import schema_files
from .base import Files, Target, xml_bytes, xml_id

if TYPE_CHECKING:
    from ..model import Course

IMSCP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
LAUNCH = "index.html"


def _cp(tag: str) -> str:
    return f"{{{IMSCP}}}{tag}"


def mastery_score(course: Course) -> int | None:
    """The manifest's masteryscore: only when completion needs a passed assessment.

    With a mastery score, the LMS turns every reported score into passed/failed (RTE
    conformance 2-19; Moodle's default "mastery score overrides status"), which would
    overwrite "completed" for courses that do not require passing.
    """
    if course.completion.assessment_passed and course.graded_quizzes:
        return course.pass_mark
    return None


def build_manifest(course: Course, files: list[str]) -> bytes:
    """The imsmanifest.xml listing `files` as the SCO's files."""
    nsmap = {None: IMSCP, "adlcp": ADLCP, "xsi": XSI}
    manifest = etree.Element(_cp("manifest"), nsmap=nsmap)
    manifest.set("identifier", xml_id("MANIFEST", course.id))
    manifest.set("version", course.version)
    manifest.set(f"{{{XSI}}}schemaLocation",
                 f"{IMSCP} imscp_rootv1p1p2.xsd {ADLCP} adlcp_rootv1p2.xsd")
    metadata = etree.SubElement(manifest, _cp("metadata"))
    etree.SubElement(metadata, _cp("schema")).text = "ADL SCORM"
    etree.SubElement(metadata, _cp("schemaversion")).text = "1.2"
    organizations = etree.SubElement(manifest, _cp("organizations"))
    org_id = xml_id("ORG", course.id)
    organizations.set("default", org_id)
    organization = etree.SubElement(organizations, _cp("organization"), identifier=org_id)
    etree.SubElement(organization, _cp("title")).text = course.title
    item = etree.SubElement(organization, _cp("item"), identifier=xml_id("ITEM", course.id),
                            identifierref=xml_id("RES", course.id), isvisible="true")
    etree.SubElement(item, _cp("title")).text = course.title
    mastery = mastery_score(course)
    if mastery is not None:
        etree.SubElement(item, f"{{{ADLCP}}}masteryscore").text = str(mastery)
    resources = etree.SubElement(manifest, _cp("resources"))
    resource = etree.SubElement(resources, _cp("resource"), identifier=xml_id("RES", course.id),
                                type="webcontent", href=LAUNCH)
    resource.set(f"{{{ADLCP}}}scormtype", "sco")
    for name in sorted(files):
        # <file href> is a URL (IMS CP 1.1.2 anyURI); the zip entry keeps the plain name
        etree.SubElement(resource, _cp("file"), href=asset_url(name))
    return xml_bytes(manifest)


def write(course: Course, site: Files) -> Files:
    """Add imsmanifest.xml and the SCORM 1.2 XSDs to the site."""
    schemas = schema_files("scorm12")
    listed = [name for name in site if name not in schemas]
    return {"imsmanifest.xml": build_manifest(course, listed), **schemas}


TARGET = Target(
    name="scorm12",
    description="SCORM 1.2 package (Moodle, Canvas, Cornerstone, SCORM Cloud, ...)",
    manifest_name="imsmanifest.xml",
    schema="scorm12",
    adapter="scorm12",
    connect_src="'none'",
    write=write,
)
