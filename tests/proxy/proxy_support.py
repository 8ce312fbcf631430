"""Helpers of the proxy's self-tests: an ASGI wrapper that records what reached the mock and what it
answered, and the proxy as a user runs it (a subprocess printing ``listening on …``)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from conformance.mock.config import DEFAULT_TOKEN

FIXED_NOW = datetime(2026, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
LISTENING = re.compile(r"listening on (http://\S+) ")


def fixed_clock() -> datetime:
    return FIXED_NOW


@dataclass(frozen=True)
class Seen:
    """One request as it reached the mock's application (after uvicorn parsed it)."""

    method: str
    raw_path: bytes
    query: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


@dataclass(frozen=True)
class Answer:
    """One response as the mock's application wrote it (uvicorn adds only Date and Server)."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    def matches(self, response: httpx.Response) -> bool:
        """The client got exactly these bytes: status, body, headers in order (names compared lower-case:
        ASGI lower-cases them), besides the two uvicorn writes itself."""
        got = tuple((n.lower(), v) for n, v in response.headers.raw if n.lower() not in (b"date", b"server"))
        return (response.status_code, got, response.content) == (self.status, self.headers, self.body)


class Capturing:
    """An ASGI wrapper that records every HTTP request before the mock answers it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state
        self.seen: list[Seen] = []
        self.answers: list[Answer] = []  # what the app sent back, in the order of ``seen``

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        self.seen.append(
            Seen(scope["method"], scope["raw_path"], scope["query_string"], tuple(scope["headers"]), body)
        )
        delivered = False

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        status, headers, parts = 0, (), []

        async def keep(message: dict[str, Any]) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = (
                    message["status"],
                    tuple((bytes(n), bytes(v)) for n, v in message["headers"]),
                )
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
            await send(message)

        await self.app(scope, replay, keep)
        body_sent = b"" if scope["method"] == "HEAD" else b"".join(parts)  # uvicorn drops a HEAD's body
        self.answers.append(Answer(status, headers, body_sent))

    def api_requests(self) -> list[Seen]:
        return [s for s in self.seen if not s.raw_path.startswith(b"/_mock/")]


class ProxyProcess:
    """``opentact-conformance proxy …`` in a subprocess; ``url`` once it listens; ``stop()`` by signal."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("OPENTACT_")}
        full_env.update(env or {})
        self.stdout_path = cwd / "proxy.stdout"
        self.stderr_path = cwd / "proxy.stderr"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "conformance.commands.cli", "proxy", *args],
                cwd=cwd,
                env=full_env,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
            )
        self.url = ""

    def wait_listening(self, timeout_s: float = 60.0) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = LISTENING.search(self.stdout())
            if found:
                self.url = found[1]
                return self.url
            if self.process.poll() is not None:
                raise AssertionError(f"proxy exited {self.process.returncode}: {self.stderr()[-2000:]}")
            time.sleep(0.05)
        raise AssertionError(f"proxy did not listen within {timeout_s} s: {self.stderr()[-2000:]}")

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def signal(self, signum: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signum)

    def wait(self, timeout_s: float = 120.0) -> int:
        return self.process.wait(timeout_s)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


TOKEN_HEADERS = {"X-Auth-Token": DEFAULT_TOKEN}


def comparable(response: httpx.Response) -> tuple[int, bytes, list[tuple[bytes, bytes]], bytes]:
    """Status, reason, every header in order (the Date value apart: it is the clock's), body bytes."""
    headers = [(n, b"<date>" if n.lower() == b"date" else v) for n, v in response.headers.raw]
    return response.status_code, response.reason_phrase.encode(), headers, response.content
