"""Deterministic zips, written atomically: a failed build leaves the previous file intact."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator, Mapping, Sequence
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


class ReplaceFailed(OSError):
    """Every zip was written, but moving one into place failed after others had moved."""

    def __init__(self, err: OSError, replaced: Sequence[Path], kept: Sequence[Path]) -> None:
        super().__init__(err.errno, err.strerror, err.filename)
        self.replaced = tuple(replaced)  # new zips in place
        self.kept = tuple(kept)  # still the previous zip (or none)


def write_zip(dest: Path, files: Mapping[str, bytes]) -> int:
    """Write `files` (archive path -> bytes) as a zip at `dest`, atomically; return its size."""
    return write_zips([(dest, files)])[0]


def write_zips(packages: Sequence[tuple[Path, Mapping[str, bytes]]]) -> list[int]:
    """Write several zips all or nothing; return their sizes.

    Every zip is first written in full to a temporary file next to it; only when all are
    written do they replace their destinations, one os.replace each. A failed write (disk
    full) or Ctrl+C before that point leaves every previous zip as it was and no temporary.
    Raises OSError, or ReplaceFailed naming which zips were replaced when an os.replace fails.
    """
    temps: list[tuple[str, Path]] = []
    try:
        for dest, files in packages:
            dest.parent.mkdir(parents=True, exist_ok=True)
            temps.append((_write_temp(dest, files), dest))
        with _interrupts_deferred():
            for done, (temp, dest) in enumerate(temps):
                try:
                    os.replace(temp, dest)
                except OSError as err:
                    raise ReplaceFailed(err, [d for _, d in temps[:done]],
                                        [d for _, d in temps[done:]]) from err
    except BaseException:
        for temp, _ in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        raise
    return [dest.stat().st_size for dest, _ in packages]


def _write_temp(dest: Path, files: Mapping[str, bytes]) -> str:
    """A complete zip in a hidden temporary file next to dest (removed again on failure)."""
    # closed inside the with-block below; the name must outlive it for os.replace
    handle = tempfile.NamedTemporaryFile(dir=dest.parent, prefix=f".{dest.name}.",  # noqa: SIM115
                                         suffix=TEMP_SUFFIX, delete=False)
    try:
        with handle:
            zf = zipfile.ZipFile(handle, "w", compresslevel=6)
            try:
                for name in sorted(files):
                    zf.writestr(_entry(name), files[name])
            except BaseException:
                # abandon it: after a Ctrl+C inside writestr, close() would raise ValueError
                # (an entry still open) instead of the KeyboardInterrupt; the file is deleted
                zf.fp = None
                raise
            zf.close()
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)
        raise
    return handle.name


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Ctrl+C waits until the few renames are done, so a course's zips change together."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not \
            threading.main_thread():
        yield  # no KeyboardInterrupt reaches other threads anyway
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
