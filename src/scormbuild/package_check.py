"""Validate a package zip the way the strictest LMS importers do (`scormbuild validate`).

A zip given to validate is untrusted (docs/architecture.md, threat model). Nothing is ever
extracted to disk and nothing is followed: the file must be a regular file (checked before it is
opened, so a FIFO or /dev/zero is refused unread), its size is bounded, and its zip structures are
read by this module, not trusted: the end record must agree with the central directory, every
local header with its directory entry, and no two entries may share bytes. Every entry that passes
is then inflated once, in memory and in chunks, and must give exactly the bytes and CRC its header
declares (never more: reading stops there). Zip-level problems are located at the zip file's name;
manifest problems at the manifest's archive path and line.
"""

from __future__ import annotations

import difflib
import os
import posixpath
import re
import stat
import struct
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal
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

# Limits. Each one is far above what a course package needs and low enough that validate (and an
# LMS that unpacks what validate passed) stays within a CI runner's memory, disk and time.
MAX_ENTRIES = 10_000  # a course of 200 lessons with media has a few hundred files
MAX_TOTAL_SIZE = 2 * 1024**3  # 2 GiB unpacked: more than any LMS upload limit we know of
MAX_PACKAGE_SIZE = MAX_TOTAL_SIZE  # the zip itself, refused unread: it cannot be bigger than
#   what it may unpack to (give or take its headers)
MAX_DIRECTORY_SIZE = MAX_ENTRIES * 1024  # central directory: 1 KiB of name and extras per entry
MAX_RATIO = 200  # per entry: text deflates 3-10:1, images and media about 1:1
RATIO_FLOOR = 64 * 1024  # entries up to this size may compress better (a page of spaces)
MAX_TOTAL_RATIO = 100  # the whole zip: catches many small entries that stay under RATIO_FLOOR
TOTAL_RATIO_FLOOR = 64 * 1024**2  # a small package may compress well; its total is harmless
MAX_MANIFEST_SIZE = 16 * 1024**2
MAX_UNLISTED_REPORTED = 20
MAX_ENTRY_FAULTS_REPORTED = 5  # entries named per fault; a bomb's 1,900 would drown the report
READ_CHUNK = 64 * 1024  # bytes read or inflated at a time: memory stays flat whatever the zip says

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_KIND_ORDER: tuple[PackageKind, ...] = ("scorm12", "cmi5", "tincan")
_SCORM2004_VERSIONS = {"1.3", "CAM 1.3", "2004 3rd Edition", "2004 4th Edition"}
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
# What a browser ignores in a URL (WHATWG URL standard, "basic URL parser"): leading and trailing
# C0 controls and spaces, and tabs and newlines anywhere. `  JaVaScRiPt:` and `java&#x09;script:`
# (lxml has already turned the reference into a tab) are both javascript: URLs to a browser.
_URL_TRIM = "".join(map(chr, range(0x21)))
_URL_IGNORED = re.compile("[\t\n\r]")
# Launch URLs may be relative paths into the package or, for content hosted elsewhere, http(s)
# addresses (cmi5 section 13.1.4 allows absolute AU urls; SCORM 1.2 and TinCan launch any URL).
# Every other scheme (javascript:, vbscript:, data:, file:, blob: ...) runs code in the LMS's
# page or reads the learner's disk.
WEB_SCHEMES = frozenset({"http", "https"})


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
    opened = _open_package(path, label)
    if isinstance(opened, Diagnostic):
        return PackageReport(path, None, [opened])
    handle, size = opened
    try:
        with handle:
            kind, diagnostics = _check_archive(_Zip(handle, size), label)
    except _Unreadable as error:
        return PackageReport(path, None, [_zip_error(label, error.message, error.hint)])
    except OSError as error:
        hint = "check the path and that the file is a complete .zip"
        return PackageReport(path, None, [_zip_error(label, f"cannot read the zip: {error}", hint)])
    return PackageReport(path, kind, diagnostics)


