"""`strict_request_body` (D69) on hand-built exchanges: which answers to a body that is not JSON show the
body was read, and which are the refusal a strict reader gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from conformance.checks import CheckContext, run_checks
from conformance.contract.schemas import load_contract
from conformance.model.cases import Case, Expectation
from conformance.model.deviations import Deviation, Severity
from conformance.model.exchange import Exchange, RecordedRequest, RecordedResponse

CTX = CheckContext(contract=load_contract(), secrets=())
BODY = b'{"tn": 19995550100, "to": "14155550100", "message": "strict body check", "probe": NaN}'


def exchange(
    status: int,
    *,
    media: str = "",
    expectation: Expectation = Expectation.NOT_JSON,
    answer: dict[str, object] | None = None,
) -> Exchange:
    headers = {"Content-Type": media} if media else {}
    case = Case(
        id="negative-0001",
        phase="negative",
        kind="json-body-s3 form with NaN, from the unleased sender",
        expectation=expectation,
        severity=Severity.WARNING,
        extra_headers=headers,
        body=BODY,
    )
    request = RecordedRequest(
        "POST", "http://127.0.0.1:1", "/rest/sms", (), (("Content-Type", media or "application/json"),), BODY
    )
    body = answer or {"success": status < 300, "status": status, "message": "answer"}
    response = RecordedResponse(status, {"content-type": "application/json"}, json.dumps(body).encode(), 3.0)
    return Exchange(case, request, response, sent_at=datetime(2026, 12, 7, 10, 0, 1, tzinfo=UTC))


def fired(ex: Exchange) -> list[Deviation]:
    deviations, crashes = run_checks(CTX, ex, ["strict_request_body"])
    assert crashes == []
    return deviations


@pytest.mark.parametrize(
    ("status", "title"),
    [
        (404, "A request body that is not JSON was read as a send"),
        (200, "A request body that is not JSON was accepted"),
        (201, "A request body that is not JSON was accepted"),
        (500, "A request body that is not JSON made the server fail"),
        (502, "A request body that is not JSON made the server fail"),
    ],
)
def test_an_answer_that_shows_the_body_was_read_or_broke_the_server_is_a_warning(
    status: int, title: str
) -> None:
    (deviation,) = fired(exchange(status))
    assert (deviation.severity, deviation.title, deviation.actual) == (
        Severity.WARNING,
        title,
        f"HTTP {status}",
    )
    assert deviation.evidence.decision == "D69"


def test_a_media_type_cell_is_named_by_the_type_it_was_sent_as() -> None:
    (deviation,) = fired(exchange(404, media="text/plain"))
    assert deviation.title == "A JSON body sent as text/plain was read as a send"
    assert "without a CORS preflight" in deviation.detail


@pytest.mark.parametrize("status", [400, 401, 403, 413, 415, 422, 429])
def test_a_refusal_before_the_send_is_read_is_silent(status: int) -> None:
    assert fired(exchange(status)) == []


@pytest.mark.parametrize("expectation", [e for e in Expectation if e is not Expectation.NOT_JSON])
def test_other_cases_are_not_this_checks_business(expectation: Expectation) -> None:
    assert fired(exchange(404, expectation=expectation)) == []


BODY_REFUSAL = {
    "success": False,
    "status": 400,
    "message": "Validation failed",
    "fields": {"body": {"message": "body is not JSON", "value": None}},
}


def test_a_refusal_of_the_body_may_name_the_body_in_fields() -> None:
    """The docs key ``fields`` by parameter; a body that is not JSON has none to name (D69)."""
    silent, _ = run_checks(CTX, exchange(400, answer=BODY_REFUSAL), ["response_schema"])
    assert silent == []
    # the same answer to a parameter's refusal breaks the documented key form
    fired_for_params, _ = run_checks(
        CTX, exchange(400, answer=BODY_REFUSAL, expectation=Expectation.VALIDATION), ["response_schema"]
    )
    assert [d.path for d in fired_for_params] == ["$.fields"]


def test_the_seeds_validation_template_at_500_is_a_documented_refusal() -> None:
    """The S1 error tabs answer a refusal as HTTP 500 with ``fields`` (D11): not a server failure."""
    template = {**BODY_REFUSAL, "status": 500}
    assert fired(exchange(500, answer=template)) == []
    assert [d.title for d in fired(exchange(500))] == ["A request body that is not JSON made the server fail"]
