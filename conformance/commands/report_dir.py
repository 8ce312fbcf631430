"""The report directory of a run: checked and locked before the first request (D19).

``claimed_report_dir`` creates the directory, refuses a regular file or a directory it cannot write
into, and takes an exclusive lock (``filelock`` on ``.opentact-conformance.lock``: the operating
system's own file lock, released even after ``kill -9``) so that two runs never write into one
directory at once; the holder writes its process id into the file for the other run's message. Holding
the lock, it removes the previous run's artefacts and any temporary file of ours left by a killed
writer, so the directory never holds files of two different runs side by side.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import filelock

from conformance.model.results import remove_stale_temporaries

__all__ = ["ARTEFACTS", "LOCK_FILE", "ReportDirError", "claimed_report_dir"]

LOCK_FILE = ".opentact-conformance.lock"
ARTEFACTS = ("results.json", "report.html", "junit.xml")


class ReportDirError(ValueError):
    """A report directory the run cannot use; the message names it and the fix."""


def _create(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise ReportDirError(
            f"--report-dir {path} is a regular file, not a directory; nothing was sent. Pass a directory "
            "(it is created if missing), or move the file away."
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportDirError(
            f"--report-dir {path} cannot be created ({exc.strerror}); nothing was sent. Pass a directory "
            "you can write into."
        ) from None


def _check_writable(path: Path) -> None:
    probe = path / f".write-probe.{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ReportDirError(
            f"--report-dir {path} is not writable ({exc.strerror}); nothing was sent. Fix its permissions "
            "or pass another directory."
        ) from None


def _write_pid(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, f"{os.getpid()}\n".encode("ascii"))


def _lock(path: Path) -> filelock.BaseFileLock:
    lock = filelock.FileLock(path / LOCK_FILE, on_acquired=_write_pid)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        try:
            holder = (path / LOCK_FILE).read_text(encoding="ascii", errors="replace").strip() or "unknown"
        except OSError:
            holder = "unknown"
        raise ReportDirError(
            f"--report-dir {path} is in use by another run (process {holder}); nothing was sent. Wait for "
            "that run to finish or pass another directory."
        ) from None
    except OSError as exc:
        raise ReportDirError(f"--report-dir {path} cannot be locked ({exc.strerror}).") from None
    return lock


@contextlib.contextmanager
def claimed_report_dir(path: Path) -> Iterator[Path]:
    """Check, create and lock ``path`` for this run; the previous run's artefacts are removed."""
    _create(path)
    _check_writable(path)
    lock = _lock(path)
    try:
        for name in ARTEFACTS:
            try:
                (path / name).unlink(missing_ok=True)
                remove_stale_temporaries(path / name)
            except OSError as exc:
                raise ReportDirError(
                    f"--report-dir {path}: the previous {name} cannot be replaced ({exc.strerror}); nothing "
                    f"was sent. Remove {path / name} or pass another directory."
                ) from None
        yield path
    finally:
        lock.release()