_FILE_TYPES = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _open_package(path: Path, label: str) -> tuple[BinaryIO, int] | Diagnostic:
    """Open a regular file of at most MAX_PACKAGE_SIZE, or say why not (nothing else is read).

    The type is checked with stat() before open(): opening a FIFO blocks until a writer comes,
    and a device such as /dev/zero never ends. O_NONBLOCK and fstat() close the race where the
    path is swapped between the two calls.
    """
    hint = "give the path of a package .zip (scormbuild build writes them into dist/)"
    try:
        found = os.stat(path)
    except (OSError, ValueError) as error:
        message = f"cannot read the zip: {error}"
        return _zip_error(label, message, "check the path and that the file is a complete .zip")
    refused = _refuse_file(found, label, hint)
    if refused is not None:
        return refused
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError as error:
        return _zip_error(label, f"cannot read the zip: {error}", hint)
    handle = os.fdopen(descriptor, "rb")
    opened = os.fstat(descriptor)
    refused = _refuse_file(opened, label, hint)
    if refused is not None:
        handle.close()
        return refused
    return handle, opened.st_size


def _refuse_file(found: os.stat_result, label: str, hint: str) -> Diagnostic | None:
    """A diagnostic when the stat result is not a regular file within MAX_PACKAGE_SIZE."""
    if not stat.S_ISREG(found.st_mode):
        what = next((name for test, name in _FILE_TYPES if test(found.st_mode)), "not a file")
        message = f"this is {what}, not a zip file; validate reads only regular files"
        return _zip_error(label, message, hint)
    if found.st_size > MAX_PACKAGE_SIZE:
        return _zip_error(
            label,
            f"the file is {_size(found.st_size)}; packages over {_size(MAX_PACKAGE_SIZE)} are "
            "refused unread",
            "no LMS accepts a package this big: move large media out of the package",
        )
    return None


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
        url = _clean_url(href)
        if _url_scheme(url) is not None or url.startswith("//"):
            return None
        path = unquote(url.split("#", 1)[0].split("?", 1)[0])
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



def _clean_url(href: str) -> str:
    """The URL a browser reads from `href`: trimmed, tabs and newlines dropped, '\\' as '/'."""
    return _URL_IGNORED.sub("", href.strip(_URL_TRIM)).replace("\\", "/")


def _url_scheme(url: str) -> str | None:
    """The scheme of a cleaned URL, lowercase (`javascript`), or None for a relative one."""
    found = _SCHEME.match(url)
    return found.group(1).lower() if found else None


