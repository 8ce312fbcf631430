"""Each run-level check on hand-built runs: it fires on its fault and stays silent on the documented run."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import pytest

from conformance.checks import RUN_CHECKS, run_run_checks
from conformance.model.cases import Expectation
from conformance.model.deviations import Deviation, Severity
from conformance.model.exchange import Exchange

from .builders import CTX, SECRET, SENT, exchange, later, payload


def run(name: str, exchanges: Sequence[Exchange]) -> list[Deviation]:
    found, crashes = run_run_checks(CTX, exchanges, [name])
    assert crashes == []
    return found


def clean_run() -> list[Exchange]:
    """Six documented sends: three to one number (one of them a deliberate repeat), three to others."""
    other = {**SENT, "TO": "14155550101"}
    third = {**SENT, "TO": "14155550102", "Message": "second text"}
    return [
        exchange(body=payload(1)),
        exchange(body=payload(2, to=14155550101, thread="aa" * 16), params=other),
        exchange(body=payload(3)),
        exchange(body=payload(4, to=14155550102, thread="bb" * 16), params=third),
        exchange(
            400,
            {"success": False, "status": 400, "message": "x", "fields": {}},
            params={"TO": "1"},
            expectation=Expectation.VALIDATION,
        ),
        exchange(body=payload(5), repeat_of="case-1", phase="repeats"),
    ]


@pytest.mark.parametrize("name", sorted(RUN_CHECKS))
def test_every_run_level_check_is_silent_on_a_documented_run(name: str) -> None:
    assert run(name, clean_run()) == []


def test_every_run_level_check_is_silent_on_an_empty_run() -> None:
    found, crashes = run_run_checks(CTX, [])
    assert (found, crashes) == ([], [])


# -- uuid_unique ---------------------------------------------------------------------------------


def test_a_uuid_answered_to_two_sends_is_an_error_on_the_earliest_with_the_other_beside_it() -> None:
    first = exchange(body=payload(7))
    second = exchange(body=payload(7, message="other"), params={**SENT, "Message": "other"})
    found = run("uuid_unique", [exchange(body=payload(1)), first, second])
    assert [(d.severity, d.case_id, d.path) for d in found] == [
        (Severity.ERROR, first.case.id, "$.payload.uuid")
    ]
    assert found[0].other_response["body"] == second.response.body.decode()  # type: ignore[union-attr]
    assert found[0].evidence.decision == "D26"


def test_uuids_differing_only_in_case_are_the_same_uuid() -> None:
    upper = payload(7)
    upper["payload"]["uuid"] = upper["payload"]["uuid"].upper()
    assert len(run("uuid_unique", [exchange(body=payload(7)), exchange(body=upper)])) == 1


# -- thread_per_pair -----------------------------------------------------------------------------


def test_two_threads_for_one_sender_and_destination_are_a_warning() -> None:
    found = run("thread_per_pair", [exchange(body=payload(1)), exchange(body=payload(2, thread="cc" * 16))])
    assert [(d.severity, d.path, d.evidence.decision) for d in found] == [
        (Severity.WARNING, "$.payload.thread", "D28")
    ]


def test_threads_of_rejected_or_negative_cases_are_not_compared() -> None:
    accepted_negative = exchange(body=payload(2, thread="cc" * 16), expectation=Expectation.VALIDATION)
    assert run("thread_per_pair", [exchange(body=payload(1)), accepted_negative]) == []


# -- lease_live ----------------------------------------------------------------------------------


def test_a_lease_deleted_before_the_send_is_an_error() -> None:
    found = run("lease_live", [exchange(body=payload(1, tn_deleted_on="2026-11-23T10:00:00.000Z"))])
    assert [(d.severity, d.path) for d in found] == [(Severity.ERROR, "$.payload.tn.deleted_on")]


def test_a_lease_scheduled_for_deletion_after_the_send_is_a_warning() -> None:
    found = run("lease_live", [exchange(body=payload(1, tn_deleted_on="2027-01-01T00:00:00.000Z"))])
    assert [d.severity for d in found] == [Severity.WARNING]


def test_a_deleted_on_that_is_no_time_at_all_is_an_error() -> None:
    assert [d.severity for d in run("lease_live", [exchange(body=payload(1, tn_deleted_on=False))])] == [
        Severity.ERROR
    ]


def test_a_lease_whose_created_on_changes_between_sends_is_a_warning() -> None:
    moved = payload(2, tn_created_on="2024-02-02T00:00:00.000Z")
    found = run("lease_live", [exchange(body=payload(1)), exchange(body=moved)])
    assert [(d.severity, d.path) for d in found] == [(Severity.WARNING, "$.payload.tn.created_on")]


def test_a_repeat_is_not_judged_again_for_its_deleted_lease() -> None:
    deleted = payload(1, tn_deleted_on="2026-11-23T10:00:00.000Z")
    found = run("lease_live", [exchange(body=deleted), exchange(body=deleted, repeat_of="case-x")])
    assert len(found) == 1


# -- automated_consistent ------------------------------------------------------------------------


def test_sends_that_disagree_on_automated_are_one_warning_on_the_earliest_of_the_two() -> None:
    first, odd = exchange(body=payload(1)), exchange(body=payload(2, automated=True))
    found = run("automated_consistent", [first, odd, exchange(body=payload(3))])
    assert [(d.severity, d.case_id, d.expected) for d in found] == [
        (Severity.WARNING, first.case.id, "false")
    ]
    assert odd.case.id in found[0].detail and found[0].other_response["body"] == odd.response.body.decode()  # type: ignore[union-attr]


def test_an_odd_flag_on_a_repeat_is_reported_on_the_original_send() -> None:
    first = exchange(body=payload(1))
    again = exchange(body=payload(2, automated=True), repeat_of=first.case.id, phase="repeats")
    found = run("automated_consistent", [first, exchange(body=payload(3)), again])
    assert [(d.case_id, d.phase) for d in found] == [(first.case.id, "positive")]


def test_automated_true_everywhere_is_not_this_checks_business() -> None:
    """The value itself is D9's per-exchange concern; this check only looks across the run."""
    assert run("automated_consistent", [exchange(body=payload(n, automated=True)) for n in (1, 2)]) == []


