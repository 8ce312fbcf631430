"""A fixed list of requests an application might send, sent with httpx to a mock on 127.0.0.1.

The list covers every class ``classify_request`` knows (documented valid, documented invalid, unleased
sender, no or wrong credentials, each credential placement, a repeated parameter) and is long enough
for the mock's every-n-th-request faults (7th, 10th, 25th request).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from conformance.contract.specfile import load_spec
from conformance.engine.profiles import DEFAULT_UNLEASED_SENDER, Profile, mock_profile
from conformance.engine.traffic.observed import ObservedChecker, ObservedExchange
from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer

__all__ = ["REQUESTS", "TOKEN", "Request", "as_observed", "observe", "observed_run", "served", "to_har"]

TOKEN = "observed-test-token-7c2e"
SENDER, OTHER_SENDER = "12017771234", "12013046585"
DEST = "14155550100"


@dataclass(frozen=True)
class Request:
    """One request of the application: query pairs (in wire order) and where its token goes."""

    label: str
    query: tuple[tuple[str, str], ...]
    auth: str = "header"  # header | lower-header | bearer | jwt | none | wrong | unsigned
    headers: dict[str, str] = field(default_factory=dict)


def _send(label: str, to: str = DEST, text: str = "Hello world", sender: str = SENDER, **kw: str) -> Request:
    return Request(label, (("FROM", sender), ("TO", to), ("Message", text)), **kw)


REQUESTS: tuple[Request, ...] = (
    _send("valid"),
    _send("valid, the same again"),
    _send("valid, non-ASCII text", to="14155550101", text="Grüße, 世界 ✓"),
    _send("valid, 200 characters", to="14155550102", text="x" * 200),
    _send("valid, 918 astral characters", to="14155550103", text="\U0001f600" * 918),
    _send("valid, leading zeros", to="0014155550100"),
    _send("valid, jwt query", to="14155550104", auth="jwt"),
    _send("valid, Bearer", to="14155550105", auth="bearer"),
    _send("valid, lower-case header name", to="14155550106", auth="lower-header"),
    _send("no credentials", auth="none"),
    _send("wrong token", auth="wrong"),
    _send("TO with letters", to="qwerty123456789"),
    _send("TO with junk after the digits", to="14155550100abc"),
    _send("TO in exponent form", to="1.41555501e10"),
    _send("TO with a plus", to="+14155550100"),
    _send("Message empty", text=""),
    Request("Message missing", (("FROM", SENDER), ("TO", DEST))),
    _send("Message over 918 characters", text="y" * 919),
    _send("unleased sender", sender=DEFAULT_UNLEASED_SENDER),
    Request("TO twice", (("FROM", SENDER), ("TO", DEST), ("TO", "qwerty"), ("Message", "twice"))),
    *(_send(f"valid #{n}", to=f"1415555{n:04d}", sender=(SENDER, OTHER_SENDER)[n % 2]) for n in range(11)),
    _send("unsigned alg:none JWT", auth="unsigned"),
)
# header {"alg":"none"}, claims {"sub":"1"}, no signature (RFC 7519 §6)
UNSIGNED_JWT = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."


def _headers(request: Request) -> dict[str, str]:
    chosen = {
        "header": {"X-Auth-Token": TOKEN},
        "lower-header": {"x-auth-token": TOKEN},
        "bearer": {"Authorization": f"Bearer {TOKEN}"},
        "wrong": {"X-Auth-Token": "not-the-token-" + "9" * 12},
        "unsigned": {"X-Auth-Token": UNSIGNED_JWT},
    }.get(request.auth, {})
    return {**chosen, **request.headers}


def observe(client: httpx.Client, request: Request) -> ObservedExchange:
    """Send one request to the server and return it as the wire saw it."""
    query = list(request.query) + ([("jwt", TOKEN)] if request.auth == "jwt" else [])
    started = datetime.now(UTC)
    return as_observed(client.post("/rest/sms", params=query, headers=_headers(request)), started)


def as_observed(response: httpx.Response, started: datetime) -> ObservedExchange:
    """An httpx exchange as the wire saw it."""
    sent = response.request
    return ObservedExchange(
        method=sent.method,
        url=str(sent.url),
        request_headers=tuple(sent.headers.multi_items()),
        request_body=sent.content,
        status=response.status_code,
        response_headers=tuple(response.headers.multi_items()),
        response_body=response.content,
        started_at=started,
        elapsed_ms=response.elapsed.total_seconds() * 1000,
    )


@contextmanager
def served(*faults: str) -> Iterator[tuple[MockServer, httpx.Client]]:
    """A mock with these faults on a free loopback port, and a client for it."""
    config = MockConfig(token=TOKEN, faults=frozenset(faults), seed=3)
    with MockServer(config) as server, httpx.Client(base_url=server.url, timeout=10.0) as client:
        yield server, client


def observed_run(
    *faults: str, token: str | None = TOKEN, profile: Profile | None = None
) -> tuple[ObservedChecker, list[ObservedExchange]]:
    """The fixed requests sent to a mock with ``faults``, each given to a checker (of ``profile``, the
    mock's by default) as it comes back."""
    with served(*faults) as (server, client):
        checker = ObservedChecker(load_spec(), profile or mock_profile(), token=token, base_url=server.url)
        seen = []
        for request in REQUESTS:
            exchange = observe(client, request)
            checker.add(exchange)
            seen.append(exchange)
    return checker, seen


def to_har(exchanges: list[ObservedExchange], *, base64_bodies: bool = False) -> dict[str, object]:
    """A HAR 1.2 document of these exchanges, as a recording tool writes it (custom ``_`` fields too)."""
    import base64
    from urllib.parse import parse_qsl, urlsplit

    def pairs(items: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
        return [{"name": n, "value": v} for n, v in items]

    entries = []
    for exchange in exchanges:
        body = exchange.response_body
        content: dict[str, object] = {"size": len(body), "mimeType": "application/json", "_note": "x"}
        if base64_bodies:
            content.update(text=base64.b64encode(body).decode(), encoding="base64")
        else:
            content["text"] = body.decode("utf-8")
        entries.append(
            {
                "startedDateTime": exchange.started_at.isoformat() if exchange.started_at else "",
                "time": exchange.elapsed_ms if exchange.elapsed_ms is not None else -1,
                "request": {
                    "method": exchange.method,
                    "url": exchange.url,
                    "httpVersion": "HTTP/1.1",
                    "headers": pairs(exchange.request_headers),
                    "queryString": pairs(
                        tuple(parse_qsl(urlsplit(exchange.url).query, keep_blank_values=True))
                    ),
                    "cookies": [],
                    "headersSize": -1,
                    "bodySize": -1,
                },
                "response": {
                    "status": exchange.status or 0,
                    "statusText": "",
                    "httpVersion": "HTTP/1.1",
                    "headers": pairs(exchange.response_headers),
                    "cookies": [],
                    "content": content,
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": -1,
                },
                "cache": {},
                "timings": {"send": 0, "wait": -1, "receive": 0},
                "_resourceType": "fetch",
            }
        )
    return {"log": {"version": "1.2", "creator": {"name": "tests", "version": "1"}, "entries": entries}}
