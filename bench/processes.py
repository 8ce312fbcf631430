"""Whole processes for the bench: timed subprocesses, and the standalone mock in its own process.

The mock runs as ``python -m conformance.mock --port 0`` (as shipped: no access log), its stdout and
stderr in files. Requests are counted at the server: its own counters (``GET /_mock/stats``: every request
the app received, control calls apart), and one "Invalid HTTP request" warning in its stderr per request
that h11 refused before the app saw it.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = [
    "PACKAGES",
    "ROOT",
    "TOKEN",
    "MockProcess",
    "RequestCount",
    "Service",
    "Timed",
    "compile_bytecode",
    "count_requests",
    "invalid_requests",
    "run_timed",
    "tool_env",
]

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token-0123456789abcdef"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0

_ACCESS = re.compile(r' - "(?P<method>[A-Z]+) (?P<path>[^ ?"]*)[^"]* HTTP/[0-9.]+" (?P<status>\d{3})')
_INVALID = "Invalid HTTP request"
CACHE_DIR_ENV = "OPENTACT_CONFORMANCE_CACHE_DIR"  # conformance.engine.generation.cache.CACHE_DIR_ENV
_cache_parent: str | None = None
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
_URL = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


@dataclass(frozen=True)
class Timed:
    """One whole process: wall seconds from spawn to exit, exit code and output."""

    wall_s: float
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class RequestCount:
    """What the mock's log shows: API requests (any status), control-API requests, HTTP-layer refusals."""

    api: int
    control: int
    invalid: int

    @property
    def total(self) -> int:
        """Every request that reached the server from the side under test (control calls are the bench's)."""
        return self.api + self.invalid

    def __sub__(self, other: RequestCount) -> RequestCount:
        return RequestCount(self.api - other.api, self.control - other.control, self.invalid - other.invalid)


def _empty_case_cache() -> str:
    """A new, empty case-cache folder under one temporary folder of this process (removed at exit)."""
    global _cache_parent
    if _cache_parent is None:
        _cache_parent = tempfile.mkdtemp(prefix="opentact-bench-cache-")
        atexit.register(shutil.rmtree, _cache_parent, True)
    return tempfile.mkdtemp(dir=_cache_parent)


PACKAGES = ("conformance", "strategies", "reports", "bench")


def compile_bytecode(tree: Path = ROOT) -> None:
    """Write the tree's bytecode caches (``__pycache__``), as ``pip install`` does for an installed
    package: a checkout run with ``PYTHONDONTWRITEBYTECODE`` set (this machine sets it) would otherwise
    compile every module of the tool in every timed process, a cost no installed copy pays."""
    import compileall

    for package in PACKAGES:
        if (tree / package).is_dir():
            compileall.compile_dir(tree / package, quiet=2, workers=1)


def tool_env(pythonpath: Path = ROOT, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child: this tree (or ``pythonpath``) first, loopback never proxied, and a
    case cache of its own that starts empty (a cold gate, as every revision before the cache; never the
    user's ``~/.cache``); ``extra`` may name a shared one (``OPENTACT_CONFORMANCE_CACHE_DIR``)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPENTACT_")}
    env.update(PYTHONPATH=str(pythonpath), NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    env[CACHE_DIR_ENV] = _empty_case_cache()
    env.update(extra or {})
    return env


def run_timed(command: Sequence[str], *, cwd: Path, env: dict[str, str], timeout_s: float) -> Timed:
    """Run ``command`` to its end and time it from spawn to exit (imports and interpreter start included)."""
    start = time.perf_counter()
    done = subprocess.run(
        list(command),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Timed(time.perf_counter() - start, done.returncode, done.stdout, done.stderr)


def invalid_requests(log_text: str) -> int:
    """Requests h11 refused before the app saw them: one warning each in the mock's stderr."""
    return sum(1 for line in log_text.splitlines() if _INVALID in line)


def count_requests(log_text: str) -> RequestCount:
    """Count the requests in a mock's stderr: access lines (``/_mock/`` apart) and h11 refusals."""
    api = control = invalid = 0
    for line in log_text.splitlines():
        match = _ACCESS.search(line)
        if match:
            if match["path"].startswith("/_mock/"):
                control += 1
            else:
                api += 1
        elif _INVALID in line:
            invalid += 1
    return RequestCount(api, control, invalid)


class Service:
    """A loopback server in its own process that prints ``listening on http://127.0.0.1:N``;
    ``with`` starts it and returns once that line is out, leaving it stops it with SIGTERM (then SIGKILL)."""

    def __init__(self, folder: Path, command: Sequence[str], name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.command = list(command)
        self.name = name
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._stdout = folder / f"{name}.stdout"
        self._stderr = folder / f"{name}.stderr"

    @property
    def pid(self) -> int | None:
        """The process id while it runs (to read its CPU time from /proc), else None."""
        return None if self._process is None else self._process.pid

    def __enter__(self) -> Self:
        with self._stdout.open("wb") as out, self._stderr.open("wb") as err:
            self._process = subprocess.Popen(
                self.command,
                cwd=self.folder,
                env=tool_env(),
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.url:
            found = _URL.search(self._stdout.read_text(encoding="utf-8", errors="replace"))
            if found:
                self.url = found[1]
            elif self._process.poll() is not None or time.monotonic() > deadline:
                log = self._stderr.read_text(encoding="utf-8", errors="replace")[-500:]
                self.__exit__(None, None, None)
                raise RuntimeError(f"{self.name} did not start ({' '.join(self.command[1:])}): {log}")
            else:
                time.sleep(0.05)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT_S)


class MockProcess(Service):
    """``python -m conformance.mock --port 0 --token TOKEN``: the standalone mock, no access log."""

    def __init__(self, folder: Path, *, token: str = TOKEN) -> None:
        super().__init__(
            folder, [sys.executable, "-m", "conformance.mock", "--port", "0", "--token", token], "mock"
        )
        self.token = token
        self._stats_calls = 0  # GET /_mock/stats calls of the bench itself, taken off the control count

    def stats(self) -> dict[str, int]:
        """The mock's counters (``GET /_mock/stats``), ``control_requests`` without the bench's own stats
        calls (the mock counts each one, this one included, before answering it)."""
        request = urllib.request.Request(f"{self.url}/_mock/stats", headers={"X-Auth-Token": self.token})
        self._stats_calls += 1
        with _LOOPBACK.open(request, timeout=STOP_TIMEOUT_S) as answer:
            payload: dict[str, int] = json.loads(answer.read())["payload"]
        payload["control_requests"] -= self._stats_calls
        return payload

    def count(self) -> RequestCount:
        """Requests counted so far: the app's counters, and h11's refusals from the stderr warnings
        (waits until two reads 50 ms apart agree: warnings are flushed one by one)."""
        previous = None
        while True:
            stats = self.stats()
            invalid = invalid_requests(self._stderr.read_text(encoding="utf-8", errors="replace"))
            current = RequestCount(stats["http_requests"], stats["control_requests"], invalid)
            if previous is not None and (current.api, current.invalid) == (previous.api, previous.invalid):
                return current
            previous = current
            time.sleep(0.05)
