"""SIGTERM and SIGINT, early or mid-run: partial artefacts with verdict incomplete, never a pass."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import TOKEN, TOKEN_ENV, write_profile
from .servers import LenientSmsServer

pytestmark = pytest.mark.slow

EXPECTED_EXIT = {signal.SIGTERM: 143, signal.SIGINT: 130}


def _start(tmp_path: Path, profile: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENTACT_")}
    env[TOKEN_ENV] = TOKEN
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "conformance.commands.cli",
            "run",
            "--profile",
            str(profile),
            "--report-dir",
            "out",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def _interrupt(
    tmp_path: Path, profile: Path, server: LenientSmsServer, signum: signal.Signals, moment: str
) -> tuple[str, str, int]:
    """Start a run and send it ``signum``: ``early``, as soon as it has claimed its report directory (the
    old run's results.json is gone, the handlers installed before that), or ``mid-run``, once the server
    has seen three requests. Both are polled for, never waited out."""
    process = _start(tmp_path, profile)
    old_results = tmp_path / "out" / "results.json"
    deadline = time.monotonic() + 120
    try:
        if moment == "early":
            while old_results.exists() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            assert not old_results.exists(), "the run never claimed its report directory"
        else:
            while server.traffic.requests < 3 and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert server.traffic.requests >= 3, "the run never got going"
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return stdout, stderr, process.returncode


def _old_run_artefacts(out: Path) -> None:
    """What an earlier, finished run left in the directory: it must not survive next to the new run's."""
    out.mkdir()
    (out / "results.json").write_text(json.dumps({"schema_version": 1, "run": {"verdict": "pass"}}))
    (out / "report.html").write_text("<html>OLD RUN PASS</html>")
    (out / "junit.xml").write_text("<testsuites name='OLD RUN'/>")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("moment", ["early", "mid-run"])
def test_an_interrupted_run_leaves_incomplete_artefacts(
    tmp_path: Path, signum: signal.Signals, moment: str
) -> None:
    out = tmp_path / "out"
    _old_run_artefacts(out)
    with LenientSmsServer(delay_s=0.3) as server:
        profile = write_profile(tmp_path / "p.yaml", server.url, max_sends=10)
        stdout, stderr, returncode = _interrupt(tmp_path, profile, server, signum, moment)
        requests, naming = server.traffic.requests, server.traffic.naming_leased
    results = json.loads((out / "results.json").read_text())
    html = (out / "report.html").read_text()
    junit = (out / "junit.xml").read_text()
    print(
        f"{signum.name} {moment}: exit {returncode}, server saw {requests} requests, "
        f"results.json sent {results['stats'].get('sent')}, verdict {results['run']['verdict']}"
    )
    assert returncode == EXPECTED_EXIT[signum], stderr
    assert "Traceback" not in stderr
    assert results["run"]["partial"] is True and results["run"]["verdict"] == "incomplete"
    assert "verdict: PASS" not in stdout + stderr and "INCOMPLETE" in stdout + stderr
    assert "INCOMPLETE" in html and "No deviations" not in html and "OLD RUN" not in html
    assert 'name="run incomplete"' in junit and "OLD RUN" not in junit
    sent = int(results["stats"].get("sent", 0))
    assert sent <= requests <= sent + 1  # at most the request in flight when the signal came
    assert naming <= int(results["stats"].get("sends_used", 0)) <= naming + 1
    if moment == "mid-run":
        assert sent >= 2  # the server had seen 3 requests; the third may have been in flight


def test_a_signal_whose_interrupt_was_swallowed_still_ends_the_run_incomplete(tmp_path: Path) -> None:
    # CI once sent Ctrl-C while hypothesis ran a gc callback: the Interrupted raised there was ignored,
    # the run went on, and it exited 0. heed_signal marks such results incomplete (exit 130).
    code = (
        "import os, signal\n"
        "from dataclasses import replace\n"
        "from conformance.commands import signals\n"
        "from conformance.commands.run import heed_signal, incomplete_results\n"
        "signals.install()\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "except KeyboardInterrupt:\n"
        "    pass  # what a library's callback does with it\n"
        "done = replace(incomplete_results('t', 0, 'x'), partial=False, partial_reason='')\n"
        "assert done.verdict != 'incomplete'\n"
        "heeded = heed_signal(done)\n"
        "assert heeded.partial and heeded.verdict == 'incomplete', heeded\n"
        "assert 'Ctrl-C' in heeded.partial_reason and signals.exit_code() == 130\n"
        "assert heed_signal(heeded) is heeded  # an incomplete run keeps its own reason\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-1500:]
