"""A loopback reverse proxy that throttles: some requests get 429, the others reach a real target.

``throttling_proxy(target_url, every=2)`` answers every 2nd ``POST`` with 429 (``Retry-After`` as
given) without forwarding it, and forwards the rest, and every ``GET``, to ``target_url`` (the real
mock under uvicorn), so a throttled run can be compared with a direct one. ``every=1`` throttles
everything; ``first=n`` throttles the first n requests instead. ``arrivals`` keeps when each POST
came, its target and whether it was throttled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from support import LoopbackHandler, LoopbackHTTPServer

THROTTLED_BODY = b'{"success": false, "status": 429, "message": "Too Many Requests"}'


class _Handler(LoopbackHandler):
    server: ThrottlingProxy

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.requests += 1
            if self.server.first is not None:
                throttle = self.server.requests <= self.server.first
            else:
                throttle = self.server.requests % self.server.every == 0
            self.server.throttled += int(throttle)
            self.server.arrivals.append((time.monotonic(), self.path, throttle))
        if throttle:
            wait = self.server.retry_after
            self._answer(
                429, "application/json", THROTTLED_BODY, {} if wait is None else {"Retry-After": wait}
            )
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        answer = self.server.upstream.post(self.path, headers=headers, content=body)
        self._answer(answer.status_code, answer.headers.get("content-type", ""), answer.content, {})

    def do_GET(self) -> None:
        """Other routes (the life-cycle phase's lookups, D68) reach the target, never throttled or counted."""
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        answer = self.server.upstream.get(self.path, headers=headers)
        self._answer(answer.status_code, answer.headers.get("content-type", ""), answer.content, {})

    def _answer(self, status: int, content_type: str, body: bytes, extra: dict[str, str]) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class ThrottlingProxy(LoopbackHTTPServer):
    daemon_threads = True

    def __init__(
        self, target_url: str, every: int, retry_after: str | None, first: int | None = None
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = httpx.Client(base_url=target_url, timeout=10.0, trust_env=False)
        self.every = every
        self.first = first
        self.retry_after = retry_after
        self.lock = threading.Lock()
        self.requests = 0
        self.throttled = 0
        self.arrivals: list[tuple[float, str, bool]] = []  # (when, request target, throttled)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


@contextmanager
def throttling_proxy(
    target_url: str, *, every: int = 2, retry_after: str | None = "0", first: int | None = None
) -> Iterator[ThrottlingProxy]:
    """``retry_after=None``: the 429 carries no Retry-After header."""
    proxy = ThrottlingProxy(target_url, every, retry_after, first)
    thread = threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()
        proxy.upstream.close()
        thread.join(timeout=5)
