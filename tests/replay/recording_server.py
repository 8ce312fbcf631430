"""A loopback HTTP server that records every request it gets (request line, headers, body) and
answers each with a plain documented-looking 200: a target whose traffic a test can search."""

from __future__ import annotations

import json
import threading

from support import LoopbackHandler, LoopbackHTTPServer

__all__ = ["RecordingServer"]


class _Handler(LoopbackHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        return

    def _record_and_answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        raw = f"{self.requestline}\r\n{self.headers}".encode("latin-1", "replace") + body
        with self.server.lock:
            self.server.requests.append(raw)
        answer = json.dumps({"success": True, "status": 200, "payload": {}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_DELETE = _record_and_answer


class _Server(LoopbackHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[bytes] = []


class RecordingServer:
    """``with RecordingServer() as server``: ``server.url``, ``server.requests`` (raw bytes each)."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[bytes]:
        with self._server.lock:
            return list(self._server.requests)

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
