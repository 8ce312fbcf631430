"""What leaves the process, byte for byte, read by a loopback server that keeps the raw request.

The client's request is plain httpx's for the same URL, query and headers, except for the two headers
it sets on purpose (``User-Agent`` names the tool; ``Accept-Encoding`` offers what it decodes itself);
a bodiless POST carries ``Content-Length: 0``; query pairs leave in their recorded order."""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlsplit

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from scripted import CASE, ok, scripted, send, sent_all

from conformance.engine.generation.coverage import request_line_length
from conformance.engine.sending.client import TargetClient
from conformance.model.cases import AuthPlacement

DELIBERATE = (b"user-agent", b"accept-encoding")


def without_deliberate_headers(raw: bytes) -> bytes:
    """The request with the headers the client sets on purpose taken out."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if line.split(b":", 1)[0].lower() not in DELIBERATE]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def test_a_bodiless_post_carries_content_length_zero() -> None:
    with scripted(ok) as server:
        exchange = send(server.url)
    assert exchange.request.body is None  # the documented query-only request
    head = server.requests[0].split(b"\r\n\r\n")[0]
    assert head.startswith(b"POST /rest/sms?FROM=12017771234&TO=14155550100&Message=hi HTTP/1.1\r\n")
    assert b"\r\nContent-Length: 0" in head and b"Transfer-Encoding" not in head


def test_a_post_with_a_body_carries_its_length() -> None:
    with scripted(ok) as server:
        send(server.url, dataclasses.replace(CASE, params={}, body=b'{"FROM": "12017771234"}'))
    assert b"\r\nContent-Length: 23\r\n" in server.requests[0]
    assert server.requests[0].endswith(b'\r\n\r\n{"FROM": "12017771234"}')


def test_the_request_is_plain_httpxs_but_for_the_headers_set_on_purpose() -> None:
    cases = [
        CASE,
        dataclasses.replace(CASE, extra_headers={"X-Note": "a note", "Accept": "text/plain"}),
        dataclasses.replace(CASE, params={}, body=b'{"TO": "14155550100"}'),
        dataclasses.replace(CASE, params={"Message": "a b&c=d/é 你"}, auth=AuthPlacement.JWT_QUERY),
    ]
    with scripted(ok) as server:
        client = TargetClient(server.url + "/v1/", "tok", timeout_s=5)
        for case in cases:
            request = client.build(case)
            client.send(case)
            with httpx.Client() as plain:
                plain.post(
                    f"{server.url}/v1/rest/sms",
                    params=list(request.query),
                    headers=list(request.headers),
                    content=request.body,
                )
        client.close()
    ours, theirs = server.requests[0::2], server.requests[1::2]
    assert len(ours) == len(theirs) == len(cases)
    for mine, plain_httpx in zip(ours, theirs, strict=True):
        assert without_deliberate_headers(mine) == without_deliberate_headers(plain_httpx)
    assert all(re.search(rb"\r\nUser-Agent: opentact-conformance/[^\r]+\r\n", raw) for raw in ours)
    assert all(b"\r\nUser-Agent: python-httpx/" in raw for raw in theirs)  # what was taken out differs


def test_query_pairs_leave_in_their_recorded_order_repeated_names_included() -> None:
    repeated = dataclasses.replace(
        CASE, params={"TO": "14155550100", "FROM": "12017771234"}, extra_query=(("TO", "12125550123"),)
    )
    with scripted(ok) as server:
        exchange = send(server.url, repeated)
    line = server.request_lines()[0]
    assert line == b"POST /rest/sms?TO=14155550100&FROM=12017771234&TO=12125550123 HTTP/1.1"
    assert exchange.request.url.endswith(line.split(b" ")[1].decode())  # recorded exactly as sent


def test_the_coverage_phases_request_line_length_is_the_length_sent() -> None:
    params = {"FROM": "12017771234", "TO": "14155550100", "Message": "你好 world & more/~*"}
    with scripted(ok) as server:
        send(server.url, dataclasses.replace(CASE, params=params, auth=AuthPlacement.NONE))
    assert len(server.request_lines()[0]) == request_line_length(params)


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_TEXT, _TEXT, max_size=6), st.sampled_from(["", "/", "/v1", "/v1/"]))
def test_the_recorded_url_is_the_target_httpx_builds_from_the_same_query(
    query: dict[str, str], base: str
) -> None:
    # without repeated names httpx's ``params`` keeps the order too: both give the same request target
    client = TargetClient(f"http://127.0.0.1:9{base}", "tok", timeout_s=1)
    case = dataclasses.replace(CASE, params=query, auth=AuthPlacement.NONE)
    recorded = httpx.URL(client.build(case).url)
    unused = httpx.MockTransport(lambda request: httpx.Response(204))  # builds, never sends; loads no CAs
    with httpx.Client(base_url=f"http://127.0.0.1:9{base}", transport=unused) as plain:
        expected = plain.build_request("POST", "/rest/sms", params=list(query.items())).url
    client.close()
    assert recorded.raw_path == expected.raw_path
    assert urlsplit(str(recorded)).netloc == "127.0.0.1:9"


def test_a_cookie_the_target_sets_is_never_sent_back() -> None:
    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nSet-Cookie: session=abc; Path=/\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
    ]
    with scripted(lambda n, _: answers[n - 1]) as server:
        first, second = sent_all(server.url, 2, dataclasses.replace(CASE, auth=AuthPlacement.NONE))
    assert first.response is not None and first.response.headers["set-cookie"].startswith("session=abc")
    assert second.response is not None and second.response.status == 200
    assert [b"Cookie:" in raw for raw in server.requests] == [False, False]