# -- clock_matches_date --------------------------------------------------------------------------


def local_time_run(offset_s: float, count: int = 3) -> list[Exchange]:
    return [exchange(body=payload(n, created_on=_shifted(offset_s))) for n in range(1, count + 1)]


def _shifted(offset_s: float) -> str:
    from .builders import stamp

    return stamp(later(offset_s))


@pytest.mark.parametrize("offset_h", [2, -5, 5.5, 5.75, -9.5, 14])
def test_a_whole_zone_offset_in_every_answer_is_local_time_labelled_z(offset_h: float) -> None:
    found = run("clock_matches_date", local_time_run(offset_h * 3600))
    assert {(d.severity, d.title) for d in found} == {
        (Severity.ERROR, "Timestamps are local time labelled Z")
    }
    assert len(found) == 3


def test_real_clock_skew_within_the_tolerance_is_silent() -> None:
    assert run("clock_matches_date", local_time_run(75)) == []
    assert run("clock_matches_date", local_time_run(-75)) == []


def test_a_disagreement_that_is_no_zone_offset_is_a_warning() -> None:
    found = run("clock_matches_date", local_time_run(17 * 60))  # 17 minutes: no zone is that far from UTC
    assert {d.severity for d in found} == {Severity.WARNING}


def test_a_single_zone_shaped_outlier_is_only_a_warning() -> None:
    run_ = local_time_run(0, count=4) + local_time_run(3600, count=1)
    found = run("clock_matches_date", run_)
    assert [d.severity for d in found] == [Severity.WARNING]


def test_an_answer_without_a_date_header_is_not_judged() -> None:
    found = run("clock_matches_date", [exchange(body=payload(1, created_on=_shifted(7200)), date=None)])
    assert found == []


# -- equal_requests_same_outcome -----------------------------------------------------------------

ERROR_500 = {"success": False, "status": 500, "message": "Internal Server Error"}


def test_an_intermittent_500_on_an_equal_request_is_an_error_with_both_answers() -> None:
    first = exchange(body=payload(1))
    again = exchange(500, ERROR_500, repeat_of=first.case.id, phase="repeats")
    found = run("equal_requests_same_outcome", [first, again])
    assert [(d.severity, d.case_id, d.phase) for d in found] == [(Severity.ERROR, first.case.id, "positive")]
    assert found[0].other_response["status"] == 500 and found[0].response["status"] == 200
    assert SECRET not in repr(msgspec.to_builtins(found[0]))
    assert found[0].expected.startswith("HTTP 200") and found[0].actual.startswith("HTTP 500")


def test_expected_is_the_documented_answer_whichever_send_got_it() -> None:
    """A 500 first and the documented 200 on the control re-send: expected is still the 200."""
    first = exchange(500, ERROR_500)
    again = exchange(body=payload(1), repeat_of=first.case.id, phase="repeats")
    [found] = run("equal_requests_same_outcome", [first, again])
    assert found.expected.startswith("HTTP 200") and found.actual.startswith("HTTP 500")


def test_two_documented_answers_expect_the_same_answer_both_times() -> None:
    [found] = run("equal_requests_same_outcome", [exchange(), exchange(201)])
    assert found.expected == "the same answer to the same request"
    assert found.actual.startswith("first HTTP 200") and ", then HTTP 201" in found.actual


def test_a_lost_answer_to_an_equal_request_is_an_error() -> None:
    found = run("equal_requests_same_outcome", [exchange(), exchange(transport_error="ReadError: reset")])
    assert [d.severity for d in found] == [Severity.ERROR]


def test_200_against_201_or_an_account_refusal_is_only_a_warning() -> None:
    assert [d.severity for d in run("equal_requests_same_outcome", [exchange(), exchange(201)])] == [
        Severity.WARNING
    ]
    refusal = {"success": False, "status": 405, "message": "Insufficient Balance"}
    assert [d.severity for d in run("equal_requests_same_outcome", [exchange(), exchange(405, refusal)])] == [
        Severity.WARNING
    ]


def test_different_fields_for_an_equal_invalid_request_are_an_error() -> None:
    def rejected(fields: dict[str, object]) -> Exchange:
        body = {"success": False, "status": 400, "message": "x", "fields": fields}
        return exchange(400, body, params={"TO": "abc"}, expectation=Expectation.VALIDATION)

    to = {"params.to": {"message": "invalid", "value": "abc"}}
    both = {**to, "params.from": {"message": "is required", "value": None}}
    assert len(run("equal_requests_same_outcome", [rejected(to), rejected(both)])) == 1
    assert run("equal_requests_same_outcome", [rejected(to), rejected(to)]) == []


def test_a_429_is_not_an_answer_about_the_request() -> None:
    throttled = {"success": False, "status": 429, "message": "slow down"}
    assert run("equal_requests_same_outcome", [exchange(), exchange(429, throttled)]) == []


def test_requests_that_differ_in_any_parameter_are_not_compared() -> None:
    assert (
        run("equal_requests_same_outcome", [exchange(), exchange(500, ERROR_500, params={**SENT, "TO": "1"})])
        == []
    )
