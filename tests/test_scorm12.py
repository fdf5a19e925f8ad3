"""The SCORM 1.2 target: manifest golden files, XSD validity, file listing, determinism."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from scormbuild import xsd
from scormbuild.errors import CourseInvalid
from scormbuild.pipeline import build, compile_course, render_package
from scormbuild.targets import TARGETS
from support import COURSES, EXAMPLES, CourseFactory, without_item_rules, write

SCORM = TARGETS["scorm12"]
NS = {"cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
      "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2"}
EXAMPLE_COURSES = sorted(p for p in EXAMPLES.glob("*") if (p / "course.yml").is_file())


@pytest.mark.parametrize("name", ["features", "minimal"])
def test_manifest_matches_golden_file(name: str, file_regression) -> None:  # type: ignore[no-untyped-def]
    files = render_package(compile_course(COURSES / name), SCORM)
    file_regression.check(files["imsmanifest.xml"].decode(), basename=f"{name}-imsmanifest",
                          extension=".xml")


@pytest.mark.parametrize("course", [COURSES / "features", COURSES / "minimal", *EXAMPLE_COURSES],
                         ids=lambda p: p.name)
def test_manifest_is_valid_and_lists_exactly_the_package(course: Path) -> None:
    files = render_package(compile_course(course), SCORM)
    manifest = files["imsmanifest.xml"]
    assert xsd.validate_xml("scorm12", manifest, "imsmanifest.xml") == []
    tree = etree.fromstring(manifest)
    listed = {f.get("href") for f in tree.iterfind(".//cp:file", NS)}
    schemas = set(xsd.schema_files("scorm12"))
    assert listed == set(files) - {"imsmanifest.xml"} - schemas
    (resource,) = tree.iterfind(".//cp:resource", NS)
    assert resource.get(f"{{{NS['adlcp']}}}scormtype") == "sco"
    assert resource.get("href") == "index.html" and "index.html" in files
    # Moodle matches literal names: unprefixed IMS CP, ADL bound to "adlcp"
    assert manifest.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<manifest xmlns=")
    assert b'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"' in manifest


def test_xsds_ship_unchanged_at_the_zip_root() -> None:
    files = render_package(compile_course(COURSES / "minimal"), SCORM)
    digests = {name: hashlib.sha256(files[name]).hexdigest() for name in xsd.schema_files("scorm12")}
    assert digests["imscp_rootv1p1p2.xsd"] == (
        "d9ee699094e0db4518cf0143c81873d196b2683cf1c5ed770f108239ee079dda")
    assert digests["adlcp_rootv1p2.xsd"] == (
        "173decaf9cd31ea847e6ff6853c702137974aca6b56567151aa4a885e0aa4883")


def test_mastery_score_only_when_passing_is_required(course_copy: CourseFactory) -> None:
    course = course_copy("features")
    manifest = render_package(compile_course(course), SCORM)["imsmanifest.xml"]
    assert etree.fromstring(manifest).findtext(".//adlcp:masteryscore", namespaces=NS) == "80"
    text = (course / "course.yml").read_text().replace("assessment_passed: true",
                                                       "assessment_passed: false")
    write(course / "course.yml", text)
    manifest = render_package(compile_course(course), SCORM)["imsmanifest.xml"]
    assert etree.fromstring(manifest).find(".//adlcp:masteryscore", namespaces=NS) is None


def test_identifiers_are_stable_across_versions(course_copy: CourseFactory) -> None:
    course = course_copy("features")
    before = etree.fromstring(render_package(compile_course(course), SCORM)["imsmanifest.xml"])
    write(course / "course.yml", (course / "course.yml").read_text().replace("1.2.3", "2.0.0"))
    after = etree.fromstring(render_package(compile_course(course), SCORM)["imsmanifest.xml"])
    ids = ".//*[@identifier]"
    assert [e.get("identifier") for e in before.iterfind(ids)] == [
        e.get("identifier") for e in after.iterfind(ids)]
    assert after.get("version") == "2.0.0"


def test_building_twice_gives_identical_bytes(tmp_path: Path) -> None:
    (first,) = build(COURSES / "features", ["scorm12"], tmp_path / "a")
    (second,) = build(COURSES / "features", ["scorm12"], tmp_path / "b")
    assert first.path.name == "features-1.2.3-scorm12.zip"
    assert first.path.read_bytes() == second.path.read_bytes()
    with zipfile.ZipFile(first.path) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert "assets/box.svg" in names and "assets/handout.txt" in names
        assert zf.testzip() is None


def test_unused_assets_stay_out_with_a_warning(course_copy: CourseFactory, tmp_path: Path) -> None:
    course = course_copy("features")
    write(course / "assets" / "unused.png", "x")
    (result,) = build(course, ["scorm12"], tmp_path / "dist")
    assert [d.render() for d in without_item_rules(result.warnings)] == [
        "assets/unused.png: warning: asset is not used by any lesson or quiz\n"
        "    hint: it is left out of the package; delete it or link to it"]
    with zipfile.ZipFile(result.path) as zf:
        assert "assets/unused.png" not in zf.namelist()


def test_failed_build_leaves_the_previous_zip(course_copy: CourseFactory, tmp_path: Path) -> None:
    course = course_copy("features")
    out = tmp_path / "dist"
    (good,) = build(course, ["scorm12"], out)
    before = good.path.read_bytes()
    write(course / "lessons" / "intro.md", "no front matter")
    with pytest.raises(CourseInvalid):
        build(course, ["scorm12"], out)
    assert good.path.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [good.path.name]
