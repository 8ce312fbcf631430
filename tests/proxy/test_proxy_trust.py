"""The proxy's trust boundaries on real loopback sockets: ambiguous or malformed requests are refused
with nothing forwarded, hostile upstream answers are relayed faithfully, a client that gave up is
never forwarded, a trickling head is cut, and the listen backlog is the one asked for."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from raw_upstream import RawUpstream, raw_upstream

from conformance.engine.traffic.proxy_server import LOCAL_HEADER, ProxyServer
from conformance.engine.traffic.proxy_upstream import Upstream
from conformance.engine.traffic.proxy_wire import ProxyRecord

pytestmark = pytest.mark.slow  # starts proxies, subprocesses and `ss`

HEAD = b"POST /rest/sms?FROM=12017771234&TO=14155550100&Message=hi HTTP/1.1\r\nHost: x\r\n"
CHUNKED = HEAD + b"Transfer-Encoding: chunked\r\n\r\n"

SMUGGLING = {
    "CL then TE": HEAD + b"Content-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"0\r\n\r\nPOST /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
    "TE then CL": HEAD + b"Transfer-Encoding: chunked\r\nContent-Length: 44\r\n\r\n"
    b"0\r\n\r\nPOST /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
    "two different CL": HEAD + b"Content-Length: 5\r\nContent-Length: 7\r\n\r\nabcdefg",
    "obs-fold": HEAD + b"X-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n",
    "CRLF in a chunk extension": CHUNKED + b'5;ext="a\r\nb"\r\nhello\r\n0\r\n\r\n',
    "chunk size overflow": CHUNKED + b"ffffffffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
    "bare LF": HEAD.replace(b"\r\n", b"\n") + b"Content-Length: 0\n\n",
    "CONNECT": b"CONNECT /rest/sms HTTP/1.1\r\nHost: x\r\n\r\n",
}


def _start(upstream: RawUpstream, **options: float) -> tuple[ProxyServer, list[ProxyRecord]]:
    records: list[ProxyRecord] = []
    return ProxyServer(Upstream.parse(upstream.url), records.append, timeout_s=10, **options).start(), records


@pytest.fixture
def ok_upstream() -> Iterator[RawUpstream]:
    with raw_upstream("ok") as upstream:
        yield upstream


def _exchange(port: int, data: bytes) -> bytes:
    """Send ``data``, half-close, read until the proxy closes (it must close: recv returns b'')."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


@pytest.mark.parametrize("name", list(SMUGGLING))
def test_an_ambiguous_or_malformed_request_is_refused_and_nothing_reaches_the_upstream(
    name: str, ok_upstream: RawUpstream
) -> None:
    server, records = _start(ok_upstream)
    try:
        answer = _exchange(server.port, SMUGGLING[name])
    finally:
        server.stop()
    expected = b"HTTP/1.1 501" if name == "CONNECT" else b"HTTP/1.1 400"
    assert answer.startswith(expected), answer[:200]
    assert answer.count(b"HTTP/1.1 ") == 1  # one answer, then the connection closed
    assert ok_upstream.heads == [] and records == [] and server.stats.forwarded == 0


def test_a_clean_request_on_the_same_path_is_forwarded_once(ok_upstream: RawUpstream) -> None:
    server, _ = _start(ok_upstream)
    try:
        answer = _exchange(server.port, HEAD + b"Content-Length: 5\r\n\r\nhello")
    finally:
        server.stop()
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"ok")
    assert len(ok_upstream.heads) == 1 and b"smuggled" not in ok_upstream.heads[0]


def test_an_upstream_head_then_close_reaches_the_client_then_the_connection_closes() -> None:
    with raw_upstream("head_then_close") as upstream:
        server, records = _start(upstream)
        try:
            answer = _exchange(server.port, HEAD + b"Content-Length: 0\r\n\r\n")
        finally:
            server.stop()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"content-length: 100" in head.lower()
    assert LOCAL_HEADER.lower().encode() not in head.lower()  # the upstream's head, not a proxy 502
    assert body == b"partial"  # what came, then the close: a cut body, as the client would see directly
    assert server.stats.upstream_failed == 1 and records[0].status == 200


def test_an_early_413_reaches_the_client_every_time() -> None:
    body = b"x" * 300_000
    with raw_upstream("early_413") as upstream:
        server, _ = _start(upstream)
        try:
            with httpx.Client(base_url=server.url, timeout=10) as client:
                statuses = [client.post("/rest/sms", content=body).status_code for _ in range(10)]
        finally:
            server.stop()
    assert statuses == [413] * 10


def _get_through_proxy(behaviour: str) -> httpx.Response:
    with raw_upstream(behaviour) as upstream:
        server, _ = _start(upstream)
        try:
            with httpx.Client(base_url=server.url, timeout=10) as client:
                return client.get("/rest/sms")
        finally:
            server.stop()


def test_an_answer_with_both_cl_and_te_is_relayed_without_its_content_length() -> None:
    answer = _get_through_proxy("cl_and_te")
    assert (answer.status_code, answer.content) == (200, b"hello")
    assert "content-length" not in answer.headers and LOCAL_HEADER not in answer.headers


def test_an_answer_with_cl_alone_keeps_it() -> None:
    answer = _get_through_proxy("ok")
    assert answer.headers["content-length"] == "2" and answer.content == b"ok"


