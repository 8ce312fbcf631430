"""The client's own HTTP/1.1 wire, against scripted servers on real loopback sockets.

Each server reads one request head and body at a time and answers with bytes the test wrote, so the
framing cases a real target shows (compressed bodies, bombs, keep-alive and its end, interim
responses, answers before the request was read) are exercised byte for byte. The query encoding is
compared with httpx's, the client this wire replaced."""

from __future__ import annotations

import contextlib
import gzip
import socket
import ssl
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from urllib.parse import parse_qsl

import pytest
import trustme
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.engine.client import _tls_context
from conformance.engine.http_imports import httpx
from conformance.engine.wire import ConnectError, Wire, WireError, encode_query, request_target

Answer = Callable[[int, bytes], bytes | None]  # (request number, request bytes) -> reply; None: close


class Scripted:
    """A loopback server answering each request with ``answer(n, request)``; counts connections.
    ``talk``, when given, handles each connection by itself instead."""

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
        with conn:
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


def send(wire: Wire, body: bytes = b"{}", *, within: float = 5.0) -> object:
    return wire.request(
        "POST", "/rest/sms", [("Accept", "application/json")], body, deadline=time.monotonic() + within
    )


def test_a_gzip_or_deflate_body_arrives_decoded_and_the_request_offers_what_the_wire_decodes() -> None:
    text = b'{"success": true}'
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    answers = [
        reply(gzip.compress(text), "Content-Encoding: gzip"),
        reply(zlib.compress(text), "Content-Encoding: deflate"),
        reply(raw_deflate.compress(text) + raw_deflate.flush(), "Content-Encoding: deflate"),
        reply(zlib.compress(gzip.compress(text)), "Content-Encoding: gzip, deflate"),
        reply(text, "Content-Encoding: br"),  # not offered, not decoded: the bytes as they came
    ]
    with scripted(lambda n, _: answers[n - 1]) as server:
        wire = Wire(server.url, None, limit=1 << 20)
        bodies = [send(wire).body for _ in answers]  # type: ignore[attr-defined]
        wire.close()
    assert bodies == [text] * 5
    assert b"\r\nAccept-Encoding: gzip, deflate\r\n" in server.requests[0]
    assert b"\r\nUser-Agent: opentact-conformance/" in server.requests[0]


def test_a_compressed_bomb_is_cut_at_the_limit_without_inflating_it() -> None:
    bomb = gzip.compress(b"0" * 50_000_000)  # 50 MB of zeros in about 50 kB
    with scripted(lambda n, _: reply(bomb, "Content-Encoding: gzip")) as server:
        wire = Wire(server.url, None, limit=1000)
        tracemalloc.start()
        try:
            answer = send(wire)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        wire.close()
    assert answer.truncated and answer.body == b"0" * 1000  # type: ignore[attr-defined]
    assert peak < 5_000_000  # inflated whole it would be 50 MB


def test_a_broken_compressed_body_is_a_decoding_error() -> None:
    with scripted(lambda n, _: reply(b"not gzip at all", "Content-Encoding: gzip")) as server:
        wire = Wire(server.url, None, limit=1 << 20)
        with pytest.raises(WireError) as caught:
            send(wire)
        wire.close()
    assert caught.value.kind == "DecodingError"


def test_requests_share_one_kept_alive_connection_until_the_target_ends_it() -> None:
    def answer(n: int, request: bytes) -> bytes:
        return reply(b"{}", "Connection: close") if n == 3 else reply(b"{}")

    with scripted(answer) as server:
        wire = Wire(server.url, None, limit=1 << 20)
        statuses = [send(wire).status for _ in range(5)]  # type: ignore[attr-defined]
        wire.close()
    assert statuses == [200] * 5
    assert server.connections == 2  # requests 1-3 on the first, 4-5 on a new one after "close"


def answer_once_then_close(conn: socket.socket) -> None:
    """One request per connection, answered without ``Connection: close``, then the socket closed."""
    with conn:
        buffer = b""
        while not buffer.endswith(b"{}"):
            buffer += conn.recv(65536)
        conn.sendall(reply(b"{}"))


def test_a_connection_the_target_closed_while_idle_is_not_reused() -> None:
    with scripted(lambda n, _: None, answer_once_then_close) as server:
        wire = Wire(server.url, None, limit=1 << 20)
        first = send(wire)
        time.sleep(0.1)  # the close reaches the client's idle socket
        second = send(wire)
        wire.close()
    assert first.status == second.status == 200  # type: ignore[attr-defined]
    assert server.connections == 2


def test_interim_responses_are_skipped() -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    with scripted(lambda n, _: interim + reply(b'{"ok": 1}', status="201 Created")) as server:
        wire = Wire(server.url, None, limit=1 << 20)
        answer = send(wire)
        wire.close()
    assert (answer.status, answer.body) == (201, b'{"ok": 1}')  # type: ignore[attr-defined]


