"""Validate manifests against the packaged XSDs (SCORM 1.2, SCORM 2004, cmi5, TinCan) with lxml.

Schemas are package data under `scormbuild/schemas/<kind>/`, read with importlib.resources
and compiled once. Parsing never reads DTDs, resolves entities or touches the network.
lxml's schema messages are rewritten into plain words with a hint where we know one.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import PurePosixPath
from typing import Any, Literal

from lxml import etree  # untyped: pyproject sets ignore_missing_imports for lxml

from scormbuild.errors import Diagnostic, Location

Kind = Literal["scorm12", "scorm2004", "cmi5", "tincan"]

IMSCP_NS = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP_NS = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD_NS = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
CMI5_NS = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
TINCAN_NS = "http://projecttincan.com/tincan.xsd"
# SCORM 2004 4th Edition (CAM 1.3): IMS CP 1.1.4, ADL CP/sequencing/navigation, IMS SS, LOM
IMSCP2004_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP2004_NS = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ_NS = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV_NS = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS_NS = "http://www.imsglobal.org/xsd/imsss"
LOM_NS = "http://ltsc.ieee.org/xsd/LOM"
XML_NS = "http://www.w3.org/XML/1998/namespace"

MANIFEST_NAMES: dict[Kind, str] = {
    "scorm12": "imsmanifest.xml",
    "scorm2004": "imsmanifest.xml",
    "cmi5": "cmi5.xml",
    "tincan": "tincan.xml",
}
ROOT_ELEMENTS: dict[Kind, tuple[str, str]] = {
    "scorm12": (IMSCP_NS, "manifest"),
    "scorm2004": (IMSCP2004_NS, "manifest"),
    "cmi5": (CMI5_NS, "courseStructure"),
    "tincan": (TINCAN_NS, "tincan"),
}
SCHEMA_NAMES: dict[Kind, tuple[str, ...]] = {
    # imscp first: it is the schema of the manifest itself; the others are imported.
    "scorm12": (
        "imscp_rootv1p1p2.xsd",
        "adlcp_rootv1p2.xsd",
        "imsmd_rootv1p2p1.xsd",
        "ims_xml.xsd",
    ),
    # the ADL set that ADL's test packages carry at their root first (schema_files), then what
    # it imports (xml.xsd and the DTDs it names) and the LOM composite for inline <lom>
    "scorm2004": (
        "imscp_v1p1.xsd",
        "adlcp_v1p3.xsd",
        "adlseq_v1p3.xsd",
        "adlnav_v1p3.xsd",
        "imsss_v1p0.xsd",
        "imsss_v1p0auxresource.xsd",
        "imsss_v1p0control.xsd",
        "imsss_v1p0delivery.xsd",
        "imsss_v1p0limit.xsd",
        "imsss_v1p0objective.xsd",
        "imsss_v1p0random.xsd",
        "imsss_v1p0rollup.xsd",
        "imsss_v1p0seqrule.xsd",
        "imsss_v1p0util.xsd",
        "xml.xsd",
        "XMLSchema.dtd",
        "datatypes.dtd",
        "lomStrict.xsd",
        "common/anyElement.xsd",
        "common/dataTypes.xsd",
        "common/elementNames.xsd",
        "common/elementTypes.xsd",
        "common/rootElement.xsd",
        "common/vocabTypes.xsd",
        "common/vocabValues.xsd",
        "extend/strict.xsd",
        "unique/strict.xsd",
        "vocab/strict.xsd",
    ),
    "cmi5": ("CourseStructure.xsd",),
    "tincan": ("tincan.xsd",),
}
# What a package ships at its root, per kind (SCORM 2004: as ADL's buildTestPackages.xml copies).
SHIPPED_SCHEMAS: dict[Kind, tuple[str, ...]] = {
    "scorm12": SCHEMA_NAMES["scorm12"],
    "scorm2004": SCHEMA_NAMES["scorm2004"][:14],
}
# A schema importing the three SCORM 1.2 namespaces: a manifest needs imscp and adlcp
# together, because imscp's wildcards are processContents="strict" (schemas/scorm12/README.md).
_SCORM12_WRAPPER = f"""<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">
 <xsd:import namespace="{IMSCP_NS}" schemaLocation="imscp_rootv1p1p2.xsd"/>
 <xsd:import namespace="{ADLCP_NS}" schemaLocation="adlcp_rootv1p2.xsd"/>
 <xsd:import namespace="{IMSMD_NS}" schemaLocation="imsmd_rootv1p2p1.xsd"/>
