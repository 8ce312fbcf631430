"""The reference server on a real socket: the standard library's threading HTTP server on 127.0.0.1.

``with ReferenceServer(config) as server:`` starts it on a free port in a background thread and
stops it (and closes the socket) on exit; errors raised while handling a request are kept in
``server.errors`` so a test can re-raise them.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from reference.target.app import ReferenceApp, Request, Response
from reference.target.config import ReferenceConfig

__all__ = ["ReferenceServer"]

MAX_BODY = 1_048_576
IDLE_TIMEOUT_S = 5.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, every response carries Content-Length
    timeout = IDLE_TIMEOUT_S  # an idle keep-alive connection is closed after this
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the suite's own report is the log."""

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._write(Response(413), close=True)
            return
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=split.path,
            query=split.query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        try:
            response = self.server.app.handle(request)
        except Exception as exc:  # a bug in the reference server: answer 500, keep it for the test
            self.server.errors.append(exc)
            response = Response(500)
        self._write(response)

    def _write(self, response: Response, *, close: bool = False) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)

    do_POST = do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # socketserver's 5 drops connections a run opens at once: 1 s SYN retries

    def __init__(self, app: ReferenceApp, errors: list[BaseException]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app
        self.errors = errors


class ReferenceServer:
    """A reference server on a free 127.0.0.1 port for the duration of a ``with`` block."""

    def __init__(self, config: ReferenceConfig) -> None:
        self.config = config
        self.app = ReferenceApp(config)
        self._errors: list[BaseException] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the reference server is not running; use it in a `with` block")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised while handling requests (each was answered with a bare 500)."""
        return list(self._errors)

    def __enter__(self) -> ReferenceServer:
        self._server = _Server(self.app, self._errors)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="reference-server",
        )
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        self._server = None
