"""The client on httpx, against scripted servers on real loopback sockets (D45).

Each server answers with bytes the test wrote, so the framing cases a real target shows (compressed
bodies, bombs, stacked codings, keep-alive and its end, interim responses, answers before the request
was read, trickled bytes, oversized heads) are exercised byte for byte through the client the suite
sends with, ``TargetClient``."""

from __future__ import annotations

import dataclasses
import gzip
import socket
import threading
import time
import tracemalloc
import zlib

import httpx
import pytest
from scripted import CASE, ok, reply, scripted, send, sent_all, trickle_body, trickle_head

from conformance.engine.sending.client import MAX_BODY_BYTES, TargetClient, TargetUnreachableError
from conformance.engine.sending.response_body import MAX_CODINGS


def test_a_gzip_or_deflate_body_arrives_decoded_and_the_request_offers_what_is_decoded() -> None:
    text = b'{"success": true}'
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    answers = [
        reply(gzip.compress(text), "Content-Encoding: gzip"),
        reply(zlib.compress(text), "Content-Encoding: deflate"),
        reply(raw_deflate.compress(text) + raw_deflate.flush(), "Content-Encoding: deflate"),
        reply(zlib.compress(gzip.compress(text)), "Content-Encoding: gzip, deflate"),
        reply(text, "Content-Encoding: br"),  # not offered, not decoded: the bytes as they came
        reply(text),
    ]
    with scripted(lambda n, _: answers[n - 1]) as server:
        exchanges = sent_all(server.url, len(answers))
    assert [e.response.body for e in exchanges if e.response] == [text] * 6
    assert b"\r\nAccept-Encoding: gzip, deflate\r\n" in server.requests[0]
    assert b"\r\nUser-Agent: opentact-conformance/" in server.requests[0]