def _shown(text: str) -> str:
    """Text for a message, with control characters written as escapes (`\\t`, `\\x01`)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# --- the zip structures (APPNOTE.TXT 6.3: 4.3.6 local header, 4.3.12 central directory, -------
# --- 4.3.16 end of central directory, 4.3.14/15 zip64 records, 4.5.3 zip64 extra field) -------

_LOCAL = struct.Struct("<4s5H3L2H")  # signature ... name length, extra length
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR64 = struct.Struct("<4sLQL")
_NO_ZIP = "upload the .zip that scormbuild built; LMSs say 'You must provide a valid zip file'"
_REBUILT = "the zip was damaged or altered after it was made: zip the package again"
_METHODS = {0: "stored", 8: "deflated"}  # all that LMS unzippers (Java, PHP's libzip) agree on
_METHOD_NAMES = {1: "shrunk", 6: "imploded", 9: "deflate64", 12: "bzip2", 14: "LZMA", 93: "zstd"}


class _Unreadable(Exception):
    """The zip cannot be read as one: a single diagnostic is all there is to say."""

    def __init__(self, message: str, hint: str = _NO_ZIP) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(slots=True)
class _Zip:
    """An open package file and its size; every read is bounded and checked."""

    handle: BinaryIO
    size: int

    def read_at(self, offset: int, length: int) -> bytes:
        """Exactly `length` bytes from `offset`; _Unreadable when the file ends first."""
        if offset < 0 or length < 0 or offset + length > self.size:
            raise _Unreadable("not a readable zip: a record points past the end of the file",
                              _REBUILT)
        self.handle.seek(offset)
        data = self.handle.read(length)
        if len(data) != length:
            raise _Unreadable("not a readable zip: the file ended early", _REBUILT)
        return data


@dataclass(frozen=True, slots=True)
class _Entry:
    """One central-directory entry, decoded, with where its local header puts the data."""

    name: str
    raw_name: bytes
    flags: int
    method: int
    crc: int
    compress_size: int
    file_size: int
    offset: int  # of the local header
    external_attr: int
    zip64: bool

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")


@dataclass(slots=True)
class _Directory:
    """What the zip's own records say: entries, where the directory starts, and problems."""

    entries: list[_Entry]
    start: int  # first byte of the central directory
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _read_directory(zf: _Zip, label: str) -> _Directory:
    """Parse the end record(s) and the central directory; _Unreadable when they disagree."""
    tail_length = min(zf.size, _END.size + 0xFFFF)
    tail = zf.read_at(zf.size - tail_length, tail_length)
    found = tail.rfind(b"PK\x05\x06", 0, max(len(tail) - _END.size + 4, 0))
    if found < 0:
        raise _Unreadable("not a readable zip: File is not a zip file")
    end_at = zf.size - tail_length + found
    _, disk, directory_disk, here, count, directory_size, directory_at, comment = _END.unpack_from(
        tail, found
    )
    diagnostics = []
    after = zf.size - (end_at + _END.size + comment)
    if after < 0:
        raise _Unreadable("not a readable zip: its end record is cut short", _REBUILT)
    directory_end = end_at
    disks = 1
    if end_at >= _LOCATOR64.size:
        locator = zf.read_at(end_at - _LOCATOR64.size, _LOCATOR64.size)
        if locator[:4] == b"PK\x06\x07":
            _, locator_disk, end64_at, disks = _LOCATOR64.unpack(locator)
            disks = max(disks, locator_disk + 1)
            record = zf.read_at(end64_at, _END64.size)
            if record[:4] != b"PK\x06\x06":
                raise _Unreadable("not a readable zip: its zip64 end record is missing", _REBUILT)
            fields = _END64.unpack(record)
            disk, directory_disk, here, count, directory_size, directory_at = fields[4:]
            directory_end = end64_at
    if disk or directory_disk or here != count or disks != 1:
        raise _Unreadable(
            "the zip is one part of a split (multi-disk) archive",
            "LMSs read single-file zips only: zip the package again as one file",
        )
    if count > MAX_ENTRIES:
        raise _Unreadable(
            f"the zip has {count} entries; at most {MAX_ENTRIES} are accepted",
            "a course package never needs that many files",
        )
    if directory_size > MAX_DIRECTORY_SIZE:
        raise _Unreadable(
            f"the zip's central directory is {_size(directory_size)}; at most "
            f"{_size(MAX_DIRECTORY_SIZE)} are accepted",
            "a course package never needs names this long: zip the package again",
        )
    if directory_at + directory_size != directory_end:
        raise _Unreadable(
            "the end-of-central-directory record disagrees with the zip: it puts the central "
            f"directory at bytes {directory_at}-{directory_at + directory_size}, but the "
            f"directory ends at byte {directory_end}",
            "data was added before or inside the zip (a self-extractor, or another file "
            "disguised as a zip): zip the package again",
        )
    if after:
        diagnostics.append(
            _zip_error(
                label,
                f"{after} bytes of other data follow the end of the zip",
                "zip readers disagree about such a file (another zip may hide in the data): "
                "zip the package again",
            )
        )
    entries = _read_entries(zf.read_at(directory_at, directory_size), count)
    return _Directory(entries, directory_at, diagnostics)


