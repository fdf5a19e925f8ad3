"""Tests for scormbuild.package_check: one broken package per fault, good packages, fuzzing."""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scormbuild.package_check import PackageReport, validate_package


def load_cases() -> ModuleType:
    """Import tests/fixtures/packages/cases.py by path (tests/ is not a package)."""
    path = Path(__file__).parent / "fixtures" / "packages" / "cases.py"
    spec = importlib.util.spec_from_file_location("package_cases", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


cases = load_cases()


def write_package(directory: Path, name: str, data: bytes) -> Path:
    """Write package bytes as `<name>.zip` in directory."""
    path = directory / f"{name}.zip"
    path.write_bytes(data)
    return path


def rendered(report: PackageReport) -> list[str]:
    """The report's diagnostics rendered, with the zip's name as `{zip}`."""
    return [d.render().replace(report.path.name, "{zip}") for d in report.diagnostics]


def test_corpus_has_a_case_per_fault() -> None:
    names = [case.name for case in cases.CASES]
    assert len(names) == len(set(names)) >= 25
    assert set(names) == set(cases.EXPECTED)


@pytest.mark.parametrize("case", cases.CASES, ids=lambda case: case.name)
def test_broken_package_reports_its_fault(case: object, tmp_path: Path) -> None:
    path = write_package(tmp_path, case.name, cases.case_bytes(case))  # type: ignore[attr-defined]
    report = validate_package(path)
    assert rendered(report) == list(cases.EXPECTED[case.name])  # type: ignore[attr-defined]
    assert report.diagnostics, "every case in the corpus has a fault"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("good-scorm12", "scorm12"),
        ("good-tincan", "tincan"),
        ("good-cmi5", "cmi5"),
        ("good-cmi5-external-au", "cmi5"),
    ],
)
def test_good_package_has_no_diagnostics(name: str, kind: str, tmp_path: Path) -> None:
    report = validate_package(write_package(tmp_path, name, cases.build_zip(cases.GOOD[name])))
    assert (report.kind, rendered(report), report.ok) == (kind, [], True)


def test_hostile_entries_are_never_extracted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = [c for c in cases.CASES if c.name.startswith(("zip-", "manifest-is-symlink"))]
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for case in hostile:
        validate_package(write_package(tmp_path, case.name, cases.case_bytes(case)))
    assert list(work.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["work", *(f"{c.name}.zip" for c in hostile)]
    )


def test_missing_path_and_directory_are_reported(tmp_path: Path) -> None:
    missing = validate_package(tmp_path / "nope.zip")
    assert (missing.kind, missing.ok) == (None, False)
    assert rendered(missing)[0].startswith("{zip}: error: cannot read the zip: [Errno 2]")
    folder = validate_package(tmp_path)
    assert folder.ok is False


def test_to_json_lists_diagnostics(tmp_path: Path) -> None:
    case = next(c for c in cases.CASES if c.name == "unlisted-file")
    report = validate_package(write_package(tmp_path, case.name, cases.case_bytes(case)))
    assert report.to_json() == {
        "path": str(tmp_path / "unlisted-file.zip"),
        "kind": "scorm12",
        "ok": True,
        "errors": 0,
        "warnings": 1,
        "diagnostics": [
            {
                "path": "imsmanifest.xml",
                "line": 20,
                "column": None,
                "severity": "warning",
                "message": "'notes/draft.html' is in the zip but not listed in any <resource>",
                "hint": "list it as <file href> in the <resource> that uses it",
            }
        ],
    }


def test_many_unlisted_files_are_summarised(tmp_path: Path) -> None:
    extra = [cases.Entry(f"notes/n{i:02}.txt", b"x") for i in range(25)]
    path = write_package(tmp_path, "many", cases.build_zip(cases.scorm12("", "", *extra)))
    lines = rendered(validate_package(path))
    assert len(lines) == 21
    assert lines[-1] == (
        "imsmanifest.xml:20: warning: 5 more files are not listed in any <resource>\n"
        "    hint: list it as <file href> in the <resource> that uses it"
    )


# --- property: any zip gives a report, never an exception ---------------------------------

NAMES = st.one_of(
    st.sampled_from(
        [
            "imsmanifest.xml",
            "tincan.xml",
            "cmi5.xml",
            "IMSMANIFEST.XML",
            "a/imsmanifest.xml",
            "./imsmanifest.xml",
            "../x",
            "/abs",
            "a\\b",
            "index.html",
            "dir/",
            "",
        ]
    ),
    st.text(alphabet="ab./\\:\x00é ", min_size=1, max_size=12),
)
FRAGMENTS = st.sampled_from(
    [
        cases.SCORM12_MANIFEST,
        cases.TINCAN_MANIFEST,
        cases.CMI5_MANIFEST,
        '<?xml version="1.0"?>',
        '<manifest xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2">',
        "</manifest>",
        '<resource identifier="R" adlcp:scormtype="sco" href="../x?y#z"/>',
        '<item identifier="I" identifierref="R"><title>x</title></item>',
        "<adlcp:masteryscore>1e400</adlcp:masteryscore>",
        '<tincan xmlns="http://projecttincan.com/tincan.xsd"><activities><activity>',
        "<launch>%zz/../..</launch>",
        '<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">',
        "<au id=' '><url>http://[::1</url></au>",
        '<!DOCTYPE x [<!ENTITY a "b">]>',
        "&eacute;&amp;&#0;",
        "\x00\xff",
        "<",
    ]
)
CONTENT = st.one_of(
    st.binary(max_size=64),
    st.lists(FRAGMENTS, max_size=6).map(lambda parts: "".join(parts).encode("utf-8", "replace")),
)
ENTRIES = st.lists(
    st.tuples(NAMES, CONTENT, st.sampled_from([None, 0o120777, 0o100644, 0o040755])),
    max_size=8,
)