def test_a_target_that_closes_without_answering_is_a_protocol_error_and_a_refused_port_a_connect_error() -> (
    None
):
    with scripted(lambda n, _: None) as server:
        wire = Wire(server.url, None, limit=1 << 20)
        with pytest.raises(WireError) as caught:
            send(wire)
        wire.close()
    assert (caught.value.kind, str(caught.value)) == (
        "RemoteProtocolError",
        "Server disconnected without sending a response.",
    )
    unused = socket.create_server(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()
    with pytest.raises(ConnectError):
        send(Wire(f"http://127.0.0.1:{port}", None, limit=1 << 20))


def trickle(conn: socket.socket) -> None:
    """The head at once, then the body one byte every 50 ms: each read is quick, the whole is not."""
    with conn:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        with contextlib.suppress(OSError):
            for _ in range(1000):
                conn.sendall(b"x")
                time.sleep(0.05)


def test_the_deadline_bounds_the_whole_request_not_each_read() -> None:
    with scripted(lambda n, _: None, trickle) as server:
        wire = Wire(server.url, None, limit=1 << 20)
        started = time.monotonic()
        with pytest.raises(WireError) as caught:
            send(wire, within=0.5)
        took = time.monotonic() - started
        wire.close()
    assert (caught.value.kind, str(caught.value)) in {
        ("ReadTimeout", "timed out"),
        ("ReadTimeout", "the request's total deadline passed"),
    }
    assert took < 3  # 1000 bytes at 50 ms each would take 50 s


def test_non_ascii_response_headers_are_read_as_utf8_then_latin1() -> None:
    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Name: caf\xc3\xa9\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Name: caf\xe9\r\n\r\n",
    ]
    with scripted(lambda n, _: answers[n - 1]) as server:
        wire = Wire(server.url, None, limit=1 << 20)
        seen = [dict(send(wire).headers)["X-Name"] for _ in answers]  # type: ignore[attr-defined]
        wire.close()
    assert seen == ["café", "café"]


def test_an_illegal_header_value_is_refused_before_anything_is_sent() -> None:
    with scripted(lambda n, _: reply(b"{}")) as server:
        wire = Wire(server.url, None, limit=1 << 20)
        with pytest.raises(WireError) as caught:
            wire.request(
                "POST",
                "/rest/sms",
                [("X-Auth-Token", "a\r\nInjected: 1")],
                b"{}",
                deadline=time.monotonic() + 5,
            )
        wire.close()
    assert caught.value.kind == "LocalProtocolError"
    assert server.requests == []


def answer_early(conn: socket.socket) -> None:
    """A little of the head read, then a 413 and the end of the connection."""
    with conn:
        conn.recv(100)
        conn.sendall(reply(b'{"error": "too large"}', "Connection: close", status="413 Content Too Large"))
        conn.shutdown(socket.SHUT_WR)
        time.sleep(0.2)


def test_an_answer_before_the_request_was_read_is_still_read() -> None:
    with scripted(lambda n, _: None, answer_early) as server:
        wire = Wire(server.url, None, limit=1 << 20)
        answer = send(wire, b"x" * 5_000_000)
        wire.close()
    assert answer.status == 413  # type: ignore[attr-defined]


def test_an_https_target_is_verified_against_the_system_cas_and_a_stranger_is_refused() -> None:
    ca = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_side)
    with scripted(lambda n, _: reply(b"{}"), tls=server_side) as server:
        trusting = ssl.create_default_context()
        ca.configure_trust(trusting)
        wire = Wire(server.url, trusting, limit=1 << 20)
        answer = send(wire)
        wire.close()
        default = _tls_context(server.url)
        assert default is not None
        with pytest.raises(ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            send(Wire(server.url, default, limit=1 << 20))
    assert answer.status == 200  # type: ignore[attr-defined]
    assert len(server.requests) == 1  # the refused connection sent nothing
    assert _tls_context("http://127.0.0.1:8080") is None  # plain http never starts TLS


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_TEXT, _TEXT, max_size=6), st.sampled_from(["", "/", "/v1", "/v1/"]))
def test_the_request_target_is_the_one_httpx_sent_for_the_same_query(
    query: dict[str, str], base: str
) -> None:
    pairs = list(query.items())
    client = httpx.Client(base_url=f"http://127.0.0.1:9{base}")
    expected = client.build_request("POST", "/rest/sms", params=pairs).url.raw_path.decode("ascii")
    assert request_target(base, "/rest/sms", pairs) == expected


@given(st.lists(st.tuples(_TEXT, _TEXT), max_size=8))
def test_repeated_names_keep_their_recorded_order_and_read_back_as_sent(pairs: list[tuple[str, str]]) -> None:
    assert parse_qsl(encode_query(pairs), keep_blank_values=True) == pairs


def test_the_host_header_and_base_path_are_sent_as_ascii() -> None:
    idn = Wire("https://bücher.example/v1/ä%20b", None, limit=1)
    assert (idn.host_header, idn.base_path, idn.port) == ("xn--bcher-kva.example", "/v1/%C3%A4%20b", 443)
    ipv6 = Wire("http://[::1]:8080", None, limit=1)
    assert (ipv6.host, ipv6.host_header, ipv6.port) == ("::1", "[::1]:8080", 8080)
    assert Wire("http://127.0.0.1:80/", None, limit=1).host_header == "127.0.0.1"
