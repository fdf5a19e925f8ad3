"""Tests for scormbuild.xsd: packaged schemas, plain-words schema errors, safe parsing."""

from __future__ import annotations

import hashlib

import pytest

from scormbuild.errors import Diagnostic
from scormbuild.xsd import schema_files, validate_xml

# sha256 from src/scormbuild/schemas/*/README.md: the shipped files must be byte-identical.
SHA256 = {
    ("scorm12", "imscp_rootv1p1p2.xsd"): (
        "d9ee699094e0db4518cf0143c81873d196b2683cf1c5ed770f108239ee079dda"
    ),
    ("scorm12", "adlcp_rootv1p2.xsd"): (
        "173decaf9cd31ea847e6ff6853c702137974aca6b56567151aa4a885e0aa4883"
    ),
    ("scorm12", "imsmd_rootv1p2p1.xsd"): (
        "51310a1097f373e619e54ef2ba9c050117de4822e6119a1cc2a3d07cfe450db9"
    ),
    ("scorm12", "ims_xml.xsd"): "f4d1fcd10c32ba5d49acfa60c9a5e79ae1e072889bd1ed90a40b06a6a99e0f33",
    ("cmi5", "CourseStructure.xsd"): (
        "6a0b04962f5baa4603ee28e84ce4c74a122f322a548c8fdc14d93b2a23781d75"
    ),
    ("tincan", "tincan.xsd"): "6448b559d3dd9da053d20a9d46773019c03580ef8924d2c930a4491f47625217",
}

SCORM12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="M1" version="1.0" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Course</title>
      <item identifier="I1" identifierref="R1">
        <title>Lesson 1</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""
CMI5 = """<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://example.com/c">
    <title><langstring lang="en-US">Course</langstring></title>
    <description><langstring lang="en-US">About</langstring></description>
  </course>
  <au id="https://example.com/c/au1" moveOn="Passed" masteryScore="0.8">
    <title><langstring lang="en-US">Lesson</langstring></title>
    <description><langstring lang="en-US">About</langstring></description>
    <url>index.html</url>
  </au>
</courseStructure>
"""
TINCAN = """<?xml version="1.0" encoding="utf-8"?>
<tincan xmlns="http://projecttincan.com/tincan.xsd">
  <activities>
    <activity id="https://example.com/c" type="http://adlnet.gov/expapi/activities/course">
      <name lang="en-US">Course</name>
      <description lang="en-US">About</description>
      <launch lang="en-US">index.html</launch>
    </activity>
  </activities>
</tincan>
"""
ID_HINT = (
    "identifiers must start with a letter or underscore and contain no spaces; "
    "use letters, digits, '-', '_' and '.', and each one only once"
)
ORDER_HINT = "check the spelling and the order of the elements against the schema"


def render(diagnostics: list[Diagnostic]) -> list[str]:
    """Rendered diagnostics, one string each."""
    return [d.render() for d in diagnostics]


@pytest.mark.parametrize(("kind", "name"), sorted(SHA256))
def test_packaged_schema_bytes_are_unchanged(kind: str, name: str) -> None:
    from scormbuild.xsd import read_schema

    data = read_schema(kind, name)  # type: ignore[arg-type]
    assert hashlib.sha256(data).hexdigest() == SHA256[(kind, name)]


def test_schema_files_ships_four_xsds_for_scorm12_only() -> None:
    shipped = schema_files("scorm12")
    assert sorted(shipped) == [
        "adlcp_rootv1p2.xsd",
        "ims_xml.xsd",
        "imscp_rootv1p1p2.xsd",
        "imsmd_rootv1p2p1.xsd",
    ]
    assert all(hashlib.sha256(b).hexdigest() == SHA256[("scorm12", n)] for n, b in shipped.items())
    assert schema_files("cmi5") == {}
    assert schema_files("tincan") == {}


@pytest.mark.parametrize(
    ("kind", "xml"), [("scorm12", SCORM12), ("cmi5", CMI5), ("tincan", TINCAN)]
)
def test_minimal_manifest_is_valid(kind: str, xml: str) -> None:
    assert validate_xml(kind, xml.encode()) == []  # type: ignore[arg-type]


