"""Helpers shared by test folders (on sys.path via pytest's `pythonpath = ["tests"]`)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conformance.engine.profiles import Profile, mock_profile


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """`opentact-conformance ARGS` as a user runs it: a subprocess with no stdin and no OPENTACT_* leaks."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("OPENTACT_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "conformance.commands.cli", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def listed_checks(stdout: str) -> dict[str, set[str]]:
    """The check ids `run --list-checks` printed, by section: ``""`` for the per-exchange checks (listed
    first), then each heading's first word (``run-level``, ``life-cycle``) for the ids listed under it."""
    sections: dict[str, set[str]] = {"": set()}
    heading = ""
    for line in filter(None, stdout.splitlines()):
        if line.endswith(":"):
            heading = line.split()[0]
            sections[heading] = set()
        else:
            sections[heading].add(line.split()[0])
    return sections


class LoopbackHTTPServer(ThreadingHTTPServer):
    """The standard library's threading HTTP server, tuned for the tests' bursts of connections.

    ``socketserver`` listens with a backlog of 5: a run with several requests in flight to a server
    that closes each connection (HTTP/1.0) overflows it, the kernel drops the extra connection
    attempts, and each waits out the one-second retransmission of its SYN.
    """

    daemon_threads = True
    request_queue_size = 128


class LoopbackHandler(BaseHTTPRequestHandler):
    """A request handler that writes without Nagle's delay: the headers and the body are two writes,
    and the second would wait up to 40 ms for the client's delayed acknowledgement of the first."""

    disable_nagle_algorithm = True


def untimed_mock(*faults: str) -> Profile:
    """The embedded mock's profile (with ``faults``) without a latency budget, for a test that asserts no
    deviation, or counts problems, at every severity: on a loaded machine one answer can take more than
    250 ms, a ``response_time`` warning such a test does not judge. ``response_time`` is proven where it
    is the subject (the ``slow_responses`` fault)."""
    return replace(mock_profile(faults=faults), latency_budget_ms=None)
