"""D37: a refusal answered 500 without ``fields`` gets one verdict (rejection_status), not a second one
for the fields it never claimed to carry; a real second problem on the same answer is still reported."""

from __future__ import annotations

from typing import Any

from conformance.model.cases import Expectation
from conformance.model.deviations import Severity
from tests.engine.test_checks_unit import exchange, fired

BAD = {"FROM": "12017771234", "TO": "qwerty", "Message": "x"}
SERVER_ERROR = {"success": False, "status": 500, "message": "Internal Server Error"}
FIELDS = {"params.to": {"message": "invalid integer number", "value": "qwerty"}}


def _validation(status: int, body: Any) -> dict[str, list[Severity]]:
    """What the two checks that judge a refusal report (the schema's own view of the body is not D37's)."""
    found = fired(exchange(status, body, expectation=Expectation.VALIDATION, params=BAD, invalid=("TO",)))
    return {check: found[check] for check in ("rejection_status", "error_envelope") if check in found}


def test_a_500_without_fields_is_one_error_by_rejection_status() -> None:
    assert _validation(500, SERVER_ERROR) == {"rejection_status": [Severity.ERROR]}


def test_the_same_500_with_a_broken_envelope_still_gets_that_second_verdict() -> None:
    found = _validation(500, {**SERVER_ERROR, "success": True})
    assert found == {"rejection_status": [Severity.ERROR], "error_envelope": [Severity.ERROR]}


def test_a_500_that_claims_the_validation_envelope_has_its_fields_judged() -> None:
    assert _validation(500, {**SERVER_ERROR, "fields": {}}) == {
        "rejection_status": [Severity.WARNING],
        "error_envelope": [Severity.ERROR],
    }
    assert _validation(500, {**SERVER_ERROR, "fields": {"params.message": FIELDS["params.to"]}}) == {
        "rejection_status": [Severity.WARNING],
        "error_envelope": [Severity.WARNING],
    }


def test_a_400_without_fields_is_still_the_envelope_error() -> None:
    assert _validation(400, {"success": False, "status": 400, "message": "bad"}) == {
        "error_envelope": [Severity.ERROR]
    }