def test_inline_imsmd_metadata_is_accepted() -> None:
    lom = (
        "<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion>"
        "<imsmd:lom><imsmd:general><imsmd:title><imsmd:langstring xml:lang='en'>T"
        "</imsmd:langstring></imsmd:title></imsmd:general></imsmd:lom></metadata>"
    )
    xml = SCORM12.replace(
        "<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>", lom
    )
    assert validate_xml("scorm12", xml.encode()) == []


SCORM_FAULTS = [
    pytest.param(
        ('identifier="I1"', 'identifier="1 lesson"'),
        [
            "imsmanifest.xml:9: error: <item> attribute 'identifier': '1 lesson' is not a valid "
            "identifier\n    hint: " + ID_HINT
        ],
        id="identifier-with-space",
    ),
    pytest.param(
        ('identifier="I1"', 'identifier="R1"'),
        [
            "imsmanifest.xml:16: error: <resource> attribute 'identifier': 'R1' is used more "
            "than once\n    hint: " + ID_HINT
        ],
        id="identifier-duplicate",
    ),
    pytest.param(
        ('adlcp:scormtype="sco"', 'adlcp:scormtype="SCO"'),
        [
            "imsmanifest.xml:16: error: <resource> attribute 'adlcp:scormtype': 'SCO' is not one "
            "of 'asset', 'sco'\n    hint: use adlcp:scormtype=\"sco\" (tracked) or \"asset\" "
            "(untracked), in lowercase"
        ],
        id="scormtype-uppercase",
    ),
    pytest.param(
        ('adlcp:scormtype="sco"', 'adlcp:scormType="sco"'),
        [
            "imsmanifest.xml:16: error: <resource> attribute 'adlcp:scormType' is not a SCORM 1.2 "
            "attribute\n    hint: SCORM 1.2 spells it adlcp:scormtype, all lowercase "
            '("scormType" is SCORM 2004)'
        ],
        id="scormtype-camelcase",
    ),
    pytest.param(
        (' type="webcontent"', ""),
        ["imsmanifest.xml:16: error: <resource> is missing the required attribute 'type'"],
        id="resource-without-type",
    ),
    pytest.param(
        (
            "<title>Lesson 1</title>\n        <adlcp:masteryscore>80</adlcp:masteryscore>",
            "<adlcp:masteryscore>80</adlcp:masteryscore>\n        <title>Lesson 1</title>",
        ),
        [
            "imsmanifest.xml:11: error: <title> is not allowed here (wrong order, or one too many)"
            "\n    hint: " + ORDER_HINT
        ],
        id="adlcp-before-title",
    ),
    pytest.param(
        ("<title>Lesson 1</title>", "<title>" + "x" * 201 + "</title>"),
        [
            "imsmanifest.xml:10: error: <title> is 201 characters long; at most 200 are allowed"
            "\n    hint: shorten the title"
        ],
        id="title-too-long",
    ),
    pytest.param(
        (
            "<adlcp:masteryscore>80</adlcp:masteryscore>",
            "<adlcp:timelimitaction>stop</adlcp:timelimitaction>",
        ),
        [
            "imsmanifest.xml:11: error: <adlcp:timelimitaction>: 'stop' is not one of "
            "'continue,message', 'continue,no message', 'exit,message', 'exit,no message'\n"
            "    hint: use one of: exit,message / exit,no message / continue,message / "
            "continue,no message"
        ],
        id="timelimitaction-invalid",
    ),
    pytest.param(
        ('<file href="index.html"/>', '<file href="index.html"/><script/>'),
        [
            "imsmanifest.xml:17: error: <script> is not allowed here; expected <file>, "
            "<dependency> or an element from another namespace\n    hint: " + ORDER_HINT
        ],
        id="unknown-element",
    ),
    pytest.param(
        ('xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"', ""),
        [
            "imsmanifest.xml:4: error: wrong root element <manifest> (no namespace): expected "
            "<manifest> in namespace http://www.imsproject.org/xsd/imscp_rootv1p1p2\n"
            '    hint: the manifest must start with <manifest xmlns="http://www.imsproject.org/'
            'xsd/imscp_rootv1p1p2">'
        ],
        id="no-namespace",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), SCORM_FAULTS)