def _read_entries(directory: bytes, count: int) -> list[_Entry]:
    """The central directory's records; _Unreadable when they disagree with the end record."""
    entries: list[_Entry] = []
    at_byte = 0
    records = 0
    while at_byte < len(directory):
        if directory[at_byte : at_byte + 4] != b"PK\x01\x02" or at_byte + _CENTRAL.size > len(
            directory
        ):
            raise _Unreadable(
                f"not a readable zip: the central directory is damaged after {len(entries)} "
                "entries",
                _REBUILT,
            )
        fields = _CENTRAL.unpack_from(directory, at_byte)
        flags, method, crc, packed, size = fields[3], fields[4], fields[7], fields[8], fields[9]
        name_length, extra_length, comment_length, disk = fields[10:14]
        attributes, offset = fields[15], fields[16]
        start = at_byte + _CENTRAL.size
        raw_name = directory[start : start + name_length]
        extra = directory[start + name_length : start + name_length + extra_length]
        at_byte = start + name_length + extra_length + comment_length
        if at_byte > len(directory):
            raise _Unreadable("not a readable zip: the central directory is cut short", _REBUILT)
        size, packed, offset, disk, zip64 = _zip64_fields(extra, size, packed, offset, disk)
        if disk:
            raise _Unreadable(
                "the zip is one part of a split (multi-disk) archive",
                "LMSs read single-file zips only: zip the package again as one file",
            )
        records += 1
        if records > count:
            continue  # counted, not kept: the directory is refused below
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        entries.append(
            _Entry(name, raw_name, flags, method, crc, packed, size, offset, attributes, zip64)
        )
    if records != count:
        raise _Unreadable(
            f"the end-of-central-directory record says {count} entries, but the central "
            f"directory has {records}",
            "zip readers would disagree about which files the package holds: zip the package "
            "again",
        )
    return entries


def _zip64_fields(
    extra: bytes, size: int, packed: int, offset: int, disk: int
) -> tuple[int, int, int, int, bool]:
    """Replace the 0xFFFFFFFF (0xFFFF) placeholders by the zip64 extra field's values."""
    at_byte = 0
    while at_byte + 4 <= len(extra):
        tag, length = struct.unpack_from("<2H", extra, at_byte)
        body = extra[at_byte + 4 : at_byte + 4 + length]
        at_byte += 4 + length
        if tag != 0x0001:
            continue
        values = iter(struct.unpack_from(f"<{len(body) // 8}Q", body))
        size = next(values, size) if size == 0xFFFFFFFF else size
        packed = next(values, packed) if packed == 0xFFFFFFFF else packed
        offset = next(values, offset) if offset == 0xFFFFFFFF else offset
        if disk == 0xFFFF and len(body) % 8 == 4:
            disk = struct.unpack_from("<L", body, len(body) - 4)[0]
        return size, packed, offset, disk, True
    return size, packed, offset, disk, False


# --- the entries ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Faults:
    """Entry diagnostics grouped by fault; at most MAX_ENTRY_FAULTS_REPORTED named per fault."""

    label: str
    named: dict[str, list[Diagnostic]] = field(default_factory=dict)
    more: Counter[str] = field(default_factory=Counter)
    summaries: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, fault: str, message: str, hint: str, summary: str) -> None:
        """Record one entry's fault; `summary` names what the unnamed rest have in common."""
        named = self.named.setdefault(fault, [])
        if len(named) < MAX_ENTRY_FAULTS_REPORTED:
            named.append(_zip_error(self.label, message, hint))
        else:
            self.more[fault] += 1
            self.summaries[fault] = (summary, hint)

    def diagnostics(self) -> list[Diagnostic]:
        """Every fault's named diagnostics, each followed by a count of the rest."""
        found: list[Diagnostic] = []
        for fault, named in self.named.items():
            found += named
            if self.more[fault]:
                summary, hint = self.summaries[fault]
                found.append(_zip_error(self.label, f"{self.more[fault]} more {summary}", hint))
        return found


def _check_entries(
    zf: _Zip, directory: _Directory, label: str
) -> tuple[list[Diagnostic], set[int], set[str], bool]:
    """Refuse hostile entries (never read or followed).

    Returns the diagnostics, the indexes of hostile entries, duplicated names, and whether the
    zip as a whole is too big to read at all.
    """
    entries = directory.entries
    faults = _Faults(label)
    hostile: set[int] = set()
    for index, entry in enumerate(entries):
        if _check_entry(entry, faults):
            hostile.add(index)
    hostile |= _check_layout(zf, directory, faults)
    diagnostics = faults.diagnostics()
    counts = Counter(entry.name for entry in entries)
    duplicated = {name for name, count in counts.items() if count > 1}
    repeated = _Faults(label)
    for name in sorted(duplicated):
        repeated.add(
            "duplicate",
            f"entry '{name}' appears {counts[name]} times",
            "which copy an LMS unpacks is undefined: build the zip again",
            "entry names appear more than once",
        )
    diagnostics += repeated.diagnostics()
    diagnostics += _check_case_collisions(counts, label)
    diagnostics += _check_file_folder_clashes(counts, label)
    too_big = _check_totals(entries, zf.size, label)
    return diagnostics + too_big, hostile, duplicated, bool(too_big)


