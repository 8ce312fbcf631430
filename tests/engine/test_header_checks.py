"""`meaningful_headers` (D36): each undocumented header that changes a client's behaviour fires where it
means something and stays silent where HTTP gives it its ordinary place; inert headers never fire."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conformance.checks import CheckContext, run_checks
from conformance.checks.headers import HEADER_RULES
from conformance.contract.schemas import load_contract
from conformance.model.cases import Case, Expectation
from conformance.model.deviations import Severity
from conformance.model.exchange import Exchange, RecordedRequest, RecordedResponse

CTX = CheckContext(contract=load_contract(), secrets=("tok-secret",))
PARAMS = {"FROM": "12017771234", "TO": "14155550100", "Message": "Hello"}
INERT = {
    "content-type": "application/json",
    "content-length": "2",
    "date": "Tue, 24 Nov 2026 10:00:00 GMT",
    "server": "uvicorn",
    "vary": "Accept-Encoding",
    "cache-control": "no-store",
    "strict-transport-security": "max-age=63072000",
    "x-request-id": "abc",
}


def exchange(
    status: int, headers: dict[str, str], request_headers: tuple[tuple[str, str], ...] = ()
) -> Exchange:
    case = Case(id="c-1", phase="unit", kind="unit", expectation=Expectation.SUCCESS, params=PARAMS)
    request = RecordedRequest(
        "POST",
        "http://127.0.0.1:1",
        "/rest/sms",
        tuple(PARAMS.items()),
        (("X-Auth-Token", "tok-secret"), *request_headers),
    )
    response = RecordedResponse(status, {**INERT, **headers}, b"{}", 3.0)
    return Exchange(case, request, response, sent_at=datetime(2026, 11, 24, 10, 0, 1, tzinfo=UTC))


def fired(ex: Exchange) -> list[tuple[str, Severity]]:
    deviations, crashes = run_checks(CTX, ex, ["meaningful_headers"])
    assert crashes == []
    return [(d.path, d.severity) for d in deviations]


@pytest.mark.parametrize("status", [200, 201, 400, 401, 404, 429, 500])
def test_inert_headers_fire_nothing(status: int) -> None:
    assert fired(exchange(status, {})) == []


@pytest.mark.parametrize(
    ("header", "value", "status"),
    [
        ("location", "/rest/sms/outbound/1", 200),
        ("location", "/rest/sms/outbound/1", 400),
        ("content-location", "/rest/sms/outbound/1", 200),
        ("refresh", "0; url=/login", 200),
        ("retry-after", "30", 200),
        ("retry-after", "30", 400),
        ("set-cookie", "session=1; HttpOnly", 200),
        ("set-cookie", "session=1", 401),
        ("www-authenticate", 'Bearer realm="sms"', 403),
        ("www-authenticate", 'Bearer realm="sms"', 200),
        ("deprecation", "@1767225600", 200),
        ("sunset", "Wed, 01 Jan 2031 00:00:00 GMT", 200),
        ("content-encoding", "compress", 200),
        ("clear-site-data", '"cookies"', 200),
    ],
)
def test_a_meaningful_header_where_the_docs_are_silent_is_a_warning(
    header: str, value: str, status: int
) -> None:
    display = next(rule.display for rule in HEADER_RULES if rule.name == header)
    assert fired(exchange(status, {header: value})) == [(display, Severity.WARNING)]


@pytest.mark.parametrize(
    ("header", "value", "status"),
    [
        ("retry-after", "30", 429),
        ("retry-after", "30", 503),
        ("www-authenticate", 'Bearer realm="sms"', 401),
        ("location", "https://api.opentact.org/rest/sms", 302),
        ("content-encoding", "gzip", 200),
        ("content-encoding", "br", 200),
        ("content-encoding", "identity", 200),
    ],
)
def test_a_header_in_its_ordinary_http_place_fires_nothing(header: str, value: str, status: int) -> None:
    assert fired(exchange(status, {header: value})) == []


def test_location_on_a_201_names_the_created_message_and_is_info() -> None:
    assert fired(exchange(201, {"location": "/rest/sms/outbound/1"})) == [("Location", Severity.INFO)]


def test_content_encoding_is_judged_against_what_the_request_offered() -> None:
    offered_br = (("Accept-Encoding", "br;q=1.0, gzip;q=0.5"),)
    assert fired(exchange(200, {"content-encoding": "br"}, offered_br)) == []
    assert fired(exchange(200, {"content-encoding": "deflate"}, offered_br)) == [
        ("Content-Encoding", Severity.WARNING)
    ]
    assert fired(exchange(200, {"content-encoding": "zstd"}, (("Accept-Encoding", "*"),))) == []


def test_the_deviation_names_the_meaning_its_decision_and_keeps_a_stable_title() -> None:
    first, _ = run_checks(CTX, exchange(200, {"set-cookie": "s=1"}), ["meaningful_headers"])
    second, _ = run_checks(CTX, exchange(200, {"set-cookie": "s=2"}), ["meaningful_headers"])
    assert [d.title for d in first] == ["Undocumented Set-Cookie header"]
    assert first[0].key == second[0].key  # the value is volatile; the key is the header
    assert first[0].evidence.decision == "D36"
    assert "cookie jar" in first[0].detail