def _poll(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.02)


def test_a_client_that_gave_up_while_the_upstream_was_busy_is_never_forwarded(ok_upstream) -> None:
    ok_upstream.gate.clear()  # the upstream holds its one connection's answer
    server, _ = _start(ok_upstream, upstream_connections=1, pool_wait_s=20)
    first = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        first.sendall(HEAD + b"Content-Length: 0\r\n\r\n")
        _poll(lambda: len(ok_upstream.heads) == 1)
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as retry_of_nothing:
            retry_of_nothing.sendall(HEAD + b"Content-Length: 0\r\n\r\n")  # waits for the one slot...
            _poll(lambda: server.waiting == 1)
        # ...and its client gives up (closes) before the slot is free
        ok_upstream.gate.set()
        assert first.recv(65536).startswith(b"HTTP/1.1 200")
        _poll(lambda: server.stats.client_gone_before_forwarding == 1)
    finally:
        first.close()
        server.stop()
    assert server.stats.client_gone_before_forwarding == 1
    assert len(ok_upstream.heads) == 1 and server.stats.forwarded == 1


def test_a_request_that_waits_past_the_pool_deadline_gets_a_503_and_is_not_forwarded(ok_upstream) -> None:
    ok_upstream.gate.clear()
    server, _ = _start(ok_upstream, upstream_connections=1, pool_wait_s=0.3)
    first = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        first.sendall(HEAD + b"Content-Length: 0\r\n\r\n")
        _poll(lambda: len(ok_upstream.heads) == 1)
        waiting = _exchange(server.port, HEAD + b"Content-Length: 0\r\n\r\n")
        ok_upstream.gate.set()
        assert first.recv(65536).startswith(b"HTTP/1.1 200")
    finally:
        first.close()
        server.stop()
    assert waiting.startswith(b"HTTP/1.1 503") and LOCAL_HEADER.lower().encode() in waiting.lower()
    assert len(ok_upstream.heads) == 1 and server.stats.refused_busy == 1


def test_a_trickling_request_head_is_cut_at_the_head_deadline(ok_upstream: RawUpstream) -> None:
    server, _ = _start(ok_upstream, head_timeout_s=1.0)
    data = HEAD + b"X-Padding: " + b"a" * 2000 + b"\r\nContent-Length: 0\r\n\r\n"
    sent = 0
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.settimeout(0.05)
            closed = False
            while not closed and sent < len(data):
                try:
                    sock.send(data[sent : sent + 1])
                    sent += 1
                    closed = sock.recv(1) == b""
                except TimeoutError:
                    continue  # nothing to read yet: the proxy still waits for the head
                except OSError:
                    closed = True
    finally:
        server.stop()
    assert closed and sent < len(data)  # cut before the head was complete
    assert ok_upstream.heads == []


def test_a_head_that_arrives_in_pieces_within_the_deadline_is_served(ok_upstream: RawUpstream) -> None:
    server, _ = _start(ok_upstream, head_timeout_s=10.0)
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            for piece in (HEAD[:10], HEAD[10:], b"Content-Length: 0\r\n\r\n"):
                sock.sendall(piece)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    finally:
        server.stop()


def _listen_backlog(port: int) -> int:
    """The listening socket's backlog as the kernel holds it (ss: Send-Q of a LISTEN socket)."""
    out = subprocess.run(
        ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[2])


@pytest.mark.parametrize("backlog", [16, 1000])
def test_the_listen_backlog_is_the_one_configured(backlog: int, ok_upstream: RawUpstream) -> None:
    server, _ = _start(ok_upstream, backlog=backlog)
    try:
        got = _listen_backlog(server.port)
    finally:
        server.stop()
    assert got == min(backlog, int(Path("/proc/sys/net/core/somaxconn").read_text()))


FD_LIMITED_PROXY = """
import resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
from conformance.engine.traffic.proxy_server import ProxyServer
from conformance.engine.traffic.proxy_upstream import Upstream
server = ProxyServer(Upstream.parse(sys.argv[1]), lambda record: None, timeout_s=10).start()
print(server.port, server.max_clients, flush=True)
sys.stdin.readline()
server.stop()
"""


def test_more_idle_connections_than_descriptors_leave_a_legitimate_request_answered_and_stderr_quiet(
    ok_upstream: RawUpstream,
) -> None:
    proxy = subprocess.Popen(
        [sys.executable, "-c", FD_LIMITED_PROXY, ok_upstream.url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    idle: list[socket.socket] = []
    try:
        assert proxy.stdout is not None and proxy.stdin is not None
        port, cap = map(int, proxy.stdout.readline().split())
        for _ in range(300):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            answer = client.post("/rest/sms", content=b"hello")
        proxy.stdin.write("stop\n")
        proxy.stdin.flush()
    finally:
        for sock in idle:
            sock.close()
        _, stderr = proxy.communicate(timeout=60)
    assert cap < 256 // 2
    assert answer.status_code in (200, 503)  # an answer or a quick refusal, never a hang
    if answer.status_code == 503:
        assert answer.headers[LOCAL_HEADER] == "503"
    assert len(stderr) < 4096, stderr[:2000]
    assert "Traceback" not in stderr