def test_a_compressed_bomb_is_cut_at_the_limit_without_inflating_it() -> None:
    bomb = gzip.compress(b"0" * 50_000_000)  # 50 MB of zeros in about 50 kB
    double = gzip.compress(gzip.compress(b"0" * 200_000_000))  # 200 MB under two codings, ~1 kB
    answers = [reply(bomb, "Content-Encoding: gzip"), reply(double, "Content-Encoding: gzip, gzip")]
    with scripted(lambda n, _: answers[n - 1]) as server:
        client = TargetClient(server.url, "tok", timeout_s=10)
        peaks, responses = [], []
        for _ in answers:
            tracemalloc.start()
            try:
                responses.append(client.send(CASE).response)
                peaks.append(tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()
        client.close()
    for response in responses:
        assert response is not None and response.truncated and response.body == b"0" * MAX_BODY_BYTES
    assert max(peaks) < 8 * MAX_BODY_BYTES  # inflated whole it would be 50 and 200 MB


def stacked(body: bytes, layers: int) -> bytes:
    """``body`` under ``layers`` deflate codings, announced in one Content-Encoding header."""
    for _ in range(layers):
        body = zlib.compress(body)
    return reply(body, "Content-Encoding: " + ", ".join(["deflate"] * layers))


def test_stacked_codings_past_the_cap_are_refused_before_anything_is_decoded() -> None:
    body = b'{"success": true}'
    flood = reply(body, "Content-Encoding: " + ", ".join(["deflate"] * 12_000))  # 96 kB: under the head limit
    answers = [flood, stacked(body, MAX_CODINGS + 1), stacked(body, MAX_CODINGS)]
    with scripted(lambda n, _: answers[n - 1]) as server:
        tracemalloc.start()
        try:
            flooded, one_too_many, decoded = sent_all(server.url, 3)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    refusal = f"DecodingError: 12000 content codings stacked on one body; at most {MAX_CODINGS} are undone"
    assert flooded.error == refusal
    assert (one_too_many.error or "").startswith(f"DecodingError: {MAX_CODINGS + 1} content codings")
    assert peak < 8 * MAX_BODY_BYTES  # 12,000 inflaters would hold hundreds of MB
    assert decoded.response is not None and decoded.response.body == body


def test_a_broken_compressed_body_is_a_decoding_error() -> None:
    with scripted(lambda n, _: reply(b"not gzip at all", "Content-Encoding: gzip")) as server:
        exchange = send(server.url)
    assert exchange.response is None and (exchange.error or "").startswith("DecodingError: ")


def test_requests_share_one_kept_alive_connection_until_the_target_ends_it() -> None:
    def answer(n: int, request: bytes) -> bytes:
        return reply(b"{}", "Connection: close") if n == 3 else reply(b"{}")

    with scripted(answer) as server:
        exchanges = sent_all(server.url, 5)
    assert [e.response.status for e in exchanges if e.response] == [200] * 5
    assert server.connections == 2  # requests 1-3 on the first, 4-5 on a new one after "close"


def test_a_connection_the_target_closed_while_idle_is_not_reused() -> None:
    closed = threading.Event()

    def answer_once_then_close(conn: socket.socket) -> None:
        """One request per connection, answered without ``Connection: close``, then the socket closed."""
        with conn:
            buffer = b""
            while b"\r\n\r\n" not in buffer:
                buffer += conn.recv(65536)
            conn.sendall(reply(b"{}"))
        closed.set()

    with scripted(lambda n, _: None, answer_once_then_close) as server:
        client = TargetClient(server.url, "tok", timeout_s=5)
        first = client.send(CASE)
        assert closed.wait(5)  # the close is on its way to the client's idle socket
        second = client.send(CASE)
        client.close()
    assert first.response is not None and second.response is not None
    assert first.response.status == second.response.status == 200
    assert server.connections == 2


def test_interim_responses_are_skipped() -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    with scripted(lambda n, _: interim + reply(b'{"ok": 1}', status="201 Created")) as server:
        exchange = send(server.url)
    assert exchange.response is not None
    assert (exchange.response.status, exchange.response.body) == (201, b'{"ok": 1}')


def test_a_target_that_closes_without_answering_is_a_protocol_error_sent_once() -> None:
    with scripted(lambda n, _: None) as server:
        exchange = send(server.url)
    assert exchange.error == "RemoteProtocolError: Server disconnected without sending a response."
    assert len(server.requests) == 1  # the request may have been acted on: never sent again


def test_a_refused_port_is_tried_three_times_then_unreachable() -> None:
    unused = socket.create_server(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()
    with pytest.raises(TargetUnreachableError, match=f"cannot connect to http://127.0.0.1:{port}"):
        send(f"http://127.0.0.1:{port}")


@pytest.mark.parametrize("talk", [trickle_body, trickle_head], ids=["body", "head"])
def test_the_deadline_bounds_the_whole_request_not_each_read(talk: object) -> None:
    with scripted(lambda n, _: None, talk) as server:  # type: ignore[arg-type]
        started = time.monotonic()
        exchange = send(server.url, timeout_s=0.5)
        took = time.monotonic() - started
    assert exchange.response is None
    assert exchange.error in {"ReadTimeout: timed out", "ReadTimeout: the request's total deadline passed"}
    assert took < 3  # 1000 bytes at 50 ms each would take 50 s


def test_the_runs_time_budget_ends_a_request_in_flight() -> None:
    with scripted(lambda n, _: None, trickle_body) as server:
        started = time.monotonic()
        exchange = send(server.url, timeout_s=60, deadline=time.monotonic() + 0.5)
        took = time.monotonic() - started
    assert exchange.error is not None and exchange.error.startswith("ReadTimeout: ")
    assert took < 3


def test_a_response_head_past_the_limit_is_a_protocol_error_and_one_under_it_is_read() -> None:
    # httpcore holds at most 100 KiB of a head still incomplete, read 64 KiB at a time: 200 kB is refused
    big = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + b"X-Pad: " + b"p" * 200_000 + b"\r\n\r\n{}"
    fits = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + b"X-Pad: " + b"p" * 90_000 + b"\r\n\r\n{}"
    answers = [big, fits]
    with scripted(lambda n, _: answers[n - 1]) as server:
        refused, read = sent_all(server.url, 2)
    assert refused.error is not None and refused.error.startswith("RemoteProtocolError: ")
    assert read.response is not None and read.response.body == b"{}"


def test_non_ascii_response_headers_are_read_as_utf8_then_latin1() -> None:
    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Name: caf\xc3\xa9\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Name: caf\xe9\r\n\r\n",
    ]
    with scripted(lambda n, _: answers[n - 1]) as server:
        exchanges = sent_all(server.url, 2)
    assert [e.response.headers["x-name"] for e in exchanges if e.response] == ["café", "café"]


@pytest.mark.parametrize("value", ["a\r\nInjected: 1", "café"], ids=["crlf", "not-ascii"])
def test_an_illegal_header_value_is_refused_before_anything_is_sent(value: str) -> None:
    refused_case = dataclasses.replace(CASE, extra_headers={"X-Note": value})
    with scripted(ok) as server:
        refused = send(server.url, refused_case)
        clean = send(server.url)
    assert refused.error is not None and refused.error.startswith("LocalProtocolError: ")
    assert len(server.requests) == 1 and b"X-Note" not in server.requests[0]  # only the clean one
    assert clean.response is not None and clean.response.status == 200


def answer_early(conn: socket.socket) -> None:
    """A little of the head read, then a 413 and the end of the connection."""
    with conn:
        conn.recv(100)
        conn.sendall(reply(b'{"error": "too large"}', "Connection: close", status="413 Content Too Large"))
        conn.shutdown(socket.SHUT_WR)
        time.sleep(0.2)


def test_an_answer_before_the_request_was_read_is_still_read() -> None:
    with scripted(lambda n, _: None, answer_early) as server:
        exchange = send(server.url, dataclasses.replace(CASE, body=b"x" * 5_000_000))
    assert exchange.response is not None and exchange.response.status == 413


@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "built-in-memory"])
def test_an_in_process_transport_gets_the_same_decoding_and_limit(streamed: bool) -> None:
    bomb = gzip.compress(b"0" * 20_000_000)

    def handler(request: httpx.Request) -> httpx.Response:
        body = bomb if request.url.params.get("Message") == "bomb" else gzip.compress(b"{}")
        content = iter([body]) if streamed else body  # an iterator is streamed, bytes are read at once
        return httpx.Response(200, content=content, headers={"Content-Encoding": "gzip"})

    client = TargetClient("http://127.0.0.1:9", "tok", timeout_s=5, transport=httpx.MockTransport(handler))
    small = client.send(CASE).response
    cut = client.send(dataclasses.replace(CASE, params={**CASE.params, "Message": "bomb"})).response
    assert small is not None and (small.body, small.truncated) == (b"{}", False)
    assert cut is not None and cut.truncated and cut.body == b"0" * MAX_BODY_BYTES
