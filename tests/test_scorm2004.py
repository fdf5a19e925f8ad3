"""The SCORM 2004 4th Edition target: golden manifests, validity against the full XSD set loaded
together, sequencing, file listing, the shipped schemas, determinism."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from scormbuild import xsd
from scormbuild.pipeline import build, compile_course, render_package
from scormbuild.targets import TARGET_NAMES, TARGETS
from support import COURSES, EXAMPLES, CourseFactory, write

SCORM = TARGETS["scorm2004"]
NS = {"cp": "http://www.imsglobal.org/xsd/imscp_v1p1",
      "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
      "imsss": "http://www.imsglobal.org/xsd/imsss"}
EXAMPLE_COURSES = sorted(p for p in EXAMPLES.glob("*") if (p / "course.yml").is_file())
SCHEMAS = Path(xsd.__file__).parent / "schemas" / "scorm2004"
SHARED = Path("/work/shared/standards/scorm2004")


def _manifest(course: Path) -> bytes:
    return render_package(compile_course(course), SCORM)["imsmanifest.xml"]


def _set_rule(course: Path, old: str, new: str) -> None:
    text = (course / "course.yml").read_text()
    assert old in text
    write(course / "course.yml", text.replace(old, new))


def test_the_target_is_one_row_of_the_table() -> None:
    assert "scorm2004" in TARGET_NAMES
    assert (SCORM.manifest_name, SCORM.schema, SCORM.adapter) == (
        "imsmanifest.xml", "scorm2004", "scorm2004")


@pytest.mark.parametrize("name", ["features", "minimal"])
def test_manifest_matches_golden_file(name: str, file_regression) -> None:  # type: ignore[no-untyped-def]
    file_regression.check(_manifest(COURSES / name).decode(), basename=f"{name}-imsmanifest",
                          extension=".xml")


@pytest.mark.parametrize("course", [COURSES / "features", COURSES / "minimal", *EXAMPLE_COURSES],
                         ids=lambda p: p.name)
def test_manifest_is_valid_and_lists_exactly_the_package(course: Path) -> None:
    files = render_package(compile_course(course), SCORM)
    manifest = files["imsmanifest.xml"]
    assert xsd.validate_xml("scorm2004", manifest, "imsmanifest.xml") == []
    tree = etree.fromstring(manifest)
    assert tree.findtext("cp:metadata/cp:schemaversion", namespaces=NS) == "2004 4th Edition"
    listed = {f.get("href") for f in tree.iterfind(".//cp:file", NS)}
    schemas = set(xsd.schema_files("scorm2004"))
    assert listed == set(files) - {"imsmanifest.xml"} - schemas
    (resource,) = tree.iterfind(".//cp:resource", NS)
    assert resource.get(f"{{{NS['adlcp']}}}scormType") == "sco"
    assert resource.get("href") == "index.html" and "static/tracking-scorm2004.js" in files
    # Moodle's parser matches literal names: unprefixed IMS CP, the prefixes everyone writes
    assert manifest.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<manifest xmlns=")
    for prefix in ("adlcp", "adlseq", "adlnav", "imsss"):
        assert f'xmlns:{prefix}="'.encode() in manifest
    organizations = tree.find("cp:organizations", NS)
    assert organizations.get("default") == organizations.find("cp:organization", NS).get("identifier")


def test_the_validator_really_checks_the_extensions() -> None:
    """The set is loaded together: a bad sequencing or ADL value in a built manifest fails."""
    manifest = _manifest(COURSES / "features")
    bad = manifest.replace(b'tracked="true"', b'tracked="yes"')
    assert [d.render() for d in xsd.validate_xml("scorm2004", bad)] == [
        "imsmanifest.xml:19: error: <imsss:deliveryControls> attribute 'tracked': 'yes' is not "
        "a valid xs:boolean"]
    bad = manifest.replace(b'adlcp:scormType="sco"', b'adlcp:scormType="SCO"')
    assert len(xsd.validate_xml("scorm2004", bad)) == 1


def test_sequencing_never_locks_the_learner_out() -> None:
    tree = etree.fromstring(_manifest(COURSES / "features"))
    (mode,) = tree.iterfind(".//imsss:controlMode", NS)
    assert (mode.get("choice"), mode.get("flow"), mode.get("forwardOnly")) == ("true", "true", "false")
    assert tree.find(".//imsss:sequencingRules", NS) is None
    assert tree.find(".//imsss:limitConditions", NS) is None
    (rollup,) = tree.iterfind(".//cp:item/imsss:sequencing/imsss:rollupRules", NS)
    assert rollup.get("rollupObjectiveSatisfied") == rollup.get("rollupProgressCompletion") == "true"


def test_pass_mark_becomes_min_normalized_measure(course_copy: CourseFactory) -> None:
    course = course_copy("features")
    tree = etree.fromstring(_manifest(course))
    (objective,) = tree.iterfind(".//imsss:primaryObjective", NS)
    assert objective.get("satisfiedByMeasure") == "true"
    assert objective.findtext("imsss:minNormalizedMeasure", namespaces=NS) == "0.8"
    assert tree.find(".//adlcp:completionThreshold", NS) is None  # passing decides
    _set_rule(course, "pass_mark: 80", "pass_mark: 75")
    tree = etree.fromstring(_manifest(course))
    assert tree.findtext(".//imsss:minNormalizedMeasure", namespaces=NS) == "0.75"
    _set_rule(course, "assessment_passed: true", "assessment_passed: false")
    tree = etree.fromstring(_manifest(course))
    assert tree.find(".//imsss:primaryObjective", NS) is None
    (threshold,) = tree.iterfind(".//adlcp:completionThreshold", NS)
    assert threshold.attrib == {"completedByMeasure": "true", "minProgressMeasure": "1.0"}


def test_no_threshold_when_the_rule_needs_no_lessons(course_copy: CourseFactory) -> None:
    course = course_copy("minimal")
    _set_rule(course, "all_lessons_viewed: true", "all_lessons_viewed: false")
    tree = etree.fromstring(_manifest(course))
    assert tree.find(".//adlcp:completionThreshold", NS) is None
    assert tree.find(".//imsss:objectives", NS) is None


def test_identifiers_are_stable_across_versions(course_copy: CourseFactory) -> None:
    course = course_copy("features")
    before = etree.fromstring(_manifest(course))
    _set_rule(course, "1.2.3", "2.0.0")
    after = etree.fromstring(_manifest(course))
    ids = ".//*[@identifier]"
    assert [e.get("identifier") for e in before.iterfind(ids)] == [
        e.get("identifier") for e in after.iterfind(ids)] == [
        "ORG-features", "ITEM-features", "RES-features"]
    assert before.get("identifier") == after.get("identifier") == "MANIFEST-features"
    assert after.get("version") == "2.0.0"


def test_packaged_xsds_are_the_shared_set_unchanged() -> None:
    shipped = sorted(str(p.relative_to(SCHEMAS)) for p in SCHEMAS.rglob("*") if p.is_file())
    assert "README.md" in shipped
    for name in xsd.SCHEMA_NAMES["scorm2004"]:
        assert name in shipped
        if SHARED.is_dir():
            assert (SCHEMAS / name).read_bytes() == (SHARED / name).read_bytes(), name
    digest = hashlib.sha256((SCHEMAS / "imscp_v1p1.xsd").read_bytes()).hexdigest()
    assert digest == "37d9a70b8b9b0303cdee1af5839fe8b32c2724c39d8124e714af650da4a08cdb"


def test_adl_set_ships_at_the_zip_root_unchanged() -> None:
    files = render_package(compile_course(COURSES / "minimal"), SCORM)
    root = {"imscp_v1p1.xsd", "adlcp_v1p3.xsd", "adlseq_v1p3.xsd", "adlnav_v1p3.xsd"} | {
        f"imsss_v1p0{part}.xsd" for part in ("", "auxresource", "control", "delivery", "limit",
                                             "objective", "random", "rollup", "seqrule", "util")}
    assert set(xsd.schema_files("scorm2004")) == root
    for name in root:
        assert files[name] == (SCHEMAS / name).read_bytes()
    manifest = etree.fromstring(files["imsmanifest.xml"])
    locations = manifest.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation").split()
    assert set(locations[1::2]) <= root


def test_building_twice_gives_identical_bytes(tmp_path: Path) -> None:
    (first,) = build(COURSES / "features", ["scorm2004"], tmp_path / "a")
    (second,) = build(COURSES / "features", ["scorm2004"], tmp_path / "b")
    assert first.path.name == "features-1.2.3-scorm2004.zip"
    assert first.path.read_bytes() == second.path.read_bytes()
    with zipfile.ZipFile(first.path) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert "imsmanifest.xml" in names and "imsss_v1p0util.xsd" in names
        assert zf.testzip() is None
