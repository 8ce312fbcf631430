"""Output into a pipe whose reader went away (`| head -1`) ends quietly: exit 141, no traceback.

The pipe's reading end is closed before the command starts, so its first write meets the closed
pipe whatever the timing (a real `| head -1` closes it somewhere in the middle).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.commands.cli import build_parser
from conformance.commands.exit_codes import EXIT_BROKEN_PIPE

pytestmark = pytest.mark.slow  # starts the CLI, the embedded mock or the drawing child as processes

SUBCOMMANDS = sorted(next(a for a in build_parser()._actions if a.dest == "command").choices or {})


def run_into_closed_pipe(*args: str, cwd: Path, stderr_too: bool = False) -> subprocess.CompletedProcess[str]:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "conformance", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=write_end if stderr_too else subprocess.PIPE,
            text=True,
            timeout=240,
            env={k: v for k, v in os.environ.items() if not k.startswith("OPENTACT_")},
        )
    finally:
        os.close(write_end)


def assert_quiet(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == EXIT_BROKEN_PIPE, done.stderr
    for noise in ("Traceback", "BrokenPipeError", "Exception ignored"):
        assert noise not in (done.stderr or "")


@pytest.mark.parametrize("args", [("--help",), *[(name, "--help") for name in SUBCOMMANDS]])
def test_help_of_every_command_into_a_closed_pipe_exits_quietly(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    assert_quiet(run_into_closed_pipe(*args, cwd=tmp_path))


def test_list_checks_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    assert_quiet(run_into_closed_pipe("run", "--list-checks", cwd=tmp_path))


@pytest.mark.slow
def test_a_run_into_a_closed_pipe_exits_quietly_and_still_writes_its_report(tmp_path: Path) -> None:
    done = run_into_closed_pipe(
        "run", "--phase", "examples", "--report-dir", "out", cwd=tmp_path, stderr_too=True
    )
    assert done.returncode == EXIT_BROKEN_PIPE
    assert done.stderr is None  # stderr went into the closed pipe too (`2>&1 | head -1`)
    assert all((tmp_path / "out" / name).is_file() for name in ("results.json", "report.html", "junit.xml"))
    assert_quiet(run_into_closed_pipe("report", "out/results.json", "--out", "again", cwd=tmp_path))
    assert (tmp_path / "again" / "report.html").is_file()


def test_the_same_commands_into_an_open_pipe_exit_as_before(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--list-checks"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0
    assert "auth_enforced" in done.stdout
    assert done.stderr == ""
