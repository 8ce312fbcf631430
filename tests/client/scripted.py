"""Scripted HTTP/1.1 servers on real loopback sockets, and a client for them.

``Scripted`` reads one request (head and ``Content-Length`` body) at a time, keeps its exact bytes and
answers with bytes the test wrote; the same server stands in for a forward proxy (it records the
absolute-form request line it was sent and answers itself). ``talk`` replaces the whole conversation
of a connection for the cases a request/answer script cannot express (trickling, early answers)."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from conformance.engine.sending.client import TargetClient
from conformance.model.cases import Case, Expectation
from conformance.model.exchange import Exchange

Answer = Callable[[int, bytes], bytes | None]  # (request number, request bytes) -> reply; None: close

CASE = Case(
    id="c",
    phase="p",
    kind="k",
    expectation=Expectation.SUCCESS,
    params={"FROM": "12017771234", "TO": "14155550100", "Message": "hi"},
)


class Scripted:
    """A loopback server answering each request with ``answer(n, request)``; counts connections."""

    def __init__(
        self,
        answer: Answer,
        talk: Callable[[socket.socket], None] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.answer = answer
        self.talk = talk
        self.tls = tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        self.requests: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.talk or self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        if self.tls is not None:
            try:
                conn = self.tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                conn.close()
                return
        with conn, contextlib.suppress(OSError):  # the client may reset a connection it gave up on
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, rest = buffer.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                while len(rest) < length:
                    rest += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + rest[:length])
                buffer = rest[length:]
                reply = self.answer(len(self.requests), self.requests[-1])
                if reply is None:
                    return
                conn.sendall(reply)

    def request_lines(self) -> list[bytes]:
        return [request.split(b"\r\n", 1)[0] for request in self.requests]

    def close(self) -> None:
        self.listener.close()


@contextlib.contextmanager
def scripted(
    answer: Answer, talk: Callable[[socket.socket], None] | None = None, tls: ssl.SSLContext | None = None
) -> Iterator[Scripted]:
    server = Scripted(answer, talk, tls)
    try:
        yield server
    finally:
        server.close()


def reply(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def ok(_n: int, _request: bytes) -> bytes:
    return reply(b"{}", "Content-Type: application/json")


def send(url: str, case: Case = CASE, *, timeout_s: float = 5.0, **options: Any) -> Exchange:
    """One case sent by a fresh ``TargetClient`` for ``url``, which is closed again."""
    client = TargetClient(url, "tok", timeout_s=timeout_s, **options)
    try:
        return client.send(case)
    finally:
        client.close()


def sent_all(url: str, count: int, case: Case = CASE, **options: Any) -> list[Exchange]:
    """``count`` sends of ``case`` by one client (one connection pool)."""
    client = TargetClient(url, "tok", timeout_s=5.0, **options)
    try:
        return [client.send(case) for _ in range(count)]
    finally:
        client.close()


def trickle_body(conn: socket.socket) -> None:
    """The head at once, then the body one byte every 50 ms: each read is quick, the whole is not."""
    with conn, contextlib.suppress(OSError):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            conn.sendall(b"x")
            time.sleep(0.05)


def trickle_head(conn: socket.socket) -> None:
    """The head one byte every 50 ms (reads never wait long, the head never ends in time)."""
    with conn, contextlib.suppress(OSError):
        conn.recv(65536)
        for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"y" * 1000 + b"\r\n\r\n":
            conn.sendall(bytes([byte]))
            time.sleep(0.05)
