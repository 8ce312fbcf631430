"""field_value_echo on hand-built rejections: fires when fields.*.value is not what was sent."""

from __future__ import annotations

from typing import Any

from conformance.checks import run_checks
from conformance.model.cases import Expectation
from conformance.model.deviations import Deviation, Severity

from .builders import CTX, SENT, exchange


def rejected(
    fields: dict[str, Any], query: tuple[tuple[str, str], ...], status: int = 400
) -> list[Deviation]:
    body = {"success": False, "status": status, "message": "Validation failed", "fields": fields}
    found, crashes = run_checks(
        CTX, exchange(status, body, query=query, expectation=Expectation.VALIDATION), ["field_value_echo"]
    )
    assert crashes == []
    return found


BAD_TO = (("FROM", SENT["FROM"]), ("TO", "qwerty123456789"), ("Message", "hi"))


def test_the_documented_echo_is_silent() -> None:
    fields = {"params.to": {"message": "invalid integer number", "value": "qwerty123456789"}}
    assert rejected(fields, BAD_TO) == []
    assert rejected(fields, BAD_TO, status=500) == []  # the validation-as-500 variant echoes too


def test_a_null_value_for_a_value_that_was_sent_is_an_error() -> None:
    found = rejected({"params.to": {"message": "invalid integer number", "value": None}}, BAD_TO)
    assert [(d.severity, d.path, d.expected) for d in found] == [
        (Severity.ERROR, "$.fields['params.to'].value", "qwerty123456789")
    ]
    assert found[0].evidence.decision == "D29"


def test_another_value_is_an_error() -> None:
    found = rejected({"params.to": {"message": "invalid integer number", "value": "qwerty"}}, BAD_TO)
    assert [d.severity for d in found] == [Severity.ERROR]


def test_a_missing_parameter_echoes_null_or_nothing() -> None:
    query = (("FROM", SENT["FROM"]), ("Message", "hi"))
    assert rejected({"params.to": {"message": "is required", "value": None}}, query) == []
    assert rejected({"params.to": {"message": "is required", "value": ""}}, query) == []
    assert len(rejected({"params.to": {"message": "is required", "value": "0"}}, query)) == 1


def test_a_number_echoed_as_a_json_integer_and_a_parameter_given_twice_are_accepted() -> None:
    short = (("FROM", SENT["FROM"]), ("TO", "12"), ("Message", "hi"))
    assert rejected({"params.to": {"message": "too short", "value": 12}}, short) == []
    twice = (("FROM", SENT["FROM"]), ("TO", "abc"), ("TO", "14155550100"), ("Message", "hi"))
    assert rejected({"params.to": {"message": "invalid", "value": "abc"}}, twice) == []
    assert rejected({"params.to": {"message": "invalid", "value": ["abc", "14155550100"]}}, twice) == []


def test_names_are_matched_case_insensitively_and_entries_without_value_are_left_to_the_envelope_check() -> (
    None
):
    assert rejected({"params.TO": {"message": "invalid", "value": "qwerty123456789"}}, BAD_TO) == []
    assert rejected({"params.to": {"message": "invalid"}}, BAD_TO) == []
