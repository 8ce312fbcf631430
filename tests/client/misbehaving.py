"""A small loopback HTTP server that misbehaves on purpose, one behaviour per instance."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from support import LoopbackHandler, LoopbackHTTPServer

BIG_BODY_BYTES = 10 * 1024 * 1024


class _Handler(LoopbackHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        self.server.requests += 1
        getattr(self, f"_{self.server.behaviour}")()

    def _head(
        self, status: int, content_type: str, length: int | None, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def _reset(self) -> None:
        self._head(200, "application/json", 1000)
        self.wfile.write(b'{"success": tr')
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()  # RST in the middle of the body

    def _stall(self) -> None:
        self._head(200, "application/json", 100)
        self.wfile.write(b'{"success"')
        self.wfile.flush()
        time.sleep(self.server.stall_s)

    def _invalid_json(self) -> None:
        body = b'{"success": true, "payload": {"uuid": '
        self._head(200, "application/json", len(body))
        self.wfile.write(body)

    def _big(self) -> None:
        self._head(200, "application/json", BIG_BODY_BYTES)
        chunk = b" " * 65536
        try:
            for _ in range(BIG_BODY_BYTES // len(chunk)):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading at its limit, as it should

    def _html(self) -> None:
        body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        self._head(502, "text/html", len(body))
        self.wfile.write(body)

    def _empty(self) -> None:
        self._head(200, "application/json", 0)

    def _charset(self) -> None:
        body = '{"success": false, "status": 400, "message": "Numéro invalide"}'.encode("latin-1")
        self._head(400, "application/json; charset=iso-8859-1", len(body))
        self.wfile.write(body)

    def _storm(self) -> None:
        body = b'{"success": false, "status": 429, "message": "Too Many Requests"}'
        self._head(429, "application/json", len(body), {"Retry-After": str(self.server.retry_after)})
        self.wfile.write(body)


class _Server(LoopbackHTTPServer):
    daemon_threads = True
    behaviour = "empty"
    requests = 0
    stall_s = 2.0
    retry_after = 1


@contextmanager
def misbehaving(behaviour: str, **settings: float) -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.behaviour = behaviour
    for name, value in settings.items():
        setattr(server, name, value)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def url(server: _Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"