def test_scorm12_schema_error_is_explained(edit: tuple[str, str], expected: list[str]) -> None:
    old, new = edit
    assert old in SCORM12
    assert render(validate_xml("scorm12", SCORM12.replace(old, new, 1).encode())) == expected


def test_cmi5_schema_errors_are_explained() -> None:
    xml = (
        CMI5.replace('moveOn="Passed"', 'moveOn="passed"')
        .replace('masteryScore="0.8"', 'masteryScore="80"')
        .replace('lang="en-US"', 'lang="en_US"', 1)
    )
    assert render(validate_xml("cmi5", xml.encode())) == [
        "cmi5.xml:4: error: <langstring> attribute 'lang': 'en_US' is not a language tag\n"
        "    hint: use a language tag such as en-US (a hyphen, not an underscore)",
        "cmi5.xml:7: error: <au> attribute 'moveOn': 'passed' is not one of 'Completed', "
        "'CompletedAndPassed', 'CompletedOrPassed', 'NotApplicable', 'Passed'\n"
        "    hint: use one of NotApplicable, Passed, Completed, CompletedAndPassed, "
        "CompletedOrPassed (capitals matter)",
        "cmi5.xml:7: error: <au> attribute 'masteryScore': 80 is above the maximum 1\n"
        "    hint: masteryScore is a fraction between 0 and 1, e.g. 0.8 for 80%",
    ]


def test_tincan_missing_description_is_explained() -> None:
    xml = TINCAN.replace('<description lang="en-US">About</description>', "")
    assert render(validate_xml("tincan", xml.encode(), "pkg/tincan.xml")) == [
        "pkg/tincan.xml:7: error: <launch> is not allowed here; expected <name> or <description>"
        "\n    hint: " + ORDER_HINT
    ]


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        pytest.param(
            b"<tincan><a></tincan>",
            "tincan.xml:1:21: error: not well-formed XML: Opening and ending tag mismatch: "
            "a line 1 and tincan\n    hint: fix the XML so that every tag is closed and nested "
            "properly",
            id="tag-mismatch",
        ),
        pytest.param(
            b"<tincan>\n<a>Caf&eacute;</a></tincan>",
            "tincan.xml:2:7: error: not well-formed XML: undeclared entity '&eacute;'\n"
            "    hint: XML knows only &amp; &lt; &gt; &quot; &apos;: write the character itself "
            "(UTF-8) or a numeric reference such as &#233;",
            id="html-entity",
        ),
        pytest.param(
            b"<tincan>R&D</tincan>",
            "tincan.xml:1:12: error: not well-formed XML: a bare '&' is not allowed in XML\n"
            "    hint: write & as &amp;",
            id="bare-ampersand",
        ),
        pytest.param(
            b"",
            "tincan.xml:1:1: error: not well-formed XML: the file is empty or not XML\n"
            "    hint: the manifest must be an XML document",
            id="empty",
        ),
        pytest.param(
            b'<!DOCTYPE tincan [<!ENTITY x SYSTEM "file:///etc/passwd">]><tincan>&x;</tincan>',
            "tincan.xml:1: error: the file has a <!DOCTYPE> declaration; DTDs and entity "
            "declarations are refused\n    hint: remove the <!DOCTYPE ...> line: manifests need "
            "no DTD",
            id="external-entity",
        ),
        pytest.param(
            b'<!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><t>&c;&c;&c;&c;</t>',
            "tincan.xml:1: error: the file has a <!DOCTYPE> declaration; DTDs and entity "
            "declarations are refused\n    hint: remove the <!DOCTYPE ...> line: manifests need "
            "no DTD",
            id="entity-expansion",
        ),
    ],
)
def test_unsafe_or_broken_xml_is_one_diagnostic(xml: bytes, expected: str) -> None:
    assert render(validate_xml("tincan", xml)) == [expected]


def test_schema_error_has_no_column() -> None:
    (diagnostic,) = validate_xml("tincan", b"<tincan xmlns='urn:x'/>", "a/b.xml")
    assert (str(diagnostic.where.path), diagnostic.where.line, diagnostic.where.column) == (
        "a/b.xml",
        1,
        None,
    )