def _check_entry(entry: _Entry, faults: _Faults) -> bool:
    """Record problems with one entry's name and header; True when it must not be read."""
    name = entry.name
    parts = re.split(r"[/\\]", name)
    mode = entry.external_attr >> 16
    kind = stat.S_IFMT(mode)
    links = "links can point outside the package"
    checks = [
        (
            "absolute",
            name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) is not None,
            f"entry '{name}' has an absolute path",
            "paths in a package must be relative to the zip root; an absolute path can "
            "overwrite files on the server",
            "entries have an absolute path",
        ),
        (
            "dotdot",
            ".." in parts,
            f"entry '{name}' climbs out of the package with '..'",
            "this is a 'zip slip' attack pattern; build the zip from inside the course folder",
            "entries climb out of the package with '..'",
        ),
        (
            "backslash",
            "\\" in name,
            f"entry '{name}' contains a backslash",
            "zip folder separators must be '/'; re-create the zip with a standard tool",
            "entries contain a backslash",
        ),
        (
            "nul",
            "\x00" in name,
            f"entry {name!r} has a NUL character in its name",
            "zip readers cut the name there and unpack a different file: rename it",
            "entries have a NUL character in their name",
        ),
        (
            "symlink",
            stat.S_ISLNK(mode),
            f"entry '{name}' is a symbolic link",
            f"store the real file instead: {links}",
            "entries are symbolic links",
        ),
        (
            "special",
            kind not in {0, stat.S_IFREG, stat.S_IFDIR, stat.S_IFLNK},
            f"entry '{name}' is {_special_kind(mode)}, not a file",
            "a package holds only files and folders; an LMS that unpacks it would create a "
            "device or pipe on its server: zip the package again from regular files",
            "entries are devices, pipes or sockets",
        ),
        (
            "encrypted",
            bool(entry.flags & 0x1),
            f"entry '{name}' is encrypted",
            "LMSs cannot read password-protected zips; zip without a password",
            "entries are encrypted",
        ),
        (
            "ratio",
            entry.file_size > RATIO_FLOOR
            and entry.file_size > MAX_RATIO * max(entry.compress_size, 1),
            f"entry '{name}' would expand from {_size(entry.compress_size)} to "
            f"{_size(entry.file_size)} (more than {MAX_RATIO}:1)",
            "this looks like a zip bomb and is refused",
            f"entries would expand more than {MAX_RATIO}:1",
        ),
        (
            "method",
            entry.method not in _METHODS and not entry.is_dir,
            f"entry '{name}' is compressed with "
            f"{_METHOD_NAMES.get(entry.method, f'method {entry.method}')}",
            "LMSs unzip only stored or deflated entries: zip the package again with the "
            "standard (deflate) compression",
            "entries use a compression other than deflate",
        ),
    ]
    failed = [(fault, message, hint, more) for fault, bad, message, hint, more in checks if bad]
    for fault, message, hint, more in failed:
        faults.add(fault, message, hint, more)
    return bool(failed)


def _special_kind(mode: int) -> str:
    for test, name in _FILE_TYPES:
        if test(mode):
            return name
    return f"of file type {stat.S_IFMT(mode):#o}"


