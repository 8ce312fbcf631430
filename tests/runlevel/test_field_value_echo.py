"""field_value_echo on hand-built runs: fires when fields.*.value is not the value that was sent."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.checks import run_run_checks
from conformance.model.cases import Expectation
from conformance.model.deviations import Deviation, Severity

from .builders import CTX, SENT, exchange


def rejected(
    fields: dict[str, Any], query: tuple[tuple[str, str], ...], status: int = 400, *, accepted: bool = True
) -> list[Deviation]:
    """The rejection, after a documented send the target accepted (it reads FROM, TO and Message)."""
    body = {"success": False, "status": status, "message": "Validation failed", "fields": fields}
    run = [exchange()] if accepted else []
    run.append(exchange(status, body, query=query, expectation=Expectation.VALIDATION))
    found, crashes = run_run_checks(CTX, run, ["field_value_echo"])
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


def test_a_null_value_is_not_judged_when_the_target_never_accepted_that_parameter_name() -> None:
    """A target that reads only lowercase names (D3 variant) rightly reports FROM/TO/Message missing."""
    missing = {"params.to": {"message": "is required", "value": None}}
    assert rejected(missing, BAD_TO, accepted=False) == []
    assert len(rejected(missing, BAD_TO, accepted=True)) == 1
    wrong = {"params.to": {"message": "invalid", "value": "qwerty"}}
    assert len(rejected(wrong, BAD_TO, accepted=False)) == 1  # a wrong non-null echo is judged anyway


def test_a_deliberate_repeat_is_not_judged_twice() -> None:
    body = {
        "success": False,
        "status": 400,
        "message": "x",
        "fields": {"params.to": {"message": "m", "value": None}},
    }
    original = exchange(400, body, query=BAD_TO, expectation=Expectation.VALIDATION)
    again = exchange(400, body, query=BAD_TO, expectation=Expectation.VALIDATION, repeat_of=original.case.id)
    found, _ = run_run_checks(CTX, [exchange(), original, again], ["field_value_echo"])
    assert [d.case_id for d in found] == [original.case.id]


LONG = "A long message a faithful server logs only the start of, " * 20  # 1140 characters: over 918
LONG_MESSAGE = (("FROM", SENT["FROM"]), ("TO", SENT["TO"]), ("Message", LONG))


@pytest.mark.parametrize("echoed", [LONG[:40], LONG[:16], LONG[:40] + "…", LONG[:100] + "..."])
def test_a_long_value_echoed_cut_to_its_start_is_info_not_error(echoed: str) -> None:
    found = rejected({"params.message": {"message": "too long", "value": echoed}}, LONG_MESSAGE)
    assert [(d.severity, d.title) for d in found] == [
        (Severity.INFO, "fields.*.value is the rejected value cut short")
    ]
    assert found[0].evidence.decision == "D29"


@pytest.mark.parametrize(
    "echoed",
    [None, "", LONG[:15], LONG[1:41], "Another message entirely, long enough to be a cut one"],
    ids=["null", "empty", "prefix-too-short", "not-a-prefix", "different"],
)
def test_a_null_short_or_different_echo_of_a_long_value_stays_an_error(echoed: str | None) -> None:
    found = rejected({"params.message": {"message": "too long", "value": echoed}}, LONG_MESSAGE)
    assert [(d.severity, d.title) for d in found] == [
        (Severity.ERROR, "fields.*.value is not the rejected value")
    ]
