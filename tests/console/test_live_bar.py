"""The progress bar reaches a terminal while the run is going, not when it ends.

The run's stdout and stderr are a pseudo-terminal; its target is the reference mock behind a gate
that holds every request after the first few until the test has read a bar frame from the terminal.
A bar held back until the run ends could never be read while the gate is shut: the run would wait
on the gate (the profile's timeout is longer than the test waits) and the test fails. No sleeps.
The report folder is named after the token, so the closing lines carry it: the terminal must show
it redacted.
"""

from __future__ import annotations

import asyncio
import os
import pty
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer
from conformance.model.redaction import REDACTED

pytestmark = pytest.mark.slow  # starts the CLI, the embedded mock or the drawing child as processes

TOKEN_ENV = "OPENTACT_LIVE_BAR_TOKEN"
TOKEN = "live-bar-token-5e1f0c9a7b"
OPEN_FOR = 8  # requests answered before the gate shuts
WAIT_FOR_FRAME_S = 90.0  # how long the test reads before it gives up (a failure, not a timing assertion)
FRAME = re.compile(r"(\d+)/(\d+) cases  sends")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # colours and cursor moves between the bar's words

Scope = MutableMapping[str, Any]


class Gate:
    """ASGI wrapper around the mock's app: the first ``open_for`` requests pass, the rest wait until
    the test sets :attr:`opened`."""

    def __init__(self, app: Starlette, open_for: int) -> None:
        self.app, self.open_for = app, open_for
        self.seen = 0
        self.opened = threading.Event()

    @property
    def state(self) -> Any:  # the mock server reads its app's state (errors, store) when it stops
        return self.app.state

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.seen += 1
            if self.seen > self.open_for and not self.opened.is_set():
                await asyncio.to_thread(self.opened.wait, WAIT_FOR_FRAME_S + 30)
        await self.app(scope, receive, send)


def _profile(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "gated.yaml"
    path.write_text(
        "\n".join(
            [
                "name: gated",
                f"base_url: {url}",
                f"auth: {{method: header, token_env: {TOKEN_ENV}}}",
                "senders: ['12017771234']",
                "timeout_s: 300",  # longer than the test waits: a held request never times out here
                "concurrency: 1",
            ]
        )
        + "\n"
    )
    return path


def _read(fd: int, timeout: float) -> bytes | None:
    """What the terminal has for us within ``timeout`` (b"" if nothing yet), None once it is closed."""
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return b""
    try:
        return os.read(fd, 65536) or None
    except OSError:  # EIO: every holder of the terminal's other end has closed it
        return None


def test_the_bar_reaches_the_terminal_while_the_run_waits_on_its_target(tmp_path: Path) -> None:
    server = MockServer(MockConfig(token=TOKEN))
    gate = Gate(server.app, OPEN_FOR)
    server.app = gate  # type: ignore[assignment]
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENTACT_")}
    env.update({TOKEN_ENV: TOKEN, "TERM": "xterm-256color", "COLUMNS": "160"})
    env.pop("NO_COLOR", None)
    with server:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "conformance",
                "run",
                "--profile",
                str(_profile(tmp_path, server.url)),
                "--phase",
                "examples",
                "--phase",
                "coverage",
                "--min-coverage",  # the default budget (20) sends a sample: accepted as such (D55)
                "0",
                "--report-dir",
                f"out-{TOKEN}",  # the closing lines name the folder: the token reaches the console
            ],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
        )
        os.close(slave)
        output, frame_while_shut = b"", None
        give_up = time.monotonic() + WAIT_FOR_FRAME_S
        try:
            while (chunk := _read(master, 0.5)) is not None:
                output += chunk
                if not gate.opened.is_set():
                    frames = FRAME.findall(ANSI.sub("", output.decode("utf-8", "replace")))
                    if frames and gate.seen > OPEN_FOR:  # the run is held at the gate, and we see it
                        frame_while_shut = frames[-1]
                        gate.opened.set()
                    elif time.monotonic() > give_up:
                        gate.opened.set()  # let the run finish; the assertion below fails
        finally:
            gate.opened.set()
            os.close(master)
            code = process.wait(timeout=120)
    text = ANSI.sub("", output.decode("utf-8", "replace"))
    assert frame_while_shut is not None, (
        f"no bar frame reached the terminal while the run waited:\n{text[-2000:]}"
    )
    done, total = map(int, frame_while_shut)
    assert done <= OPEN_FOR < total  # the bar showed a run that was under way
    assert code == 0, text
    assert "verdict: PASS" in text
    assert TOKEN not in text
    assert f"results: out-{REDACTED}/results.json" in text  # redacted by the console stream itself
    assert (tmp_path / f"out-{TOKEN}" / "results.json").is_file()
