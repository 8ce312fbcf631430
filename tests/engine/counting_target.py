"""A loopback target that answers each request by its number (1-based) and counts what reached it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from support import LoopbackHandler, LoopbackHTTPServer

Script = Callable[[int], tuple[int, bytes]]  # request number -> (status, JSON body)


class CountingTarget:
    """``requests`` counts what reached the server; request ``n`` is answered ``script(n)``."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests = 0
        self._lock = threading.Lock()

    def handler(self) -> type[LoopbackHandler]:
        target = self

        class Handler(LoopbackHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with target._lock:
                    target.requests += 1
                    number = target.requests
                status, body = target.script(number)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        return Handler


@contextmanager
def counting_target(
    status: int, body: bytes, script: Script | None = None
) -> Iterator[tuple[CountingTarget, str]]:
    """The target (every answer ``status`` with ``body``, unless a ``script`` says otherwise) and its URL,
    served on 127.0.0.1 (a free port) until the block ends."""
    target = CountingTarget(script or (lambda _: (status, body)))
    server = LoopbackHTTPServer(("127.0.0.1", 0), target.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield target, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
