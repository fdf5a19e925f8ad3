"""The TinCan and cmi5 targets: golden manifests, XSD validity, ids, moveOn/masteryScore rules."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from scormbuild import xsd
from scormbuild.model import Page
from scormbuild.pipeline import compile_course, render_package
from scormbuild.targets import TARGETS
from scormbuild.targets.cmi5 import move_on
from support import COURSES, EXAMPLES, CourseFactory

NS = {"t": "http://projecttincan.com/tincan.xsd",
      "c": "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"}
FIXTURES = ["features", "minimal", "xapi-mini", "xapi-modules"]
EXAMPLE_COURSES = sorted(p for p in EXAMPLES.glob("*") if (p / "course.yml").is_file())
ALL = [*(COURSES / name for name in FIXTURES), *EXAMPLE_COURSES]
ABSOLUTE_IRI = re.compile(r"^https?://[^\s/]+/\S*$")


@pytest.mark.parametrize("target", ["tincan", "cmi5"])
@pytest.mark.parametrize("name", FIXTURES)
def test_manifest_matches_golden_file(name: str, target: str, file_regression) -> None:  # type: ignore[no-untyped-def]
    spec = TARGETS[target]
    files = render_package(compile_course(COURSES / name), spec)
    file_regression.check(files[spec.manifest_name].decode(), basename=f"{name}-{target}",
                          extension=".xml")


@pytest.mark.parametrize("target", ["tincan", "cmi5"])
@pytest.mark.parametrize("course", ALL, ids=lambda p: p.name)
def test_package_is_valid_and_loads_the_xapi_runtime(course: Path, target: str) -> None:
    spec = TARGETS[target]
    files = render_package(compile_course(course), spec)
    assert xsd.validate_xml(target, files[spec.manifest_name]) == []  # type: ignore[arg-type]
    html = files["index.html"].decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts == ["static/state.js", "static/scoring.js", "static/xapi.js",
                       f"static/tracking-{target}.js", "static/player.js"]
    assert all(s in files for s in scripts)
    assert "connect-src &#39;self&#39; https: http:;" in html  # any LRS the LMS names
    assert not any(name.endswith(".xsd") for name in files)


@pytest.mark.parametrize("course", ALL, ids=lambda p: p.name)
def test_ids_are_absolute_iris_and_stable(course: Path) -> None:
    compiled = compile_course(course)
    first = render_package(compiled, TARGETS["tincan"])["tincan.xml"]
    again = render_package(compile_course(course), TARGETS["tincan"])["tincan.xml"]
    assert first == again
    root = etree.fromstring(first)
    ids = [a.get("id") for a in root.iterfind(".//t:activity", NS)]
    assert ids[0] == compiled.course.activity_id
    assert len(ids) == len(set(ids)) and all(ABSOLUTE_IRI.match(i or "") for i in ids)
    cmi5 = etree.fromstring(render_package(compiled, TARGETS["cmi5"])["cmi5.xml"])
    cmi5_ids = [e.get("id") for e in cmi5.iter() if e.get("id")]
    if compiled.course.launch_per_module:
        assert cmi5_ids == [compiled.course.activity_id,
                            *(f"{compiled.course.activity_id}/au/{p.slug}"
                              for p in compiled.course.parts)]
    else:
        assert cmi5_ids == [compiled.course.activity_id, compiled.course.activity_id + "/au"]
    assert len(cmi5_ids) == len(set(cmi5_ids)) and all(ABSOLUTE_IRI.match(i) for i in cmi5_ids)
    launches = root.findall(".//t:launch", NS)
    assert [x.text for x in launches] == ["index.html"]  # one activity carries the launch


def test_activity_base_comes_from_course_yml() -> None:
    course = compile_course(COURSES / "xapi-mini").course
    assert course.activity_id == "https://courses.example.org/xapi/xapi-mini"


@pytest.mark.parametrize(("lessons", "assessment", "expected", "mastery"), [
    (True, True, "CompletedAndPassed", "0.8"),
    (False, True, "Passed", "0.8"),
    (True, False, "Completed", None),
    (False, False, "NotApplicable", None),
])
def test_move_on_and_mastery_score_follow_the_completion_rule(
    course_copy: CourseFactory, lessons: bool, assessment: bool, expected: str,
    mastery: str | None,
) -> None:
    root = course_copy("features")
    yml = root / "course.yml"
    text = yml.read_text()
    text = text.replace("all_lessons_viewed: true", f"all_lessons_viewed: {str(lessons).lower()}")
    text = text.replace("assessment_passed: true", f"assessment_passed: {str(assessment).lower()}")
    yml.write_text(text)
    compiled = compile_course(root)
    assert move_on(compiled.course) == expected
    au = etree.fromstring(render_package(compiled, TARGETS["cmi5"])["cmi5.xml"]).find(".//c:au", NS)
    assert au is not None
    assert au.get("moveOn") == expected
    assert au.get("masteryScore") == mastery


def test_interactions_use_xapi_response_formats() -> None:
    root = etree.fromstring(render_package(compile_course(COURSES / "xapi-mini"),
                                           TARGETS["tincan"])["tincan.xml"])
    found = {a.get("id").rsplit("/", 1)[-1]: (  # type: ignore[union-attr]
        a.findtext("t:interactionType", namespaces=NS),
        [p.text for p in a.iterfind(".//t:correctResponsePattern", NS)])
        for a in root.findall(".//t:activity", NS)[1:]}
    assert found == {
        "pick": ("choice", ["b"]),
        "many": ("choice", ["a[,]c"]),
        "truth": ("true-false", ["true"]),
        "word": ("fill-in", ["completed"]),
        "count": ("numeric", ["6"]),
        "pairs": ("matching", ["1[.]a[,]2[.]b"]),
        "steps": ("sequencing", ["a[,]b[,]c"]),
        "mood": ("likert", []),
    }


def test_one_au_per_module_with_its_own_url_and_rule() -> None:
    compiled = compile_course(COURSES / "xapi-modules")
    root = etree.fromstring(render_package(compiled, TARGETS["cmi5"])["cmi5.xml"])
    base = "https://courses.example.org/xapi/xapi-modules/au/"
    found = [(au.get("id"), au.findtext("c:url", namespaces=NS), au.get("moveOn"),
              au.get("masteryScore"), au.findtext("c:title/c:langstring", namespaces=NS))
             for au in root.iterfind("c:au", NS)]
    assert found == [
        (base + "welcome", "index.html?au=welcome", "Completed", None, "Welcome"),
        (base + "basics", "index.html?au=basics", "Completed", None, "Basics"),
        (base + "final-assessment", "index.html?au=final-assessment", "CompletedAndPassed",
         "0.75", "Final assessment"),
    ]
    # the player finds each AU's pages by the `part` of every page in the course data
    html = render_package(compiled, TARGETS["cmi5"])["index.html"].decode()
    data = json.loads(re.search(r'id="course-data">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert [(p["id"], p["part"]) for p in data["pages"]] == [
        ("welcome", "welcome"), ("details", "basics"), ("exam", "final-assessment")]


@pytest.mark.parametrize(("lessons", "assessment", "expected"), [
    (True, True, ["Completed", "CompletedAndPassed"]),
    (False, True, ["Completed", "Passed"]),
    (True, False, ["Completed", "Completed"]),
    (False, False, ["Completed", "NotApplicable"]),
])
def test_module_aus_without_a_graded_quiz_move_on_when_completed(
    course_copy: CourseFactory, lessons: bool, assessment: bool, expected: list[str],
) -> None:
    root = course_copy("xapi-mini")
    yml = root / "course.yml"
    text = yml.read_text().replace("all_lessons_viewed: true",
                                   f"all_lessons_viewed: {str(lessons).lower()}")
    text = text.replace("assessment_passed: true", f"assessment_passed: {str(assessment).lower()}")
    yml.write_text(text.replace("xapi:\n", "xapi:\n  cmi5_au_per_module: true\n"))
    compiled = compile_course(root)
    assert [p.slug for p in compiled.course.parts] == ["basics", "exam"]
    assert [move_on(compiled.course, p) for p in compiled.course.parts] == expected


@pytest.mark.parametrize(("titles", "slugs"), [
    (["Réglages & état", "Réglages & état!"], ["reglages-etat", "reglages-etat-2"]),
    (["日本語", "Intro"], ["module", "intro"]),
])
def test_part_slugs_are_ascii_and_unique(titles: list[str], slugs: list[str]) -> None:
    pages = tuple(Page(i, "lesson", f"p{i}", "T", title) for i, title in enumerate(titles))
    course = replace(compile_course(COURSES / "xapi-mini").course, pages=pages)
    assert [p.slug for p in course.parts] == slugs