def _check_layout(zf: _Zip, directory: _Directory, faults: _Faults) -> set[int]:
    """Each entry has its own bytes, and a local header that agrees with the directory.

    Returns the indexes of the entries to refuse. Overlaps are looked for first: entries that
    share one local header or one compressed stream are the classic zip bomb (a small zip that
    unpacks the same data many times), whatever their headers say.
    """
    refused: set[int] = set()
    spans: list[tuple[int, int, int]] = []  # start, end, entry index
    headers: dict[int, tuple[Any, ...]] = {}
    for index, entry in enumerate(directory.entries):
        found = _local_header(zf, entry, directory.start, faults)
        if found is None:
            refused.add(index)
            continue
        headers[index], end = found
        spans.append((entry.offset, end, index))
    spans.sort()
    if spans and spans[0][0] > 0:
        faults.add(
            "prepended",
            f"{spans[0][0]} bytes of other data come before the first entry",
            "zip readers disagree about such a file (it may be a program or a web page "
            "disguised as a zip): zip the package again",
            "",
        )
    holder: tuple[int, int, int] | None = None  # the span reaching furthest so far
    for span in spans:
        start, end, index = span
        if holder is not None and start < holder[1]:
            other = directory.entries[holder[2]].name
            name = directory.entries[index].name
            shares = "shares its data with" if start == holder[0] else "overlaps"
            faults.add(
                "overlap",
                f"entry '{name}' {shares} entry '{other}' (bytes {start}-{end})",
                "overlapping entries make a small zip unpack to far more (a zip bomb): it is "
                "refused; zip the package again",
                "entries overlap another entry",
            )
            refused |= {index, holder[2]}
        if holder is None or end > holder[1]:
            holder = span
    for index, header in headers.items():
        if index not in refused and not _local_header_agrees(directory.entries[index], header,
                                                             faults):
            refused.add(index)
    return refused


def _local_header(
    zf: _Zip, entry: _Entry, limit: int, faults: _Faults
) -> tuple[tuple[Any, ...], int] | None:
    """The entry's local header fields and the end of its bytes; None (a fault) if it has none."""
    summary = "entries disagree with their local header"
    where = None
    if entry.offset + _LOCAL.size > limit:
        where = "past the entries"
    else:
        fields = _LOCAL.unpack(zf.read_at(entry.offset, _LOCAL.size))
        if fields[0] != b"PK\x03\x04":
            where = "where there is no local header"
    if where is not None:
        faults.add(
            "local", f"entry '{entry.name}' points at byte {entry.offset}, {where}", _REBUILT,
            summary,
        )
        return None
    name_length, extra_length = fields[9], fields[10]
    end: int = entry.offset + _LOCAL.size + name_length + extra_length + entry.compress_size
    if entry.flags & 0x8:  # sizes and CRC follow the data (4.3.9), with an optional signature
        signed = end + 4 <= limit and zf.read_at(end, 4) == b"PK\x07\x08"
        end += 4 * signed + (20 if entry.zip64 else 12)
    if end > limit:
        faults.add(
            "local",
            f"entry '{entry.name}' runs {end - limit} bytes into the central directory",
            _REBUILT,
            summary,
        )
        return None
    raw_name = zf.read_at(entry.offset + _LOCAL.size, name_length)
    return (*fields, raw_name), end


def _local_header_agrees(entry: _Entry, header: tuple[Any, ...], faults: _Faults) -> bool:
    """True when the local header says what the central directory says (or a fault)."""
    flags, method, crc, packed, size, raw_name = header[2], header[3], *header[6:9], header[11]
    described = bool(entry.flags & 0x8)
    differences = [
        (raw_name != entry.raw_name, "names"),
        (method != entry.method, "compression methods"),
        (bool(flags & 0x8) != described, "layouts (data descriptor flag)"),
        (not described and crc != entry.crc, "CRC-32s"),
        (
            not described
            and 0xFFFFFFFF not in (packed, size)
            and (packed, size) != (entry.compress_size, entry.file_size),
            "sizes",
        ),
    ]
    different = next((what for bad, what in differences if bad), None)
    if different is None:
        return True
    faults.add(
        "local",
        f"entry '{entry.name}': its local header (byte {entry.offset}) and the central "
        f"directory give different {different}",
        "zip readers would unpack different files from it: zip the package again",
        "entries disagree with their local header",
    )
    return False


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


def _check_file_folder_clashes(counts: Counter[str], label: str) -> list[Diagnostic]:
    """A name that is a file and also a folder of other entries cannot be unpacked."""
    files = {name for name in counts if not name.endswith("/")}
    clashes = sorted(
        {prefix for name in counts for prefix in _folders_of(name) if prefix in files}
    )
    return [
        _zip_error(
            label,
            f"'{name}' is a file and also a folder of other entries",
            "no disk can hold both: rename the file or the folder",
        )
        for name in clashes
    ]


