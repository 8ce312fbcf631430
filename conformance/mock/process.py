"""The mock in a process of its own, so a client in this process does not share its GIL (D42).

    with MockProcess(MockConfig(token=..., faults=...)) as mock:   # spawned, not yet waited for
        ...                                                        # e.g. generate cases meanwhile
        url = mock.url                                             # waits until it answers

The child (``python -m conformance.mock.process``) reads its settings as one JSON line on stdin (the
token never appears in its command line), serves ``MockServer`` on a free loopback port, prints
``ready PORT`` and serves until its stdin closes. The parent closes stdin to stop it, so a parent that
dies in any way (even SIGKILL) leaves no orphan: the child sees end of file and exits. It ignores
SIGINT, so a Ctrl-C at the terminal reaches only the parent, which stops it in order. Errors the app
raised while answering are reported at exit, as ``MockServer.stop`` does in-process.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from types import TracebackType
from typing import IO

from conformance.mock.config import MockConfig
from conformance.mock.life import LifeTimes
from conformance.mock.server import LOOPBACK, MockServer, MockServerError

__all__ = ["MockProcess", "main"]

START_TIMEOUT_S = 30.0  # a cold interpreter importing uvicorn on a loaded machine
STOP_TIMEOUT_S = 5.0
_READY = "ready "


class MockProcess:
    """The mock in a child process; see the module docstring."""

    def __init__(self, config: MockConfig) -> None:
        self.config = config
        self._process: subprocess.Popen[str] | None = None
        self._stderr: IO[bytes] | None = None  # a file, not a pipe: a chatty child can never block on it
        self._port: int | None = None

    def start(self) -> MockProcess:
        """Spawn the child and hand it its settings; ``url`` waits for it to answer."""
        if self._process is not None:
            raise MockServerError("the mock process is already started")
        settings = {
            "token": self.config.token,
            "senders": list(self.config.senders),
            "faults": sorted(self.config.faults),
            "seed": self.config.seed,
            "success_status": self.config.success_status,
            "second_token": self.config.second_token,
            "life": [self.config.life.sending_s, self.config.life.success_s, self.config.life.delivered_s],
        }
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child; closed by stop()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "conformance.mock.process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(settings) + "\n")
            self._process.stdin.flush()
        except OSError:
            pass  # the child died already: _wait_ready says why
        return self

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (None before ``start`` and after ``stop``)."""
        return None if self._process is None else self._process.pid

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, once the child answers (waits up to START_TIMEOUT_S)."""
        if self._port is None:
            self._port = self._wait_ready()
        return f"http://{LOOPBACK}:{self._port}"

    def _wait_ready(self) -> int:
        process = self._process
        if process is None or process.stdout is None:
            raise MockServerError("the mock process is not started; call start() or use `with`")
        deadline = time.monotonic() + START_TIMEOUT_S
        line = ""
        while not line.endswith("\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop(raise_errors=False)
                raise MockServerError(f"the mock process did not start within {START_TIMEOUT_S:.0f} s")
            readable, _, _ = select.select([process.stdout], [], [], min(left, 0.5))
            if readable:
                chunk = process.stdout.readline()
                if not chunk:
                    error = self._stderr_tail()
                    self.stop(raise_errors=False)
                    raise MockServerError(f"the mock process died on start: {error}")
                line += chunk
        if not line.startswith(_READY):
            self.stop(raise_errors=False)
            raise MockServerError(f"the mock process said {line.strip()!r} instead of {_READY!r}PORT")
        return int(line.removeprefix(_READY))

    def _stderr_tail(self) -> str:
        process, stream = self._process, self._stderr
        if process is None or stream is None:
            return "(no output)"
        try:
            process.wait(STOP_TIMEOUT_S)
            stream.seek(0)
            text = stream.read().decode("utf-8", "replace")
        except (OSError, ValueError, subprocess.TimeoutExpired):
            return "(no output)"
        return text.strip()[-800:] or f"exit {process.returncode}, no output"

    def stop(self, *, raise_errors: bool = True) -> None:
        """Close the child's stdin (it stops), then SIGTERM, then SIGKILL if it will not. Idempotent.

        With ``raise_errors``, raise ``MockServerError`` when the child reports errors of the app."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        errors = ""
        stream, self._stderr = self._stderr, None
        if stream is not None:
            try:
                stream.seek(0)
                errors = stream.read().decode("utf-8", "replace").strip()
            except (OSError, ValueError):
                errors = ""
            stream.close()
        if process.stdout is not None:
            process.stdout.close()
        if raise_errors and process.returncode not in (0, -signal.SIGTERM):
            raise MockServerError(f"the mock process failed (exit {process.returncode}): {errors[-800:]}")

    def __enter__(self) -> MockProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop(raise_errors=exc_type is None)


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(0)  # leaves the ``with``: the server stops in order


def main() -> int:
    """The child: settings from stdin, serve, ``ready PORT``, stop at end of stdin; exit 1 on app errors."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is the parent's to handle
    settings = json.loads(sys.stdin.readline())
    config = MockConfig(
        token=settings["token"],
        senders=tuple(settings["senders"]),
        faults=frozenset(settings["faults"]),
        seed=settings["seed"],
        success_status=settings["success_status"],
        second_token=settings["second_token"],
        life=LifeTimes(*settings["life"]),
    )
    with MockServer(config) as server:
        print(f"{_READY}{server.port}", flush=True)
        signal.signal(signal.SIGTERM, _terminated)
        with contextlib.suppress(OSError, ValueError):
            sys.stdin.read()  # until the parent closes it, or dies
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except MockServerError as exc:
        print(f"mock process: {exc}", file=sys.stderr)
        sys.exit(1)
