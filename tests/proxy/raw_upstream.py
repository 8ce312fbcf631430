"""A hand-driven upstream on 127.0.0.1 for the proxy's trust-boundary tests: it counts every request
head that reaches it and answers in one of a few hostile ways, byte for byte."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

ANSWERS = {
    "ok": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
    "head_then_close": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial",
    "early_413": b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big!",
    "big": b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\nConnection: close\r\n\r\n" + b"x" * 1_048_576,
    "cl_and_te": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\n"
    ),
}


class RawUpstream:
    """``heads``: the request heads received; ``gate``: while clear, answers wait (a busy upstream)."""

    def __init__(self, behaviour: str = "ok") -> None:
        self.answer = ANSWERS[behaviour]
        self.heads: list[bytes] = []
        self.gate = threading.Event()
        self.gate.set()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._closed = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data and (chunk := conn.recv(65536)):
                data += chunk
            if not data:
                return
            self.heads.append(data.split(b"\r\n\r\n", 1)[0])
            self.gate.wait(30)
            conn.sendall(self.answer)  # the early answer goes out before the body is read
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(65536):  # then the body is read and dropped, as a server closing politely
                pass

    def close(self) -> None:
        self._closed = True
        self.gate.set()
        self._sock.close()


@contextlib.contextmanager
def raw_upstream(behaviour: str = "ok") -> Iterator[RawUpstream]:
    server = RawUpstream(behaviour)
    try:
        yield server
    finally:
        server.close()