def zip_entries(entries: list[tuple[str, bytes, int | None]]) -> bytes:
    """Zip (name, data, mode) triples; names zipfile cannot store are skipped."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name or "x")
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(entries=ENTRIES, garble=st.one_of(st.none(), st.tuples(st.integers(0, 400), st.binary())))
def test_any_zip_gives_a_report(
    entries: list[tuple[str, bytes, int | None]], garble: tuple[int, bytes] | None
) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names
        data = zip_entries(entries)
    if garble is not None:
        at, junk = garble
        data = data[:at] + junk + data[at + len(junk) :]
    with tempfile.TemporaryDirectory() as folder:
        path = write_package(Path(folder), "fuzz", data)
        report = validate_package(path)
    assert isinstance(report, PackageReport)
    assert report.kind in {None, "scorm12", "tincan", "cmi5"}
    assert all(d.message for d in report.diagnostics)
    report.to_json()


def test_html_export_is_a_warning_not_an_error(tmp_path: Path) -> None:
    from scormbuild.pipeline import build

    (result,) = build(Path(__file__).parent / "fixtures" / "courses" / "features", ["html"],
                      tmp_path)
    report = validate_package(result.path)
    assert report.ok and report.kind is None
    assert [d.render() for d in report.diagnostics] == [
        "features-1.2.3-html.zip: warning: a plain web export (scormbuild --target html), not an "
        "LMS package: an LMS finds nothing to import in it\n"
        "    hint: host it on any web server for reviewers; upload the scorm12, tincan or cmi5 zip "
        "to an LMS"]


# --- files that are not packages: refused before they are opened or read -------------------

NOT_A_FILE_HINT = "    hint: give the path of a package .zip (scormbuild build writes them into dist/)"


def run_validate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`scormbuild validate ...` in a subprocess; the timeout only guards against a hang."""
    command = [sys.executable, "-m", "scormbuild", "validate", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "course.zip"
    os.mkfifo(fifo)
    report = validate_package(fifo)
    assert (report.kind, report.ok) == (None, False)
    assert rendered(report) == [
        "{zip}: error: this is a named pipe (FIFO), not a zip file; validate reads only regular "
        "files\n" + NOT_A_FILE_HINT
    ]
    result = run_validate(fifo)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines()[0] == (
        f"{fifo}: error: this is a named pipe (FIFO), not a zip file; validate reads only "
        "regular files"
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_dev_zero_is_refused_unread() -> None:
    result = run_validate("/dev/zero")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "/dev/zero: error: this is a character device, not a zip file; validate reads only "
        f"regular files\n{NOT_A_FILE_HINT}\n/dev/zero: unknown kind, 1 error, 0 warnings\n"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_link_to_a_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "course.zip").symlink_to(fifo)
    assert rendered(validate_package(tmp_path / "course.zip"))[0].startswith(
        "{zip}: error: this is a named pipe (FIFO), not a zip file"
    )


def test_a_folder_is_not_a_zip(tmp_path: Path) -> None:
    folder = tmp_path / "course.zip"
    folder.mkdir()
    assert rendered(validate_package(folder)) == [
        "{zip}: error: this is a folder, not a zip file; validate reads only regular files\n"
        + NOT_A_FILE_HINT
    ]


def test_a_file_over_the_size_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.zip"
    with big.open("wb") as handle:
        handle.truncate(3 * 1024**3)  # sparse: takes no disk space
    opened: list[object] = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    assert rendered(validate_package(big)) == [
        "{zip}: error: the file is 3.0 GiB; packages over 2.0 GiB are refused unread\n"
        "    hint: no LMS accepts a package this big: move large media out of the package"
    ]
    assert opened == []


# --- zips that other tools write are read as well as ours --------------------------------------


def test_a_streamed_zip_with_data_descriptors_is_good(tmp_path: Path) -> None:
    class Unseekable(io.RawIOBase):
        """A write-only stream: zipfile then writes sizes after the data (flag bit 3)."""

        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            self.data += b
            return len(b)

    stream = Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in cases.GOOD["good-scorm12"]:
            archive.writestr(entry.name, entry.data)
    with zipfile.ZipFile(io.BytesIO(bytes(stream.data))) as archive:
        assert all(info.flag_bits & 0x8 for info in archive.infolist())
    report = validate_package(write_package(tmp_path, "streamed", bytes(stream.data)))
    assert (report.kind, rendered(report)) == ("scorm12", [])


def test_zip64_entries_are_good(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in cases.GOOD["good-scorm12"]:
            with archive.open(entry.name, "w", force_zip64=True) as handle:
                handle.write(entry.data)
    report = validate_package(write_package(tmp_path, "zip64", buffer.getvalue()))
    assert (report.kind, rendered(report)) == ("scorm12", [])


def test_zip64_end_records_are_read(tmp_path: Path) -> None:
    data = cases.raw_zip(cases.raw_entries(cases.GOOD["good-scorm12"]), zip64_disks=1)
    assert b"PK\x06\x06" in data
    report = validate_package(write_package(tmp_path, "zip64-end", data))
    assert (report.kind, rendered(report)) == ("scorm12", [])


def test_a_zip_comment_is_not_appended_data(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.comment = b"made by an authoring tool PK\x05\x06"
        for entry in cases.GOOD["good-cmi5"]:
            archive.writestr(entry.name, entry.data)
    report = validate_package(write_package(tmp_path, "comment", buffer.getvalue()))
    assert (report.kind, rendered(report)) == ("cmi5", [])


def test_launch_urls_may_be_web_addresses(tmp_path: Path) -> None:
    # the choice: a relative path into the package, or an http(s) address (cmi5 13.1.4 allows
    # AUs hosted elsewhere; SCORM 1.2 and TinCan launch any URL); no other scheme
    packages = {
        "sco": cases.sco_href("https://cdn.example.com/intro/index.html"),
        "sco-http": cases.sco_href(" HTTP://cdn.example.com/intro/index.html"),
        "sco-protocol-relative": cases.sco_href("//cdn.example.com/intro/index.html"),
        "tincan": cases.tincan(">index.html</launch>", ">https://example.com/x</launch>"),
    }
    for name, entries in packages.items():
        report = validate_package(write_package(tmp_path, name, cases.build_zip(entries)))
        assert rendered(report) == [], name


# --- every package scormbuild builds validates clean ----------------------------------------

FIXTURE_COURSES = Path(__file__).parent / "fixtures" / "courses"
COURSES = sorted(p for p in FIXTURE_COURSES.iterdir() if p.name != "broken") + sorted(
    (Path(__file__).parent.parent / "courses").iterdir()
)


@pytest.mark.parametrize("course", COURSES, ids=lambda p: p.name)
def test_every_course_we_build_validates_clean(course: Path, tmp_path: Path) -> None:
    from scormbuild.pipeline import build

    results = build(course, ["scorm12", "cmi5", "tincan"], tmp_path)
    assert len(results) == 3
    for result in results:
        report = validate_package(result.path)
        assert (report.kind, rendered(report)) == (result.target, []), result.path.name


def test_validate_refuses_every_hostile_package_and_ends(tmp_path: Path) -> None:
    hostile = [
        c for c in cases.CASES
        if c.name.startswith(("zip", "href-", "file-href", "xml-base", "manifest-", "cmi5-url",
                              "tincan-launch", "cmi5-manifest"))
        and any(": error: " in line for line in cases.EXPECTED[c.name])
    ]
    assert len(hostile) >= 50
    paths = [write_package(tmp_path, c.name, cases.case_bytes(c)) for c in hostile]
    result = run_validate(*paths)
    assert (result.returncode, result.stdout) == (1, "")
    expected = []
    for case, path in zip(hostile, paths, strict=True):
        lines = cases.EXPECTED[case.name]
        for line in lines:  # the CLI puts the zip's path before each diagnostic
            expected.append(line.replace("{zip}", str(path)) if line.startswith("{zip}")
                            else f"{path}/{line}")
        errors = sum(": error: " in line.split("\n")[0] for line in lines)
        warnings = len(lines) - errors
        kind = validate_package(path).kind or "unknown kind"
        expected.append(f"{path}: {kind}, {errors} error{'s' * (errors != 1)}, "
                        f"{warnings} warning{'s' * (warnings != 1)}")
    assert result.stderr.splitlines() == "\n".join(expected).splitlines()


def test_many_duplicate_names_are_summarised(tmp_path: Path) -> None:
    twice = [cases.Entry(f"media/m{i:04}.bin", b"x") for i in range(300)] * 2
    path = write_package(tmp_path, "dups", cases.build_zip(cases.scorm12("", "", *twice)))
    lines = [line for line in rendered(validate_package(path)) if "more than once" in line
             or "appears" in line]
    assert lines == [
        *(f"{{zip}}: error: entry 'media/m{i:04}.bin' appears 2 times\n"
          "    hint: which copy an LMS unpacks is undefined: build the zip again"
          for i in range(5)),
        "{zip}: error: 295 more entry names appear more than once\n"
        "    hint: which copy an LMS unpacks is undefined: build the zip again",
    ]
