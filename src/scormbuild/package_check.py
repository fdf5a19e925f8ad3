"""Validate a package zip the way the strictest LMS importers do (`scormbuild validate`).

Nothing is ever extracted: entries are checked by name and header, and only the manifest
is read (with a size cap). Zip-level problems are located at the zip file's name; manifest
problems at the manifest's archive path and line.
"""

from __future__ import annotations

import difflib
import lzma
import posixpath
import re
import stat
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from scormbuild.errors import Diagnostic, Location, at, has_errors
from scormbuild.xsd import (
    ADLCP_NS,
    CMI5_NS,
    IMSCP_NS,
    MANIFEST_NAMES,
    ROOT_ELEMENTS,
    SCHEMA_NAMES,
    TINCAN_NS,
    parse_xml,
    validate_tree,
)

PackageKind = Literal["scorm12", "tincan", "cmi5"]

MAX_ENTRIES = 10_000
MAX_TOTAL_SIZE = 2 * 1024**3  # 2 GiB unpacked
MAX_RATIO = 200  # per entry, for entries larger than RATIO_FLOOR
RATIO_FLOOR = 1024**2
MAX_MANIFEST_SIZE = 16 * 1024**2
MAX_UNLISTED_REPORTED = 20

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_KIND_ORDER: tuple[PackageKind, ...] = ("scorm12", "cmi5", "tincan")
_SCORM2004_VERSIONS = {"1.3", "CAM 1.3", "2004 3rd Edition", "2004 4th Edition"}
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:|^//")
_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
_READ_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    zlib.error,
    lzma.LZMAError,
)


@dataclass(frozen=True, slots=True)
class PackageReport:
    """What `validate_package` found: the package kind and every diagnostic."""

    path: Path
    kind: PackageKind | None
    diagnostics: list[Diagnostic]

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error (warnings alone pass)."""
        return not has_errors(self.diagnostics)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: path, kind, ok, counts and the diagnostics."""
        return {
            "path": str(self.path),
            "kind": self.kind,
            "ok": self.ok,
            "errors": sum(d.is_error for d in self.diagnostics),
            "warnings": sum(not d.is_error for d in self.diagnostics),
            "diagnostics": [_diagnostic_json(d) for d in self.diagnostics],
        }


def validate_package(path: Path) -> PackageReport:
    """Check the package zip at `path`; reports problems as diagnostics, never raises for them."""
    label = path.name or str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            kind, diagnostics = _check_archive(archive, label)
    except zipfile.BadZipFile as error:
        hint = "upload the .zip that scormbuild built; LMSs say 'You must provide a valid zip file'"
        return PackageReport(path, None, [_zip_error(label, f"not a readable zip: {error}", hint)])
    except (OSError, EOFError, ValueError, NotImplementedError) as error:
        hint = "check the path and that the file is a complete .zip"
        return PackageReport(path, None, [_zip_error(label, f"cannot read the zip: {error}", hint)])
    return PackageReport(path, kind, diagnostics)


@dataclass(frozen=True, slots=True)
class _Package:
    """The facts about one zip that the manifest checks need."""

    manifest: str  # archive path of the manifest
    base: str  # folder of the manifest inside the zip: "" or "folder/"
    files: dict[str, str]  # normalised path -> entry name, for every file entry
    refused: frozenset[str]  # hostile entry names (reported, never read)

    def where(self, element: Any) -> Location:
        """Location of an element of the manifest."""
        return at(self.manifest, element.sourceline)

    def resolve(self, href: str, base: str = "") -> str | None:
        """Normalised zip path of a relative href; None for URLs with a scheme."""
        href = href.strip()
        if _URL_SCHEME.match(href):
            return None
        path = unquote(href.split("#", 1)[0].split("?", 1)[0])
        if path.startswith("/"):
            return "/"
        joined = posixpath.normpath(self.base + base + path)
        return "/" if joined == ".." or joined.startswith("../") else joined

    def suggest(self, path: str) -> str:
        """Hint for a missing file: a near name if there is one."""
        by_lower = {p.lower(): p for p in self.files}
        near = by_lower.get(path.lower()) or next(
            iter(difflib.get_close_matches(path, list(self.files), n=1, cutoff=0.8)), None
        )
        if near is not None:
            return f"did you mean '{near}'? paths in a package are case-sensitive"
        return "add the file to the package or fix the path (relative to the manifest)"


