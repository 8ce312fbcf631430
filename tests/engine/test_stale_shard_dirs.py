"""Shard folders of killed sessions are removed when the next session starts; live ones never are."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.suite.shard_dirs import OWNER_FILE, UNOWNED_GRACE_S, is_stale, remove_stale

SUITE = Path(__file__).resolve().parents[2] / "conformance" / "suite"


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A real process that lives until the test kills it (and is always stopped after)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _folder(root: Path, name: str, owner: int | None, claims: tuple[int, ...] = ()) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    if owner is not None:
        (folder / OWNER_FILE).write_text(str(owner))
    for index, pid in enumerate(claims, start=1):
        (folder / f"shard-{index}-of-{len(claims)}.claim").write_text(str(pid))
    return folder


def _killed(process: subprocess.Popen[bytes]) -> int:
    process.kill()
    process.wait(timeout=10)
    return process.pid


@pytest.mark.slow
def test_a_folder_whose_owner_and_claimers_were_killed_is_removed_a_live_ones_kept(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    root = tmp_path / ".shards"
    dead = _killed(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"]))
    killed = _folder(root, "killed", owner=dead, claims=(dead, dead))
    live_owner = _folder(root, "live-owner", owner=sleeper.pid, claims=(dead,))
    live_claimer = _folder(root, "live-claimer", owner=dead, claims=(sleeper.pid,))
    being_written = _folder(root, "being-written", owner=None)
    ours = _folder(root, "ours", owner=dead)

    assert remove_stale(root, keep="ours") == [killed]
    assert not killed.exists()
    assert live_owner.is_dir() and live_claimer.is_dir() and being_written.is_dir() and ours.is_dir()

    _killed(sleeper)  # now every process that used the two live folders is gone
    assert sorted(p.name for p in remove_stale(root, keep="ours")) == ["live-claimer", "live-owner"]
    assert sorted(p.name for p in root.iterdir()) == ["being-written", "ours"]


def test_a_folder_without_an_owner_is_stale_only_after_the_grace_and_with_no_live_claimer(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    unowned = _folder(tmp_path, "unowned", owner=None)
    later = time.time() + UNOWNED_GRACE_S + 1
    assert not is_stale(unowned)
    assert is_stale(unowned, now=later)
    claimed = _folder(tmp_path, "claimed", owner=None, claims=(sleeper.pid,))
    assert not is_stale(claimed, now=later)


@pytest.mark.slow
def test_a_killed_xdist_session_leaves_its_folder_and_the_next_session_removes_it(tmp_path: Path) -> None:
    pytest.importorskip("xdist")
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(SUITE),
        "-q",
        "-p",
        "no:cacheprovider",
        "--report-dir",
        "rd",
    ]
    run = [*command, "-n", "2", "--profile", "mock:slow_responses", "--max-examples", "6"]
    env = {**os.environ, "PYTHONPATH": str(SUITE.parents[1])}
    process = subprocess.Popen(
        run,
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        owners: list[Path] = []
        while not owners and process.poll() is None and time.monotonic() < deadline:
            owners = list((tmp_path / "rd" / ".shards").glob(f"*/{OWNER_FILE}"))
            time.sleep(0.02)
        assert owners, "the session never made its shard folder"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the controller and its workers, as an OOM kill would
        process.wait(timeout=30)
    left = owners[0].parent
    assert left.is_dir() and not (tmp_path / "rd" / "results.json").exists()  # killed before it finished
    for _ in range(100):  # the killed workers' pids disappear once they are reaped by init
        if is_stale(left):
            break
        time.sleep(0.1)

    nxt = subprocess.run(
        [*command, "--collect-only"], cwd=tmp_path, env=env, capture_output=True, timeout=120
    )
    assert nxt.returncode == 0, nxt.stdout[-2000:]
    assert not left.exists()
