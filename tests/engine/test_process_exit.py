"""The command line's process ends as soon as the command is done (``cli.leave``): same exit code,
every line of output, atexit handlers run; and it waits as usual while a non-daemon thread works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return _process(["-c", code], cwd)


def _process(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_leave_keeps_the_exit_code_the_buffered_output_and_the_atexit_handlers(tmp_path: Path) -> None:
    code = (
        "import atexit, pathlib, sys\n"
        "from conformance.commands.cli import leave\n"
        "atexit.register(lambda: pathlib.Path('atexit-ran').write_text('yes'))\n"
        "sys.stdout.write(''.join(f'line {n}\\n' for n in range(20000)))\n"  # far more than one buffer
        "sys.stderr.write('last words')\n"
        "leave(3)\n"
        "print('never printed')\n"
    )
    done = _python(code, tmp_path)
    assert done.returncode == 3
    assert done.stdout.splitlines() == [f"line {n}" for n in range(20000)]
    assert done.stderr == "last words"
    assert (tmp_path / "atexit-ran").read_text() == "yes"


def test_leave_waits_like_an_ordinary_exit_while_a_non_daemon_thread_still_works(tmp_path: Path) -> None:
    code = (
        "import pathlib, threading, time\n"
        "from conformance.commands.cli import leave\n"
        "def work():\n"
        "    time.sleep(0.5)\n"
        "    pathlib.Path('finished').write_text('yes')\n"
        "threading.Thread(target=work).start()\n"
        "leave(1)\n"
    )
    done = _python(code, tmp_path)
    assert done.returncode == 1, done.stderr
    assert (tmp_path / "finished").read_text() == "yes"  # os._exit would have cut the thread short


def test_the_command_line_process_lists_its_checks_completely_and_exits_0(tmp_path: Path) -> None:
    from conformance.checks import CHECKS, RUN_CHECKS

    done = _process(["-m", "conformance", "run", "--list-checks"], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line and not line.startswith("run-level")]
    listed = {line.split()[0] for line in lines}
    assert listed == set(CHECKS) | set(RUN_CHECKS)
