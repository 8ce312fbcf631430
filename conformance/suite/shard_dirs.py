"""The per-session shard folders under ``--report-dir/.shards/``: who owns one, and when it is stale.

A session's folder is removed by its own controller at the end of the session. A pytest killed
before that (SIGKILL, an OOM kill, a CI job cancelled) leaves it behind; every later session
removes such folders when it starts. A folder is stale when the processes that used it are gone:
its owner (the xdist controller, recorded in ``owner.pid`` when the folder is made) and every
worker that claimed a shard in it (``shard-*.claim`` holds the claimer's pid). A folder with no
owner file yet (being created, or left by an older version) counts as stale only once it has not
changed for ``UNOWNED_GRACE_S`` and none of its claimers lives.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from conformance.model.results import pid_alive

__all__ = [
    "OWNER_FILE",
    "UNOWNED_GRACE_S",
    "is_stale",
    "recorded_pid_alive",
    "remove_stale",
    "write_owner",
]

OWNER_FILE = "owner.pid"
UNOWNED_GRACE_S = 60.0


def recorded_pid_alive(path: Path) -> bool:
    """Whether the process whose id ``path`` holds lives; a file still being written counts as alive."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return False
    return not text.isdigit() or pid_alive(int(text))


def write_owner(folder: Path, pid: int) -> None:
    """Create ``folder`` and record its owner, once (the first process to get here writes it)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(folder / OWNER_FILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(str(pid))


def is_stale(folder: Path, *, now: float | None = None) -> bool:
    """No process that used ``folder`` is alive any more (see the module docstring)."""
    if any(recorded_pid_alive(claim) for claim in folder.glob("shard-*.claim")):
        return False
    owner = folder / OWNER_FILE
    if owner.exists():
        return not recorded_pid_alive(owner)
    try:
        changed = max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.iterdir())])
    except FileNotFoundError:  # removed under us by its own session
        return False
    return (time.time() if now is None else now) - changed > UNOWNED_GRACE_S


def remove_stale(parts_root: Path, *, keep: str = "") -> list[Path]:
    """Remove the stale session folders under ``parts_root`` (never ``keep``); the ones removed."""
    if not parts_root.is_dir():
        return []
    removed = []
    for folder in sorted(parts_root.iterdir()):
        if folder.is_dir() and folder.name != keep and is_stale(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
