"""The command line's process ends the ordinary way when the command is done: nothing it started
(send workers, the embedded mock's process) is left to keep it alive, and its exit code is the command's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import listed_checks

from conformance.mock.server import MockServer

from .conftest import TOKEN, TOKEN_ENV

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

# what a command leaves behind once ``main`` has returned: threads the exit would wait for, children
LEFT_BEHIND = (
    "import multiprocessing, sys, threading\n"
    "from conformance.commands.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "others = [t.name for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]\n"
    "print('left:', others, multiprocessing.active_children())\n"
    "sys.exit(code)\n"
)


def _process(
    arguments: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
    )


def test_a_run_with_requests_in_flight_leaves_no_thread_that_would_hold_the_exit(
    tmp_path: Path, shared_mock: MockServer
) -> None:
    arguments = ["run", "--base-url", shared_mock.url, "--token-env", TOKEN_ENV, "--sender", "12017771234"]
    arguments += ["--concurrency", "8", "--max-examples", "3", "--quiet"]
    done = _process(["-c", LEFT_BEHIND, *arguments], tmp_path, {TOKEN_ENV: TOKEN})
    assert done.returncode == 0, done.stderr
    assert "left: [] []" in done.stdout.splitlines()


def test_the_embedded_mock_s_process_is_gone_when_the_run_returns_and_a_fault_exits_1(tmp_path: Path) -> None:
    arguments = ["run", "--fault", "accept_letters_in_to", "--max-examples", "3", "--quiet"]
    done = _process(["-c", LEFT_BEHIND, *arguments], tmp_path)
    assert done.returncode == 1, done.stderr
    assert "left: [] []" in done.stdout.splitlines()


def test_the_command_line_process_lists_its_checks_completely_and_exits_0(tmp_path: Path) -> None:
    from conformance.checks import CHECKS, LIFECYCLE_CHECKS, RUN_CHECKS

    done = _process(["-m", "conformance", "run", "--list-checks"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert listed_checks(done.stdout) == {
        "": set(CHECKS),
        "run-level": set(RUN_CHECKS),
        "life-cycle": set(LIFECYCLE_CHECKS),
    }