def _diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    where = diagnostic.where
    return {
        "path": str(where.path),
        "line": where.line,
        "column": where.column,
        "severity": diagnostic.severity,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
    }


def _zip_error(label: str, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(at(label), message, hint)


def _zip_warning(label: str, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(at(label), message, hint, severity="warning")


# --- the zip ------------------------------------------------------------------------------


def _check_archive(
    archive: zipfile.ZipFile, label: str
) -> tuple[PackageKind | None, list[Diagnostic]]:
    """Entry checks, then find, read and check the manifest."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        message = f"the zip has {len(infos)} entries; at most {MAX_ENTRIES} are accepted"
        return None, [_zip_error(label, message, "a course package never needs that many files")]
    diagnostics, hostile, duplicated = _check_entries(infos, label)
    kind, member, found = _find_manifest(infos, label)
    diagnostics += found
    if kind is None or member is None or member in hostile | duplicated:
        return kind, diagnostics  # refused entries are never read
    data, read = _read_manifest(archive, member, label)
    diagnostics += read
    if data is None:
        return kind, diagnostics
    package = _Package(
        manifest=member,
        base=posixpath.dirname(member) + "/" if "/" in member else "",
        files={
            posixpath.normpath(i.filename): i.filename
            for i in infos
            if not i.filename.endswith("/")
        },
        refused=frozenset(hostile),
    )
    checked = _check_manifest(kind, data, package)
    return kind, diagnostics + sorted(
        checked, key=lambda d: (d.where.line or 0, d.where.column or 0)
    )


def _check_entries(
    infos: list[zipfile.ZipInfo], label: str
) -> tuple[list[Diagnostic], set[str], set[str]]:
    """Refuse hostile entries (never extracted or followed): diagnostics, hostile, duplicated."""
    diagnostics: list[Diagnostic] = []
    hostile: set[str] = set()
    for info in infos:
        found = _check_entry(info, label)
        if found:
            hostile.add(info.filename)
            diagnostics += found
    counts = Counter(info.filename for info in infos)
    duplicated = {name for name, count in counts.items() if count > 1}
    for name in sorted(duplicated):
        count = counts[name]
        diagnostics.append(
            _zip_error(
                label,
                f"entry '{name}' appears {count} times",
                "which copy an LMS unpacks is undefined: build the zip again",
            )
        )
    diagnostics += _check_case_collisions(counts, label)
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_SIZE:
        diagnostics.append(
            _zip_error(
                label,
                f"the entries would unpack to {_size(total)}; at most {_size(MAX_TOTAL_SIZE)} "
                "are accepted",
                "this looks like a zip bomb; move large media out of the package",
            )
        )
    return diagnostics, hostile, duplicated


def _check_entry(info: zipfile.ZipInfo, label: str) -> list[Diagnostic]:
    """Problems with one entry's name and header."""
    name = info.filename
    parts = re.split(r"[/\\]", name)
    checks = [
        (
            name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) is not None,
            f"entry '{name}' has an absolute path",
            "paths in a package must be relative to the zip root; an absolute path can "
            "overwrite files on the server",
        ),
        (
            ".." in parts,
            f"entry '{name}' climbs out of the package with '..'",
            "this is a 'zip slip' attack pattern; build the zip from inside the course folder",
        ),
        (
            "\\" in name,
            f"entry '{name}' contains a backslash",
            "zip folder separators must be '/'; re-create the zip with a standard tool",
        ),
        (
            stat.S_ISLNK(info.external_attr >> 16),
            f"entry '{name}' is a symbolic link",
            "store the real file instead: links can point outside the package",
        ),
        (
            bool(info.flag_bits & 0x1),
            f"entry '{name}' is encrypted",
            "LMSs cannot read password-protected zips; zip without a password",
        ),
        (
            info.file_size > RATIO_FLOOR
            and info.file_size > MAX_RATIO * max(info.compress_size, 1),
            f"entry '{name}' would expand from {_size(info.compress_size)} to "
            f"{_size(info.file_size)} (more than {MAX_RATIO}:1)",
            "this looks like a zip bomb and is refused",
        ),
    ]
    return [_zip_error(label, message, hint) for failed, message, hint in checks if failed]


def _check_case_collisions(counts: Counter[str], label: str) -> list[Diagnostic]:
    """Warn about entry names that differ only in case (one overwrites the other on Windows)."""
    by_lower: dict[str, list[str]] = {}
    for name in counts:
        by_lower.setdefault(name.lower(), []).append(name)
    return [
        _zip_warning(
            label,
            "entries " + " and ".join(f"'{n}'" for n in sorted(names)) + " differ only in case",
            "on Windows and macOS servers one overwrites the other: rename one",
        )
        for names in by_lower.values()
        if len(names) > 1
    ]


def _size(count: int) -> str:
    """A byte count in words: `3.0 GiB`, `2.0 MiB`, `512 bytes`."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _find_manifest(
    infos: list[zipfile.ZipInfo], label: str
) -> tuple[PackageKind | None, str | None, list[Diagnostic]]:
    """The package kind and manifest entry, with a diagnostic when it is misplaced or misnamed."""
    names = sorted({info.filename for info in infos if not info.filename.endswith("/")})
    exact = [k for k in _KIND_ORDER if MANIFEST_NAMES[k] in names]
    if exact:
        kind = exact[0]
        found = []
        if len(exact) > 1:
            listed = ", ".join(MANIFEST_NAMES[k] for k in exact)
            found.append(
                _zip_warning(
                    label,
                    f"the package has several manifests ({listed}); "
                    f"checking {MANIFEST_NAMES[kind]}",
                    "a package is one kind: keep only the manifest of the standard you target",
                )
            )
        return kind, MANIFEST_NAMES[kind], found
    kinds_by_name = {MANIFEST_NAMES[k]: k for k in _KIND_ORDER}
    candidates = [n for n in names if posixpath.basename(n).lower() in kinds_by_name]
    if not candidates:
        if {"index.html", "static/player.js"} <= set(names):
            return None, None, [_zip_warning(
                label,
                "a plain web export (scormbuild --target html), not an LMS package: an LMS "
                "finds nothing to import in it",
                "host it on any web server for reviewers; upload the scorm12, tincan or cmi5 "
                "zip to an LMS")]
        return None, None, [_no_manifest(label)]
    member = min(candidates, key=lambda n: (n.count("/"), n))
    kind = kinds_by_name[posixpath.basename(member).lower()]
    return kind, member, [_misplaced_manifest(label, member, MANIFEST_NAMES[kind])]


def _no_manifest(label: str) -> Diagnostic:
    return _zip_error(
        label,
        "no manifest at the zip root: expected imsmanifest.xml (SCORM 1.2), cmi5.xml (cmi5) "
        "or tincan.xml (TinCan)",
        "is this a course package? build one with `scormbuild build`",
    )


def _misplaced_manifest(label: str, member: str, expected: str) -> Diagnostic:
    folder, name = posixpath.split(member)
    if folder == ".":
        return _zip_error(
            label,
            f"the manifest entry is '{member}'; with the './' prefix LMSs do not find it at "
            "the zip root",
            "re-create the zip from inside the course folder, without the './' prefix",
        )
    if not folder:
        return _zip_error(
            label,
            f"the manifest is named '{name}'; it must be exactly '{expected}'",
            f"rename it to {expected}: LMSs look for the exact lowercase name",
        )
    return _zip_error(
        label,
        f"the manifest '{member}' is in the folder '{folder}/', not at the zip root",
        "zip the contents of the course folder, not the folder itself (Moodle refuses this "
        "with 'badimsmanifestlocation')",
    )


def _read_manifest(
    archive: zipfile.ZipFile, member: str, label: str
) -> tuple[bytes | None, list[Diagnostic]]:
    """Read the manifest entry, at most MAX_MANIFEST_SIZE bytes whatever its header says."""
    too_big = _zip_error(
        label,
        f"the manifest '{member}' is larger than {_size(MAX_MANIFEST_SIZE)}",
        "a manifest is a small XML file; build the package again",
    )
    try:
        info = archive.getinfo(member)
        if info.file_size > MAX_MANIFEST_SIZE:
            return None, [too_big]
        with archive.open(info) as stream:
            data = stream.read(MAX_MANIFEST_SIZE + 1)
    except _READ_ERRORS as error:
        message = f"cannot read the manifest '{member}' from the zip: {error}"
        return None, [_zip_error(label, message, "the zip is damaged: build it again")]
    if len(data) > MAX_MANIFEST_SIZE:
        return None, [too_big]
    return data, []


# --- the manifest ---------------------------------------------------------------------------


def _check_manifest(kind: PackageKind, data: bytes, package: _Package) -> list[Diagnostic]:
    """Well-formedness, schema validity, then the rules the XSD cannot express."""
    tree, diagnostics = parse_xml(data, package.manifest)
    if tree is None:
        return diagnostics
    diagnostics += validate_tree(kind, tree, package.manifest)
    root = tree.getroot()
    namespace, local = ROOT_ELEMENTS[kind]
    if root.tag != f"{{{namespace}}}{local}":
        return diagnostics  # the schema check has already said what the root should be
    checks: dict[PackageKind, Callable[[Any, _Package], list[Diagnostic]]] = {
        "scorm12": _check_scorm12,
        "tincan": _check_tincan,
        "cmi5": _check_cmi5,
    }
    return diagnostics + checks[kind](root, package)


def _cp(name: str) -> str:
    return f"{{{IMSCP_NS}}}{name}"


def _adl(name: str) -> str:
    return f"{{{ADLCP_NS}}}{name}"


def _elements(root: Any) -> Iterable[Any]:
    """Every element under root (comments and processing instructions left out)."""
    return (el for el in root.iter() if isinstance(el.tag, str))


def _check_scorm12(root: Any, package: _Package) -> list[Diagnostic]:
    """SCORM 1.2 rules beyond the XSD, and Moodle's parser pitfalls."""
    resources = {r.get("identifier"): r for r in root.iter(_cp("resource"))}
    return [
        *_check_prefixes(root, package),
        *_check_metadata(root, package),
        *_check_organizations(root, package),
        *_check_items(root, resources, package),
        *_check_scormtypes(root, list(resources.values()), package),
        *_check_resource_files(root, package),
    ]


def _check_prefixes(root: Any, package: _Package) -> list[Diagnostic]:
    """Moodle's parser is not namespace-aware: it matches `adlcp:scormtype` literally."""
    diagnostics: list[Diagnostic] = []
    seen: set[tuple[str, str | None]] = set()
    for element in _elements(root):
        parent = element.getparent()
        inherited = parent.nsmap if parent is not None else {}
        for prefix, uri in element.nsmap.items():
            if inherited.get(prefix) == uri or (uri, prefix) in seen:
                continue
            seen.add((uri, prefix))
            diagnostics += _check_binding(prefix, uri, element, package)
        key = (IMSCP_NS, f"element:{element.prefix}")
        if element.tag.startswith(f"{{{IMSCP_NS}}}") and element.prefix and key not in seen:
            seen.add(key)
            tag = f"{element.prefix}:{element.tag.split('}')[1]}"
            diagnostics.append(
                Diagnostic(
                    package.where(element),
                    f"IMS CP element <{tag}> has a prefix; Moodle reads only unprefixed "
                    "<manifest>, <organization>, <item>, <resource> ...",
                    f'declare the IMS CP namespace as the default (xmlns="{IMSCP_NS}") '
                    "and drop the prefix",
                )
            )
    return diagnostics


def _check_binding(
    prefix: str | None, uri: str, element: Any, package: _Package
) -> list[Diagnostic]:
    """A namespace declaration that breaks Moodle's literal `adlcp:` matching."""
    hint = f'declare xmlns:adlcp="{ADLCP_NS}" and write adlcp:scormtype, adlcp:masteryscore ...'
    if uri == ADLCP_NS and prefix != "adlcp":
        bound = f"the prefix '{prefix}'" if prefix else "the default namespace"
        return [
            Diagnostic(
                package.where(element),
                f"the ADL namespace is bound to {bound}, not 'adlcp'; Moodle matches the "
                "literal adlcp: prefix and then loses scormtype and masteryscore",
                hint,
            )
        ]
    if prefix == "adlcp" and uri != ADLCP_NS:
        return [
            Diagnostic(
                package.where(element),
                f"the prefix 'adlcp' is bound to '{uri}', not the SCORM 1.2 ADL namespace",
                hint,
            )
        ]
    return []


def _check_metadata(root: Any, package: _Package) -> list[Diagnostic]:
    """<metadata> must say schema 'ADL SCORM' and schemaversion '1.2' (CAM 1.2)."""
    metadata = root.find(_cp("metadata"))
    if metadata is None:
        return [
            Diagnostic(
                package.where(root),
                "the manifest has no <metadata> with <schema>ADL SCORM</schema> and "
                "<schemaversion>1.2</schemaversion>",
                "add <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion>"
                "</metadata> as the first child of <manifest>",
            )
        ]
    return [
        *_check_text(metadata, "schema", "ADL SCORM", package),
        *_check_text(metadata, "schemaversion", "1.2", package),
    ]


def _check_text(parent: Any, name: str, expected: str, package: _Package) -> list[Diagnostic]:
    """One metadata element whose text must be exactly `expected`."""
    element = parent.find(_cp(name))
    hint = f"write <{name}>{expected}</{name}> inside <metadata>"
    if element is None:
        return [Diagnostic(package.where(parent), f"<metadata> has no <{name}>", hint)]
    value = (element.text or "").strip()
    if value == expected:
        return []
    if name == "schemaversion" and value in _SCORM2004_VERSIONS:
        hint = f"'{value}' makes LMSs such as Moodle play the package as SCORM 2004; " + hint
    return [
        Diagnostic(
            package.where(element), f"<{name}> is '{value}'; it must be exactly '{expected}'", hint
        )
    ]


def _check_organizations(root: Any, package: _Package) -> list[Diagnostic]:
    """organizations/@default must name an organization."""
    organizations = root.find(_cp("organizations"))
    if organizations is None:
        return []  # the XSD requires it and has said so
    ids = [o.get("identifier") for o in organizations.findall(_cp("organization"))]
    default = organizations.get("default")
    if not ids:
        return [
            Diagnostic(
                package.where(organizations),
                "the manifest has no <organization>: the LMS gets no titles or lesson order",
                "add an <organization> with one <item> per lesson",
                severity="warning",
            )
        ]
    if default is None:
        return [
            Diagnostic(
                package.where(organizations),
                "<organizations> has no default attribute",
                f'add default="{ids[0]}" so every LMS opens the same organization',
                severity="warning",
            )
        ]
    if default in ids:
        return []
    return [
        Diagnostic(
            package.where(organizations),
            f'<organizations default="{default}"> does not name an <organization>',
            "set default to the identifier of an organization: " + ", ".join(map(str, ids)),
        )
    ]


def _check_items(root: Any, resources: dict[str, Any], package: _Package) -> list[Diagnostic]:
    """Each item's identifierref names a launchable resource; masteryscore is 0-100."""
    diagnostics: list[Diagnostic] = []
    for item in root.iter(_cp("item")):
        name = f'<item identifier="{item.get("identifier")}">'
        ref = item.get("identifierref")
        resource = resources.get(ref) if ref is not None else None
        if ref is not None and resource is None:
            near = difflib.get_close_matches(ref, [str(r) for r in resources], n=1)
            hint = f"did you mean '{near[0]}'?" if near else "add that <resource> or fix the name"
            diagnostics.append(
                Diagnostic(
                    package.where(item),
                    f"{name} points at resource '{ref}', which does not exist",
                    "identifierref must equal the identifier of a <resource>; " + hint,
                )
            )
        elif resource is not None and not (resource.get("href") or "").strip():
            diagnostics.append(
                Diagnostic(
                    package.where(item),
                    f"{name} launches resource '{ref}', which has no href",
                    'give the <resource> the file to launch, e.g. href="index.html"',
                )
            )
        diagnostics += [_check_masteryscore(m, package) for m in item.findall(_adl("masteryscore"))]
    return [d for d in diagnostics if d.message]


def _check_masteryscore(element: Any, package: _Package) -> Diagnostic:
    """adlcp:masteryscore is a number from 0 to 100 (an empty message means fine)."""
    value = (element.text or "").strip()
    hint = "write a percentage from 0 to 100, e.g. 80 (no % sign)"
    if not _NUMBER.match(value):
        message = f"<adlcp:masteryscore> '{value}' is not a number"
    elif not 0 <= float(value) <= 100:
        message = f"<adlcp:masteryscore> {value} is outside 0-100"
    else:
        return Diagnostic(package.where(element), "")
    if _NUMBER.match(value) and 0 < float(value) <= 1:
        hint = f"SCORM 1.2 mastery scores are percentages: did you mean {float(value) * 100:g}?"
    return Diagnostic(package.where(element), message, hint)


def _check_scormtypes(root: Any, resources: list[Any], package: _Package) -> list[Diagnostic]:
    """Every resource says sco or asset, and at least one is a SCO."""
    diagnostics = _missing_scormtypes(resources, package)
    values = [r.get(_adl("scormtype")) for r in resources]
    if any(value != "asset" for value in values):
        return diagnostics  # a SCO, or a missing/bad scormtype already reported
    where = root.find(_cp("resources"))
    return [
        Diagnostic(
            package.where(where if where is not None else root),
            'no resource is a SCO (adlcp:scormtype="sco"): the LMS will track nothing',
            'mark the resource that is launched adlcp:scormtype="sco"',
        )
    ]


def _missing_scormtypes(resources: list[Any], package: _Package) -> list[Diagnostic]:
    """Resources with no adlcp:scormtype; misspelt ones are left to the XSD."""
    diagnostics = []
    for resource in resources:
        names = {str(key).rsplit("}", 1)[-1].lower() for key in resource.attrib}
        if resource.get(_adl("scormtype")) is None and "scormtype" not in names:
            diagnostics.append(
                Diagnostic(
                    package.where(resource),
                    f'<resource identifier="{resource.get("identifier")}"> has no '
                    "adlcp:scormtype; LMSs treat it as an untracked asset",
                    'add adlcp:scormtype="sco" to the launched resource and "asset" to the rest',
                )
            )
    return diagnostics


def _check_resource_files(root: Any, package: _Package) -> list[Diagnostic]:
    """Resource and file hrefs exist in the zip; zip files are listed; schemaLocation XSDs ship."""
    resources = root.find(_cp("resources"))
    base = resources.get(XML_BASE, "") if resources is not None else ""
    listed: set[str] = set()
    diagnostics: list[Diagnostic] = []
    for resource in root.iter(_cp("resource")):
        resource_base = base + resource.get(XML_BASE, "")
        name = f'<resource identifier="{resource.get("identifier")}">'
        references = [(resource, f"{name} href")]
        references += [(f, f"{name} <file> href") for f in resource.findall(_cp("file"))]
        for element, what in references:
            href = element.get("href")
            if href is not None:
                diagnostics += _check_href(href, resource_base, element, what, listed, package)
    schemas, found = _check_schema_locations(root, package)
    anchor = resources if resources is not None else root
    return diagnostics + found + _check_unlisted(listed | schemas, anchor, package)


def _check_href(
    href: str, base: str, element: Any, what: str, seen: set[str], package: _Package
) -> list[Diagnostic]:
    """One relative href must name a file in the zip; each missing path is reported once."""
    path = package.resolve(href, base)
    if path is None or path in seen:
        return []
    seen.add(path)
    if path == "/":
        return [
            Diagnostic(
                package.where(element),
                f"{what} '{href}' points outside the package",
                "use a path relative to the manifest, without '..' or a leading '/'",
            )
        ]
    if path in package.files:
        return []
    return [
        Diagnostic(
            package.where(element),
            f"{what} '{href}' is not in the package",
            package.suggest(path),
        )
    ]


def _check_schema_locations(root: Any, package: _Package) -> tuple[set[str], list[Diagnostic]]:
    """XSDs named in xsi:schemaLocation should ship in the zip (warning)."""
    tokens = (root.get(f"{{{XSI_NS}}}schemaLocation") or "").split()
    found: set[str] = set()
    diagnostics = []
    for location in tokens[1::2]:
        path = package.resolve(location)
        if path is None or path == "/":
            continue
        found.add(path)
        if path not in package.files:
            diagnostics.append(
                Diagnostic(
                    package.where(root),
                    f"xsi:schemaLocation names '{location}', which is not in the package",
                    "ship the SCORM 1.2 XSDs next to imsmanifest.xml (scormbuild build does)",
                    severity="warning",
                )
            )
    return found, diagnostics


def _check_unlisted(listed: set[str], anchor: Any, package: _Package) -> list[Diagnostic]:
    """Files in the zip that no <resource> lists (warning; strict LMSs copy only listed files)."""
    folder = posixpath.dirname(posixpath.normpath(package.manifest))
    shipped = (*SCHEMA_NAMES["scorm12"], *MANIFEST_NAMES.values())
    expected = {posixpath.join(folder, name) for name in shipped}
    expected.add(posixpath.normpath(package.manifest))
    unlisted = sorted(
        path
        for path, name in package.files.items()
        if path not in listed | expected and name not in package.refused
    )
    hint = "list it as <file href> in the <resource> that uses it"
    diagnostics = [
        Diagnostic(
            package.where(anchor),
            f"'{path}' is in the zip but not listed in any <resource>",
            hint,
            severity="warning",
        )
        for path in unlisted[:MAX_UNLISTED_REPORTED]
    ]
    if len(unlisted) > MAX_UNLISTED_REPORTED:
        diagnostics.append(
            Diagnostic(
                package.where(anchor),
                f"{len(unlisted) - MAX_UNLISTED_REPORTED} more files are not listed in any "
                "<resource>",
                hint,
                severity="warning",
            )
        )
    return diagnostics


# --- TinCan and cmi5 --------------------------------------------------------------------------


def _tc(name: str) -> str:
    return f"{{{TINCAN_NS}}}{name}"


def _cmi5(name: str) -> str:
    return f"{{{CMI5_NS}}}{name}"


def _check_tincan(root: Any, package: _Package) -> list[Diagnostic]:
    """Exactly one activity has <launch>; ids are absolute IRIs; the launch file exists."""
    activities = list(root.iter(_tc("activity")))
    diagnostics = _check_ids(activities, "activity", package)
    launchers = [a for a in activities if a.find(_tc("launch")) is not None]
    if not launchers:
        missing = Diagnostic(
            package.where(root),
            "no <activity> has a <launch>: the LMS has nothing to start",
            'add <launch lang="en-US">index.html</launch> to the course activity',
        )
        return [*diagnostics, missing]
    diagnostics += [
        Diagnostic(
            package.where(extra),
            f'<activity id="{extra.get("id")}"> also has a <launch>; a TinCan package has '
            "exactly one launchable activity",
            "keep <launch> only on the course activity",
        )
        for extra in launchers[1:]
    ]
    seen: set[str] = set()
    for launch in launchers[0].findall(_tc("launch")):
        diagnostics += _check_href(launch.text or "", "", launch, "<launch>", seen, package)
    return diagnostics


def _check_cmi5(root: Any, package: _Package) -> list[Diagnostic]:
    """Ids are unique absolute IRIs; relative AU urls name files in the zip."""
    named = [
        el
        for el in _elements(root)
        if el.tag in {_cmi5("course"), _cmi5("au"), _cmi5("block")}
        or (el.tag == _cmi5("objective") and el.get("id") is not None)
    ]
    diagnostics = _check_ids(named, "cmi5", package)
    seen: set[str] = set()
    for au in root.iter(_cmi5("au")):
        url = au.find(_cmi5("url"))
        if url is not None and (url.text or "").strip():
            diagnostics += _check_href(url.text, "", url, "<au> <url>", seen, package)
    return diagnostics


def _check_ids(elements: list[Any], standard: str, package: _Package) -> list[Diagnostic]:
    """Each element's id is present, an absolute IRI (scheme, no spaces) and unique."""
    example = "https://example.com/courses/intro/lesson-1"
    first_line: dict[str, int | None] = {}
    diagnostics = []
    for element in elements:
        tag = element.tag.rsplit("}", 1)[-1]
        raw = element.get("id")
        if raw is None:
            if standard == "activity":  # cmi5's XSD requires the id; TinCan's does not
                diagnostics.append(
                    Diagnostic(package.where(element), f"<{tag}> has no id", f'add id="{example}"')
                )
            continue
        value = raw.strip()  # LMSs strip surrounding whitespace on import (cmi5 section 13)
        if not _ABSOLUTE_IRI.match(value):
            diagnostics.append(
                Diagnostic(
                    package.where(element),
                    f"<{tag}> id '{raw}' is not an absolute IRI",
                    f"ids need a scheme and no spaces, e.g. {example}",
                )
            )
        elif value in first_line:
            diagnostics.append(
                Diagnostic(
                    package.where(element),
                    f"<{tag}> id '{value}' is already used on line {first_line[value]}",
                    "every id must be unique within the package",
                )
            )
        else:
            first_line[value] = element.sourceline
    return diagnostics
