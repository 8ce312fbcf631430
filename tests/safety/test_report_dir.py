"""--report-dir is checked and locked before the first request; stale temporary files are cleaned."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.commands.report_dir import claimed_report_dir
from conformance.model.results import write_atomic

from .conftest import cli, results_of, write_profile
from .servers import LenientSmsServer

pytestmark = pytest.mark.slow


def _run(tmp_path: Path, profile: Path, report_dir: str) -> subprocess.CompletedProcess[str]:
    return cli(
        "run", "--profile", str(profile), "--max-examples", "2", "--report-dir", report_dir, cwd=tmp_path
    )


def test_a_regular_file_as_report_dir_is_refused_before_anything_is_sent(
    tmp_path: Path, lenient: LenientSmsServer
) -> None:
    (tmp_path / "taken").write_text("not a directory")
    done = _run(tmp_path, write_profile(tmp_path / "p.yaml", lenient.url), "taken")
    assert done.returncode == 2
    assert "regular file" in done.stderr and "Traceback" not in done.stderr
    assert lenient.traffic.requests == 0


def test_a_report_dir_that_cannot_be_created_is_refused_before_anything_is_sent(
    tmp_path: Path, lenient: LenientSmsServer
) -> None:
    done = _run(
        tmp_path, write_profile(tmp_path / "p.yaml", lenient.url), "/proc/opentact-conformance-report"
    )
    assert done.returncode == 2
    assert "--report-dir" in done.stderr and "Traceback" not in done.stderr
    assert lenient.traffic.requests == 0


def test_a_report_dir_in_use_by_another_run_is_refused(tmp_path: Path, lenient: LenientSmsServer) -> None:
    with claimed_report_dir(tmp_path / "busy"):  # this test process is "the other run"
        done = _run(tmp_path, write_profile(tmp_path / "p.yaml", lenient.url), "busy")
    assert done.returncode == 2
    assert "in use by another run" in done.stderr and str(os.getpid()) in done.stderr
    assert lenient.traffic.requests == 0


def test_the_lock_is_released_when_a_run_ends(tmp_path: Path, lenient: LenientSmsServer) -> None:
    profile = write_profile(tmp_path / "p.yaml", lenient.url, max_sends=2)
    for _ in range(2):  # a budget of 2 sends a sample: accepted as such (D55), so the run is complete
        done = cli(
            "run",
            "--profile",
            str(profile),
            "--max-examples",
            "2",
            "--min-coverage",
            "0",
            "--report-dir",
            "again",
            cwd=tmp_path,
        )
        assert done.returncode in (0, 1), done.stderr
    assert results_of(tmp_path / "again")["run"]["partial"] is False


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_temporary_file_left_by_a_killed_writer_is_removed_on_the_next_write(tmp_path: Path) -> None:
    stale = tmp_path / f".results.json.{_dead_pid()}.abc123.tmp"
    stale.write_bytes(b"x" * 8_000_000)  # what kill -9 in the middle of a big write leaves
    alive = tmp_path / f".results.json.{os.getppid()}.def456.tmp"  # a live writer's: left alone
    alive.write_bytes(b"y")
    write_atomic(tmp_path / "results.json", "{}\n")
    assert not stale.exists()
    assert alive.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, "results.json"])


def test_a_run_removes_the_previous_runs_temporaries_and_artefacts(
    tmp_path: Path, lenient: LenientSmsServer
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    stale = out / f".report.html.{_dead_pid()}.zz.tmp"
    stale.write_bytes(b"x" * 1_000_000)
    done = _run(tmp_path, write_profile(tmp_path / "p.yaml", lenient.url), "out")
    assert done.returncode in (0, 1), done.stderr
    assert not stale.exists()
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == {
        "results.json",
        "report.html",
        "junit.xml",
    }


@pytest.mark.parametrize("name", ["results.json", "report.html", "junit.xml"])
def test_an_artefact_name_taken_by_a_directory_is_a_clear_error(
    tmp_path: Path, lenient: LenientSmsServer, name: str
) -> None:
    (tmp_path / "out" / name).mkdir(parents=True)
    done = _run(tmp_path, write_profile(tmp_path / "p.yaml", lenient.url), "out")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert lenient.traffic.requests == 0


_BIG_WRITER = """
import sys
from pathlib import Path
from conformance.model.results import write_atomic
write_atomic(Path(sys.argv[1]), "x" * 80_000_000)
"""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # renamed into place in the meantime
        return 0


def test_kill_9_in_the_middle_of_a_write_leaves_nothing_after_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    for _attempt in range(5):
        writer = subprocess.Popen([sys.executable, "-c", _BIG_WRITER, str(target)])
        caught: list[Path] = []
        while writer.poll() is None and not caught:
            caught = [p for p in tmp_path.glob(".results.json.*.tmp") if _size(p) > 0]
        if caught:
            os.kill(writer.pid, 9)
        writer.wait()
        if caught and caught[0].exists():
            break
        target.unlink(missing_ok=True)  # the write finished before the kill: try again
    else:
        pytest.fail("never caught the writer in the middle of its write")
    left = caught[0].stat().st_size
    write_atomic(target, "{}\n")
    print(f"kill -9 mid-write left a {left / 1e6:.1f} MB temporary file; the next write removed it")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]
