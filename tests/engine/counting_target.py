"""A loopback target that answers every request with one fixed status and body, and counts them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CountingTarget:
    """``requests`` counts what reached the server; every answer is ``status`` with ``body``."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status, self.body = status, body
        self.requests = 0
        self._lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                with target._lock:
                    target.requests += 1
                self.send_response(target.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(target.body)))
                self.end_headers()
                self.wfile.write(target.body)

            def log_message(self, *args: object) -> None:
                return

        return Handler


@contextmanager
def counting_target(status: int, body: bytes) -> Iterator[tuple[CountingTarget, str]]:
    """The target and its URL, served on 127.0.0.1 (a free port) until the block ends."""
    target = CountingTarget(status, body)
    server = ThreadingHTTPServer(("127.0.0.1", 0), target.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield target, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