def _folders_of(name: str) -> Iterator[str]:
    """The folder paths an entry name implies: 'a/b/c' -> 'a', 'a/b'; 'a/b/' -> 'a', 'a/b'."""
    parts = name.rstrip("/").split("/")
    for stop in range(1, len(parts) + name.endswith("/")):
        yield "/".join(parts[:stop])


def _check_totals(entries: list[_Entry], package_size: int, label: str) -> list[Diagnostic]:
    """The whole zip unpacks to at most MAX_TOTAL_SIZE, and to at most MAX_TOTAL_RATIO its size."""
    total = sum(entry.file_size for entry in entries)
    bomb = "this looks like a zip bomb; move large media out of the package"
    if total > MAX_TOTAL_SIZE:
        return [
            _zip_error(
                label,
                f"the entries would unpack to {_size(total)}; at most {_size(MAX_TOTAL_SIZE)} "
                "are accepted",
                bomb,
            )
        ]
    if total > TOTAL_RATIO_FLOOR and total > MAX_TOTAL_RATIO * package_size:
        return [
            _zip_error(
                label,
                f"the entries would unpack to {_size(total)} from a zip of "
                f"{_size(package_size)} (more than {MAX_TOTAL_RATIO}:1)",
                bomb,
            )
        ]
    return []


def _size(count: int) -> str:
    """A byte count in words: `3.0 GiB`, `2.0 MiB`, `512 bytes`."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


# --- reading entries --------------------------------------------------------------------------


class _Damaged(Exception):
    """An entry's bytes do not match its header (the message says how)."""


def _entry_chunks(zf: _Zip, entry: _Entry) -> Iterator[bytes]:
    """The entry's unpacked bytes, READ_CHUNK at a time; never more than its header declares.

    Raises _Damaged when the data gives more or fewer bytes, or another CRC, than declared.
    """
    header = zf.read_at(entry.offset, _LOCAL.size)
    name_length, extra_length = struct.unpack_from("<2H", header, 26)
    start = entry.offset + _LOCAL.size + name_length + extra_length
    crc = 0
    produced = 0
    for chunk in _unpack(zf, entry, start):
        produced += len(chunk)
        if produced > entry.file_size:
            declared = entry.file_size
            raise _Damaged(f"it unpacks to more than the {declared} bytes its header declares")
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if produced != entry.file_size:
        raise _Damaged(f"it unpacks to {produced} bytes; its header declares {entry.file_size}")
    if crc != entry.crc:
        raise _Damaged("its CRC-32 does not match its data")


def _unpack(zf: _Zip, entry: _Entry, start: int) -> Iterator[bytes]:
    """Stored or deflated bytes of one entry, inflated with a bounded output per step."""
    if entry.method == 0:
        for offset in range(start, start + entry.compress_size, READ_CHUNK):
            yield zf.read_at(offset, min(READ_CHUNK, start + entry.compress_size - offset))
        return
    inflater = zlib.decompressobj(-15)
    left, offset = entry.compress_size, start
    pending = b""
    while not inflater.eof:
        if not pending and left:
            pending = zf.read_at(offset, min(READ_CHUNK, left))
            offset += len(pending)
            left -= len(pending)
        try:
            out = inflater.decompress(pending, READ_CHUNK)
        except zlib.error as error:
            raise _Damaged(f"its deflated data is damaged ({error})") from None
        pending = inflater.unconsumed_tail
        if not out and not pending and not left and not inflater.eof:
            raise _Damaged("its deflated data is cut short")
        yield out


def _read_contents(
    zf: _Zip, entries: list[_Entry], skip: set[int], manifest: str | None, label: str
) -> tuple[bytes | None, list[Diagnostic]]:
    """Inflate every entry not in `skip` once, checking it; keep the manifest's bytes."""
    data: bytes | None = None
    faults = _Faults(label)
    unread: list[Diagnostic] = []
    for index, entry in enumerate(entries):
        if index in skip or entry.is_dir:
            continue
        is_manifest = entry.name == manifest
        if is_manifest and entry.file_size > MAX_MANIFEST_SIZE:
            continue  # reported as too big; never read
        kept: list[bytes] = []
        try:
            for chunk in _entry_chunks(zf, entry):
                if is_manifest:
                    kept.append(chunk)
        except _Damaged as error:
            if is_manifest:
                message = f"cannot read the manifest '{entry.name}' from the zip: {error}"
                unread.append(_zip_error(label, message, "the zip is damaged: build it again"))
                continue
            faults.add(
                "damaged",
                f"entry '{entry.name}' is damaged: {error}",
                "an LMS would refuse or mangle it: zip the package again",
                "entries are damaged",
            )
            continue
        if is_manifest:
            data = b"".join(kept)
    return data, faults.diagnostics() + unread


