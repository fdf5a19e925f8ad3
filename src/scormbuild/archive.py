"""Deterministic zips, written atomically: a failed build leaves the previous file intact."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: no build dates in the output
TEMP_SUFFIX = ".part"
STALE_AFTER_S = 600  # younger temporaries may belong to a parallel build (build --jobs)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so the permission bits below mean the same everywhere
    info.external_attr = 0o100644 << 16
    return info


def write_zip(dest: Path, files: Mapping[str, bytes]) -> int:
    """Write `files` (archive path -> bytes) as a zip at `dest`, atomically; return its size."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _atomic(dest) as handle, zipfile.ZipFile(handle, "w", compresslevel=6) as zf:
        for name in sorted(files):
            zf.writestr(_entry(name), files[name])
    return dest.stat().st_size


def write_bytes(dest: Path, data: bytes) -> None:
    """Write a file atomically."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _atomic(dest) as handle:
        handle.write(data)


@contextlib.contextmanager
def _atomic(dest: Path) -> Iterator[tempfile._TemporaryFileWrapper[bytes]]:
    # closed inside the with-block below; the name must outlive it for os.replace
    handle = tempfile.NamedTemporaryFile(dir=dest.parent, prefix=f".{dest.name}.",  # noqa: SIM115
                                         suffix=TEMP_SUFFIX, delete=False)
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)
        raise


def sweep_temporaries(folder: Path, older_than_s: float = STALE_AFTER_S) -> None:
    """Remove temporary files a killed build left behind (not those a running build writes)."""
    if folder.is_dir():
        cutoff = time.time() - older_than_s
        for stale in folder.glob(f".*{TEMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                if stale.stat().st_mtime < cutoff:
                    stale.unlink()
