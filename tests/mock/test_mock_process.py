"""The mock in its own process (D42): answers on loopback, stops on stop(), and never outlives its parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from conformance.mock.config import MockConfig
from conformance.mock.process import MockProcess

pytestmark = pytest.mark.slow

TOKEN = "process-test-token-91c2"


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return not _alive(pid)


def test_the_mock_process_answers_on_loopback_and_stops() -> None:
    with MockProcess(MockConfig(token=TOKEN, faults=frozenset({"to_as_string"}))) as mock:
        pid = mock.pid
        assert pid is not None and pid != os.getpid()
        assert mock.url.startswith("http://127.0.0.1:")
        answer = httpx.post(
            f"{mock.url}/rest/sms",
            params={"FROM": "12017771234", "TO": "14155550100", "Message": "hi"},
            headers={"X-Auth-Token": TOKEN},
            trust_env=False,
        )
        assert answer.status_code == 200
        assert isinstance(answer.json()["payload"]["to"], str)  # the fault reached the child
        assert TOKEN not in Path(f"/proc/{pid}/cmdline").read_bytes().decode()  # the token came on stdin
    assert mock.pid is None
    assert _gone_within(pid, 5)


def test_the_mock_process_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import time
                from conformance.mock.config import MockConfig
                from conformance.mock.process import MockProcess
                mock = MockProcess(MockConfig(token={TOKEN!r})).start()
                print(mock.pid, mock.url, flush=True)
                time.sleep(120)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert parent.stdout is not None
        pid_text, url = parent.stdout.readline().split()
        child = int(pid_text)
        assert _alive(child)
        assert httpx.post(f"{url}/rest/sms", trust_env=False).status_code == 401  # it answers
        parent.send_signal(signal.SIGKILL)  # no finally, no atexit: only the closed stdin tells the child
        parent.wait(10)
        assert _gone_within(child, 10), "the mock process outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_a_run_interrupted_with_sigint_leaves_no_mock_process(tmp_path: Path) -> None:
    marker = f"conc-test-{os.getpid()}-{time.monotonic_ns()}"
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "conformance.commands.cli",
            "run",
            "--report-dir",
            "out",
            "--max-examples",
            "50",
        ],
        cwd=tmp_path,
        env={**os.environ, "CONC_TEST_MARKER": marker},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        children: list[int] = []
        deadline = time.monotonic() + 120
        while not children and time.monotonic() < deadline and run.poll() is None:
            children = [pid for pid in _pids_with(marker) if pid != run.pid]
            time.sleep(0.1)
        assert children, "the run never started its mock process"
        run.send_signal(signal.SIGINT)
        _, stderr = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    print(f"exit {run.returncode}; mock process(es) {children}")
    assert run.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert all(_gone_within(pid, 10) for pid in children)


def _pids_with(marker: str) -> list[int]:
    """Processes whose environment carries ``marker`` and that run the mock child."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in environ and b"conformance.mock.process" in cmdline:
            found.append(int(entry.name))
    return found