# --- the package ------------------------------------------------------------------------------


def _check_archive(zf: _Zip, label: str) -> tuple[PackageKind | None, list[Diagnostic]]:
    """The zip structures, the entries, then find, read and check the manifest."""
    directory = _read_directory(zf, label)
    entries = directory.entries
    found, hostile, duplicated, too_big = _check_entries(zf, directory, label)
    diagnostics = directory.diagnostics + found
    kind, member, located = _find_manifest(entries, label)
    diagnostics += located
    refused = {entries[i].name for i in hostile} | duplicated
    if too_big:
        return kind, diagnostics  # no byte of a bomb is inflated
    skip = hostile | {i for i, e in enumerate(entries) if e.name in duplicated}
    manifest = member if member is not None and member not in refused else None
    data, read = _read_contents(zf, entries, skip, manifest, label)
    diagnostics += read
    if kind is None or manifest is None:
        return kind, diagnostics  # refused entries are never read
    info = next(e for e in entries if e.name == manifest)
    if info.file_size > MAX_MANIFEST_SIZE:
        message = f"the manifest '{member}' is larger than {_size(MAX_MANIFEST_SIZE)}"
        return kind, [
            *diagnostics,
            _zip_error(label, message, "a manifest is a small XML file; build the package again"),
        ]
    if data is None:
        return kind, diagnostics
    package = _Package(
        manifest=manifest,
        base=posixpath.dirname(manifest) + "/" if "/" in manifest else "",
        files={posixpath.normpath(e.name): e.name for e in entries if not e.is_dir},
        refused=frozenset(entries[i].name for i in hostile),
    )
    checked = _check_manifest(kind, data, package)
    return kind, diagnostics + sorted(
        checked, key=lambda d: (d.where.line or 0, d.where.column or 0)
    )


def _find_manifest(
    entries: list[_Entry], label: str
) -> tuple[PackageKind | None, str | None, list[Diagnostic]]:
    """The package kind and manifest entry, with a diagnostic when it is misplaced or misnamed."""
    names = sorted({entry.name for entry in entries if not entry.is_dir})
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
    folders = {f for entry in entries for f in _folders_of(entry.name) if "/" not in f}
    posing = sorted(f for f in folders if f.lower() in kinds_by_name)
    if posing:
        return None, None, [
            _zip_error(
                label,
                f"'{posing[0]}/' is a folder, not a manifest file: an LMS finds no manifest in "
                "this zip",
                "the manifest must be a file at the zip root: imsmanifest.xml (SCORM 1.2), "
                "cmi5.xml (cmi5) or tincan.xml (TinCan); build the package with "
                "`scormbuild build`",
            )
        ]
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
    """A relative href names a file in the zip (each missing path reported once); a URL with a
    scheme must be http(s): javascript:, data:, file: ... are refused wherever they appear."""
    scheme = _url_scheme(_clean_url(base + href))
    if scheme in WEB_SCHEMES:
        return []
    if scheme is not None:
        under = f" (under xml:base '{_shown(base)}')" if base else ""
        # one letter before ':' is a browser's URL scheme too, but a person meant a drive
        kind = f"a path on the Windows drive {scheme.upper()}:" if len(scheme) == 1 else (
            f"a {scheme}: URL"
        )
        return [
            Diagnostic(
                package.where(element),
                f"{what} '{_shown(href)}'{under} is {kind}, not a file in the package "
                "or an http(s) address",
                "launch and file URLs must be paths inside the package (or https:// addresses): "
                "javascript:, vbscript:, data: and file: URLs run code in the LMS's page or open "
                "files on the learner's computer",
            )
        ]
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