</xsd:schema>""".encode()
# SCORM 2004: every namespace loaded together (schemas/scorm2004/README.md): imscp's extension
# wildcards are lax, so loaded alone it would pass a bad adlcp:, adlseq:, adlnav: or imsss: value.
# The xml namespace comes first from the local xml.xsd, so imscp's remote import is skipped.
_SCORM2004_WRAPPER = f"""<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">
 <xsd:import namespace="{XML_NS}" schemaLocation="xml.xsd"/>
 <xsd:import namespace="{IMSCP2004_NS}" schemaLocation="imscp_v1p1.xsd"/>
 <xsd:import namespace="{ADLCP2004_NS}" schemaLocation="adlcp_v1p3.xsd"/>
 <xsd:import namespace="{ADLSEQ_NS}" schemaLocation="adlseq_v1p3.xsd"/>
 <xsd:import namespace="{ADLNAV_NS}" schemaLocation="adlnav_v1p3.xsd"/>
 <xsd:import namespace="{IMSSS_NS}" schemaLocation="imsss_v1p0.xsd"/>
 <xsd:import namespace="{LOM_NS}" schemaLocation="lomStrict.xsd"/>
</xsd:schema>""".encode()
_WRAPPERS: dict[Kind, bytes] = {"scorm12": _SCORM12_WRAPPER, "scorm2004": _SCORM2004_WRAPPER}
# the W3C addresses of xml.xsd that imscp_v1p1.xsd and xml.xsd itself import: served locally
_W3C_XML = ("http://www.w3.org/2001/xml.xsd", "http://www.w3.org/2001/03/xml.xsd")
_SCHEMA_BASE = "/scormbuild-schemas/"  # a fake base URL; the resolver serves every file

_PREFIXES = {
    IMSCP_NS: "",
    CMI5_NS: "",
    TINCAN_NS: "",
    ADLCP_NS: "adlcp:",
    IMSMD_NS: "imsmd:",
    IMSCP2004_NS: "",
    # not ADLCP2004_NS: in a SCORM 1.2 manifest "adlcp:" must mean the 1.2 namespace, and a
    # 2004 adlcp element there is named with its URI (the corpus case adlcp-prefix-scorm2004)
    ADLSEQ_NS: "adlseq:",
    ADLNAV_NS: "adlnav:",
    IMSSS_NS: "imsss:",
    LOM_NS: "lom:",
}
_ID_HINT = (
    "identifiers must start with a letter or underscore and contain no spaces; "
    "use letters, digits, '-', '_' and '.', and each one only once"
)
_NCNAME = re.compile(r"^[A-Za-z_][\w.\-]*$")
_SUBJECT = re.compile(
    r"^Element '(?P<el>[^']+)'(?:, attribute '(?P<attr>[^']+)')?: (?P<rest>.*)$", re.S
)
_VALUE_HINTS = {
    "adlcp:scormtype": 'use adlcp:scormtype="sco" (tracked) or "asset" (untracked), in lowercase',
    "adlcp:scormType": 'use adlcp:scormType="sco" (tracked) or "asset" (untracked), in lowercase',
    "adlcp:timelimitaction": (
        "use one of: exit,message / exit,no message / continue,message / continue,no message"
    ),
    "masteryScore": "masteryScore is a fraction between 0 and 1, e.g. 0.8 for 80%",
    "moveOn": (
        "use one of NotApplicable, Passed, Completed, CompletedAndPassed, CompletedOrPassed "
        "(capitals matter)"
    ),
    "launchMethod": "use AnyWindow or OwnWindow (capitals matter)",
    "lang": "use a language tag such as en-US (a hyphen, not an underscore)",
    "title": "shorten the title",
}
_ROOT_HINTS: dict[Kind, str] = {
    "scorm12": f'the manifest must start with <manifest xmlns="{IMSCP_NS}">',
    "scorm2004": f'the manifest must start with <manifest xmlns="{IMSCP2004_NS}">',
    "cmi5": f'cmi5.xml must start with <courseStructure xmlns="{CMI5_NS}">',
    "tincan": f'tincan.xml must start with <tincan xmlns="{TINCAN_NS}">',
}


def validate_xml(kind: Kind, xml: bytes, archive_path: str | None = None) -> list[Diagnostic]:
    """Check that `xml` is well-formed, has no DTD and is valid against the `kind` schema.

    archive_path names the file in the diagnostics (default: the kind's manifest name).
    """
    path = archive_path if archive_path is not None else MANIFEST_NAMES[kind]
    tree, diagnostics = parse_xml(xml, path)
    if tree is None:
        return diagnostics
    return diagnostics + validate_tree(kind, tree, path)


def parse_xml(xml: bytes, archive_path: str) -> tuple[Any, list[Diagnostic]]:
    """Parse untrusted XML safely: (tree or None, diagnostics); no DTD, entities or network."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        return None, [_diagnose_syntax(error, archive_path)]
    except ValueError as error:  # e.g. a str with an encoding declaration; bytes never get here
        return None, [Diagnostic(_location(archive_path), f"cannot read the XML: {error}")]
    if root is None:
        return None, [Diagnostic(_location(archive_path, 1), "the file is empty")]
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return None, [
            Diagnostic(
                _location(archive_path, 1),
                "the file has a <!DOCTYPE> declaration; DTDs and entity declarations are refused",
                hint="remove the <!DOCTYPE ...> line: manifests need no DTD",
            )
        ]
    return tree, []


def validate_tree(kind: Kind, tree: Any, archive_path: str) -> list[Diagnostic]:
    """Validate a parsed tree against the `kind` schema; one Diagnostic per schema error."""
    schema = _load_schema(kind)
    if schema.validate(tree):
        return []
    return [
        _diagnose_schema_error(kind, entry, archive_path)
        for entry in schema.error_log
        if entry.level >= etree.ErrorLevels.ERROR
    ]


def schema_files(kind: Kind) -> dict[str, bytes]:
    """XSD files to ship at the package root (name -> bytes); only the SCORM kinds ship them."""
    return {name: read_schema(kind, name) for name in SHIPPED_SCHEMAS.get(kind, ())}


def read_schema(kind: Kind, name: str) -> bytes:
    """Bytes of one packaged schema file; raises FileNotFoundError for unknown names."""
    if name not in SCHEMA_NAMES[kind]:
        raise FileNotFoundError(f"no schema {name!r} for {kind}")
    return files("scormbuild").joinpath("schemas", kind, *name.split("/")).read_bytes()


class _PackageResolver(etree.Resolver):  # type: ignore[misc]  # lxml is untyped
    """Serve the packaged schema files from memory, imsmd with its UPA bug patched."""

    def __init__(self, kind: Kind) -> None:
        super().__init__()
        self.kind = kind

    def resolve(self, url: str, pubid: str | None, context: Any) -> Any:
        if url in _W3C_XML:
            name = "xml.xsd"
        elif url.startswith(_SCHEMA_BASE):
            name = url[len(_SCHEMA_BASE):]  # relative paths: the LOM composite uses folders
        else:
            name = url.rsplit("/", 1)[-1]
        if name not in SCHEMA_NAMES[self.kind]:
            return None
        data = read_schema(self.kind, name)
        if name == "imsmd_rootv1p2p1.xsd":
            # libxml2 rejects imsmd's `##any` wildcard as non-deterministic (UPA); `##other`
            # keeps the meaning for real manifests. The shipped file stays unchanged.
            data = data.replace(b'namespace="##any"', b'namespace="##other"')
        return self.resolve_string(data, context, base_url=_SCHEMA_BASE + name)


@cache
def _load_schema(kind: Kind) -> Any:
    """Compile the schema of `kind` once."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_PackageResolver(kind))
    if kind in _WRAPPERS:
        document = etree.fromstring(_WRAPPERS[kind], parser, base_url=_SCHEMA_BASE + "wrap.xsd")
    else:
        name = SCHEMA_NAMES[kind][0]
        document = etree.fromstring(read_schema(kind, name), parser, base_url=_SCHEMA_BASE + name)
    return etree.XMLSchema(document)


def _location(archive_path: str, line: int | None = None, column: int | None = None) -> Location:
    return Location(PurePosixPath(archive_path), line or None, column or None)


def _diagnose_syntax(error: Any, archive_path: str) -> Diagnostic:
    """Turn an XMLSyntaxError into a Diagnostic with a hint for the usual mistakes."""
    line, column = error.position if error.position else (None, None)
    text = re.sub(r", line \d+, column \d+$", "", str(error.msg or error))
    hint = "fix the XML so that every tag is closed and nested properly"
    entity = re.match(r"Entity '(\w+)' not defined", text)
    if entity:
        text = f"undeclared entity '&{entity.group(1)};'"
        if column is not None:  # libxml2 points after the ';': point at the '&'
            column = max(1, column - len(entity.group(1)) - 2)
        hint = (
            "XML knows only &amp; &lt; &gt; &quot; &apos;: write the character itself "
            "(UTF-8) or a numeric reference such as &#233;"
        )
    elif text.startswith(("xmlParseEntityRef: no name", "EntityRef: expecting ';'")):
        text = "a bare '&' is not allowed in XML"
        hint = "write & as &amp;"
    elif "encoding" in text or "UTF-8" in text:
        hint = 'save the file as UTF-8 and declare <?xml version="1.0" encoding="UTF-8"?>'
    elif text in {"Document is empty", "Start tag expected, '<' not found"}:
        text = "the file is empty or not XML"
        hint = "the manifest must be an XML document"
    return Diagnostic(_location(archive_path, line, column), f"not well-formed XML: {text}", hint)


def _short_name(qname: str) -> str:
    """`{ns}local` -> `local` or `adlcp:local`; other namespaces keep their URI."""
    match = re.fullmatch(r"\{([^}\s']+)\}(.+)", qname)
    if match is None:
        return qname
    namespace, local = match.groups()
    if namespace in _PREFIXES:
        return _PREFIXES[namespace] + local
    return f"{local} (namespace {namespace})"


def _clean_names(text: str) -> str:
    """Replace every `{ns}local` in a libxml2 message with its short name."""
    text = re.sub(r"##other\{[^}]*\}\*", "an element from another namespace", text)
    return re.sub(r"\{[^}\s']+\}[\w.\-]+", lambda m: _short_name(m.group(0)), text)


def _diagnose_schema_error(kind: Kind, entry: Any, archive_path: str) -> Diagnostic:
    """Rewrite one lxml schema error into plain words with a hint."""
    where = _location(archive_path, entry.line, entry.column)
    raw = str(entry.message)
    match = _SUBJECT.match(raw)
    if match is None:
        return Diagnostic(where, _clean_names(raw))
    element = _short_name(match["el"])
    attribute = _short_name(match["attr"]) if match["attr"] else None
    message, hint = _explain(kind, element, attribute, _clean_names(match["rest"]))
    return Diagnostic(where, message, hint)


_ENUMERATION = re.compile(
    r"\[facet 'enumeration'\] The value '(.*)' is not an element of the set \{(.*)\}", re.S
)
_MAX_LENGTH = re.compile(
    r"\[facet 'maxLength'\] The value has a length of '(\d+)'; "
    r"this exceeds the allowed maximum length of '(\d+)'"
)
_MIN_LENGTH = re.compile(r"\[facet 'minLength'\] .* minimum length of '(\d+)'")
_MIN_VALUE = re.compile(r"\[facet 'minInclusive'\] The value '(.*)' is less .*\('(.*)'\)")
_MAX_VALUE = re.compile(r"\[facet 'maxInclusive'\] The value '(.*)' is greater .*\('(.*)'\)")
_BAD_TYPE = re.compile(
    r"'(.*)' is not a valid value of the (?:local )?atomic type(?: '([^']+)')?", re.S
)
_UNEXPECTED = re.compile(r"This element is not expected\.(?: Expected is (?:one of )?\( (.*) \))?")
_MISSING_CHILD = re.compile(r"Missing child element\(s\)\. Expected is (?:one of )?\( (.*) \)")
_MISSING_ATTRIBUTE = re.compile(r"The attribute '([^']+)' is required but missing")


def _explain(kind: Kind, element: str, attribute: str | None, rest: str) -> tuple[str, str | None]:
    """Message and hint for one schema error about `element` (and `attribute`)."""
    subject = f"<{element}> attribute '{attribute}'" if attribute else f"<{element}>"
    hint = _VALUE_HINTS.get(attribute or element)
    if m := _BAD_TYPE.match(rest):
        # a local type is a restriction; those of href (anyURI, maxLength 2000) are URIs
        local = "xs:anyURI" if (attribute or element) == "href" else "value"
        return _explain_type(subject, _shown(m[1]), m[2] or local, hint)
    if m := _ENUMERATION.match(rest):
        return f"{subject}: '{m[1]}' is not one of {', '.join(sorted(m[2].split(', ')))}", hint
    if m := _MAX_LENGTH.match(rest):
        return f"{subject} is {m[1]} characters long; at most {m[2]} are allowed", hint
    if m := _MIN_LENGTH.match(rest):
        return f"{subject} must have at least {m[1]} character(s)", hint
    if m := _MIN_VALUE.match(rest):
        return f"{subject}: {m[1]} is below the minimum {m[2]}", hint
    if m := _MAX_VALUE.match(rest):
        return f"{subject}: {m[1]} is above the maximum {m[2]}", hint
    return _explain_structure(kind, subject, attribute or element, rest, hint)


def _explain_type(
    subject: str, value: str, type_name: str, hint: str | None
) -> tuple[str, str | None]:
    """Message for a value that is not of its XSD type."""
    if type_name == "xs:ID":
        if _NCNAME.match(value):
            return f"{subject}: '{value}' is used more than once", _ID_HINT
        return f"{subject}: '{value}' is not a valid identifier", _ID_HINT
    if type_name == "xs:IDREF":
        return (
            f"{subject}: '{value}' does not match any identifier in the file",
            "point it at the identifier of an element in this manifest",
        )
    if type_name == "xs:decimal":
        return f"{subject}: '{value}' is not a number", hint
    if type_name == "xs:language":
        return f"{subject}: '{value}' is not a language tag", _VALUE_HINTS["lang"]
    if type_name == "xs:anyURI":
        return (
            f"{subject}: '{value}' is not a valid URI",
            "remove spaces, tabs and line breaks, or percent-encode them",
        )
    return f"{subject}: '{value}' is not a valid {type_name}", hint


def _explain_structure(
    kind: Kind, subject: str, name: str, rest: str, hint: str | None
) -> tuple[str, str | None]:
    """Message for a misplaced, missing or unknown element or attribute."""
    order_hint = "check the spelling and the order of the elements against the schema"
    if m := _UNEXPECTED.match(rest):
        if m[1] is None:
            return f"{subject} is not allowed here (wrong order, or one too many)", order_hint
        return f"{subject} is not allowed here; expected {_list_names(m[1])}", order_hint
    if m := _MISSING_CHILD.match(rest):
        return f"{subject} is missing a child element: expected {_list_names(m[1])}", order_hint
    if m := _MISSING_ATTRIBUTE.match(rest):
        return f"{subject} is missing the required attribute '{_short_name(m[1])}'", None
    if re.match(r"The attribute '[^']+' is not allowed", rest):
        return f"{subject} is not allowed", "remove it or check its spelling"
    if rest.startswith("No matching global attribute declaration available"):
        if name.lower() == "adlcp:scormtype":
            return (
                f"{subject} is not a SCORM 1.2 attribute",
                'SCORM 1.2 spells it adlcp:scormtype, all lowercase ("scormType" is SCORM 2004)',
            )
        return f"{subject} is not a known attribute", "remove it or check its spelling"
    if rest.startswith("No matching global element declaration available"):
        return f"{subject} is not a known element", order_hint
    if rest.startswith("No matching global declaration available for the validation root"):
        expected_ns, expected = ROOT_ELEMENTS[kind]
        bare = "" if ":" in subject or "(namespace" in subject else " (no namespace)"
        return (
            f"wrong root element {subject}{bare}: expected <{expected}> in namespace {expected_ns}",
            _ROOT_HINTS[kind],
        )
    if rest.startswith("Character content other than whitespace is not allowed"):
        return f"{subject} may contain only elements, not text", order_hint
    if rest.startswith("Element content is not allowed"):
        return f"{subject} may contain only text, not elements", order_hint
    return f"{subject}: {rest.rstrip('.')}", hint


def _shown(text: str) -> str:
    """A value for a one-line message: control characters written as escapes (`\\t`)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _list_names(names: str) -> str:
    """`a, b, an element...` -> `<a>, <b> or an element ...`."""
    parts = [p if p.startswith("an element") else f"<{p}>" for p in names.split(", ")]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]
