"""The proxy's transport against real mocks on loopback: what the client gets is what the mock sent,
what the mock gets is what the client sent, and nothing the client does breaks the proxy."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from proxy_support import TOKEN_HEADERS, Seen, comparable

from conformance.engine.sending.client import MAX_BODY_BYTES
from conformance.engine.traffic.proxy_server import LOCAL_HEADER, ProxyServer
from conformance.engine.traffic.proxy_upstream import Upstream
from conformance.engine.traffic.proxy_wire import HOP_BY_HOP, ProxyRecord

SENDER, DEST = "12017771234", "14155550100"
VALID = {"FROM": SENDER, "TO": DEST, "Message": "hello"}


def _chunks() -> Iterator[bytes]:
    yield b'{"from": "12017771234", '
    yield b'"to": "14155550100", "message": "chunked"}'


# (method, path with raw query, headers, body): a fixed list, the same for both routes
REQUESTS: list[tuple[str, str, dict[str, str], object]] = [
    ("POST", f"/rest/sms?FROM={SENDER}&TO={DEST}&Message=hello", TOKEN_HEADERS, None),
    ("POST", f"/rest/sms?FROM={SENDER}&TO={DEST}&Message=a%2Bb+c%41%20%E2%82%AC", TOKEN_HEADERS, None),
    ("POST", f"/rest/sms?FROM={SENDER}&TO=qwerty123456789&Message=x", TOKEN_HEADERS, None),
    ("POST", f"/rest/sms?FROM={SENDER}&TO={DEST}&TO=14155550101&Message=twice", TOKEN_HEADERS, None),
    ("POST", f"/rest/sms?FROM={SENDER}&TO={DEST}&Message=no-token", {}, None),
    ("POST", f"/rest/sms?FROM=19998887777&TO={DEST}&Message=unleased", TOKEN_HEADERS, None),
    ("POST", "/rest/sms", {**TOKEN_HEADERS, "Content-Type": "application/json"}, b'{"from": "x"}'),
    ("POST", "/rest/sms", {**TOKEN_HEADERS, "Content-Type": "application/json"}, "chunks"),
    ("GET", "/rest/sms", TOKEN_HEADERS, None),
    ("GET", "/not/documented?x=1", {}, None),
    ("HEAD", "/rest/sms", TOKEN_HEADERS, None),
]


def _send(
    client: httpx.Client, method: str, path: str, headers: dict[str, str], body: object
) -> httpx.Response:
    content = _chunks() if body == "chunks" else body
    return client.request(method, path, headers=headers, content=content)  # type: ignore[arg-type]


def _records(records: list[ProxyRecord], count: int) -> list[ProxyRecord]:
    """The records once ``count`` are in (each is handed over just after the client got its answer)."""
    deadline = time.monotonic() + 10
    while len(records) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return records


def _without_host(seen: Seen) -> Seen:
    """The request without Host (the proxy names the upstream) and the hop-by-hop headers (D40)."""
    headers = tuple(h for h in seen.headers if h[0] != b"host" and h[0] not in HOP_BY_HOP)
    return Seen(seen.method, seen.raw_path, seen.query, headers, seen.body)


@pytest.fixture
def proxied(capturing_mock):
    """A capturing mock behind a proxy (in-process, real sockets), its records, and a second equal mock."""
    behind, seen_behind = capturing_mock(fixed_time=True)
    direct, seen_direct = capturing_mock(fixed_time=True)
    records: list[ProxyRecord] = []
    server = ProxyServer(Upstream.parse(behind.url), records.append, timeout_s=10).start()
    try:
        yield server, seen_behind, direct, seen_direct, records
    finally:
        server.stop()


def test_the_client_gets_the_mocks_bytes_and_the_mock_gets_exactly_the_clients_requests(proxied) -> None:
    server, seen_behind, direct, seen_direct, records = proxied
    with (
        httpx.Client(base_url=server.url, timeout=10) as via,
        httpx.Client(base_url=direct.url, timeout=10) as plain,
    ):
        responses = [_send(via, *request) for request in REQUESTS]
        got = [comparable(r) for r in responses]
        expected = [comparable(_send(plain, *request)) for request in REQUESTS]
    assert got == expected
    assert all(a.matches(r) for a, r in zip(seen_behind.answers, responses, strict=True))
    behind, straight = seen_behind.api_requests(), seen_direct.api_requests()
    assert len(behind) == len(straight) == len(REQUESTS)
    assert [_without_host(s) for s in behind] == [_without_host(s) for s in straight]
    assert {dict(s.headers)[b"host"] for s in behind} == {server.upstream.authority.encode()}
    assert len(_records(records, len(REQUESTS))) == len(REQUESTS)
    assert [r.status for r in records] == [g[0] for g in got]
    assert server.stats.forwarded == server.stats.answered == len(REQUESTS)


def test_a_body_past_the_cap_passes_whole_and_only_the_cap_is_kept(proxied) -> None:
    server, seen_behind, _, _, records = proxied
    body = bytes(range(256)) * (3 * MAX_BODY_BYTES // 256 + 7)
    with httpx.Client(base_url=server.url, timeout=30) as via:
        via.post("/rest/sms", params=VALID, headers=TOKEN_HEADERS, content=body)
    assert seen_behind.api_requests()[-1].body == body
    assert _records(records, 1)[-1].request_truncated and records[-1].request_body == body[:MAX_BODY_BYTES]


def test_hop_by_hop_headers_stop_at_the_proxy_and_the_others_pass_in_order(proxied) -> None:
    server, seen_behind, _, _, records = proxied
    headers = [
        ("X-First", "1"),
        ("Connection", "keep-alive, X-Hop"),
        ("X-Hop", "named by Connection"),
        ("Keep-Alive", "timeout=5"),
        ("Proxy-Authorization", "Basic eDp5"),
        ("X-Auth-Token", TOKEN_HEADERS["X-Auth-Token"]),
        ("X-Last", "2"),
    ]
    with httpx.Client(base_url=server.url, timeout=10) as via:
        via.post("/rest/sms", params=VALID, headers=headers)
    names = [n for n, _ in seen_behind.api_requests()[-1].headers]
    assert not {b"connection", b"x-hop", b"keep-alive", b"proxy-authorization"} & set(names)
    kept = [n for n in names if n.startswith(b"x-")]
    assert kept == [b"x-first", b"x-auth-token", b"x-last"]
    assert ("X-First", "1") in _records(records, 1)[-1].request_headers  # the case the client wrote is kept


def test_a_dead_upstream_gets_the_client_a_502_written_by_the_proxy_and_a_record() -> None:
    with socket.socket() as placeholder:  # a port nobody listens on
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    records: list[ProxyRecord] = []
    server = ProxyServer(Upstream.parse(f"http://127.0.0.1:{port}"), records.append, timeout_s=5).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as via:
            first = via.post("/rest/sms", params=VALID, headers=TOKEN_HEADERS)
            second = via.post("/rest/sms", params=VALID, headers=TOKEN_HEADERS)
    finally:
        server.stop()
    assert first.status_code == second.status_code == 502
    assert first.headers[LOCAL_HEADER] == "502"
    assert [r.status for r in _records(records, 2)] == [None, None]
    assert all(r.error_side == "upstream" and r.error for r in records)
    assert server.stats.upstream_failed == 2


def _raw(port: int, data: bytes, *, read: bool = True) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        if not read:
            return b""
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_a_client_breaking_http_gets_a_400_nothing_is_forwarded_and_the_proxy_keeps_serving(proxied) -> None:
    server, seen_behind, _, _, records = proxied
    garbage = [
        b"NOT HTTP AT ALL\r\n\r\n",
        b"POST /rest/sms HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde",
        b"POST /rest/sms HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n",
        b"GET http://example.org/rest/sms HTTP/1.1\r\nHost: example.org\r\n\r\n",
        b"POST /rest/sms HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
    ]
    answers = [_raw(server.port, data) for data in garbage]
    assert all(answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 431")) for answer in answers), answers
    assert seen_behind.api_requests() == [] and records == []
    assert server.stats.client_refused == len(garbage)
    with httpx.Client(base_url=server.url, timeout=10) as via:
        assert via.post("/rest/sms", params=VALID, headers=TOKEN_HEADERS).status_code == 200


def test_a_client_that_goes_away_mid_body_is_recorded_not_checked_and_the_proxy_keeps_serving(
    proxied,
) -> None:
    server, seen_behind, _, _, records = proxied
    head = (
        f"POST /rest/sms?FROM={SENDER}&TO={DEST}&Message=x HTTP/1.1\r\nHost: x\r\n"
        f"X-Auth-Token: {TOKEN_HEADERS['X-Auth-Token']}\r\nContent-Length: 100000\r\n\r\n"
    ).encode()
    _raw(server.port, head + b"only part of it", read=False)
    _raw(server.port, b"POST /rest/sms HTTP/1.1\r\nHost: x\r\n", read=False)  # gone before the headers end
    deadline = time.monotonic() + 10
    while server.stats.client_aborted < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.stats.client_aborted == 1
    assert [r.error_side for r in _records(records, 1)] == ["client"]
    assert all(len(s.body) < 100000 for s in seen_behind.api_requests())  # never a whole request
    with httpx.Client(base_url=server.url, timeout=10) as via:
        answer = via.post("/rest/sms", params=VALID, headers=TOKEN_HEADERS)
    assert answer.status_code == 200 and json.loads(answer.content)["success"] is True
