"""Strict JSON both ways, end to end on the embedded mock: request bodies that are not JSON (D69) and
response bodies that are not strict JSON (D51).

Each documented JSON body form goes out in every spelling that is not JSON and, well-formed, as
``text/plain`` and ``application/x-www-form-urlencoded``, from the unleased sender. The clean mock
refuses each with 400 before reading the send; each fault is caught by ``strict_request_body`` at the
severity D69 gives it on seeds 1 to 5, and no cell spends the budget. A success body holding ``NaN`` or
naming ``success`` twice is ``strict_json``'s error on the same seeds.
"""

from __future__ import annotations

import pytest
from support import untimed_mock

import strategies as sms
from conformance.engine.generation.strict_body import BODY_CLASS
from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.model.deviations import Deviation, Severity
from conformance.model.results import RunResults

pytestmark = pytest.mark.slow

SEEDS = (1, 2, 3, 4, 5)


def run(seed: int, *faults: str) -> RunResults:
    profile = untimed_mock(*faults)
    return execute(
        RunOptions(profile=profile, seed=seed, max_examples=2, phases=("negative",), send_race=False)
    )


def fired(results: RunResults) -> list[Deviation]:
    return [d for d in results.deviations if d.check == "strict_request_body"]


def body_classes(results: RunResults) -> set[str]:
    negative = next(p for p in results.phases if p.name == "negative")
    return {c.removeprefix(BODY_CLASS) for c in negative.classes if c.startswith(BODY_CLASS)}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_clean_mock_refuses_every_cell_before_reading_the_send(seed: int) -> None:
    results = run(seed)
    assert results.deviations == ()
    assert body_classes(results) == {*sms.NOT_JSON_KINDS, "sent-as-plain", "sent-as-x-www-form-urlencoded"}
    negative = next(p for p in results.phases if p.name == "negative")
    assert negative.status_counts.get("404", 0) == 0  # no cell, and no other case, reached the lease check


@pytest.mark.parametrize("seed", SEEDS)
def test_a_lenient_json_reader_is_a_warning_for_every_spelling(seed: int) -> None:
    results = run(seed, "lenient_json_body")
    found = fired(results)
    assert {d.severity for d in found} == {Severity.WARNING}
    assert all(d.title == "A request body that is not JSON was read as a send" for d in found)
    # the S3 form: every spelling read as the send, refused only at the lease (the mock refuses S2's
    # "+" sender with 400 after reading it, D4)
    read = {d.case_id for d in found}
    assert len(read) == len(sms.NOT_JSON_KINDS)
    assert results.verdict == "pass"  # a warning never fails the default gate


@pytest.mark.parametrize("seed", SEEDS)
def test_a_json_body_read_whatever_its_media_type_is_a_warning(seed: int) -> None:
    results = run(seed, "json_body_any_media_type")
    found = fired(results)
    assert {d.severity for d in found} == {Severity.WARNING}
    titles = sorted(d.title for d in found)
    assert titles == [
        "A JSON body sent as application/x-www-form-urlencoded was read as a send",
        "A JSON body sent as text/plain was read as a send",
    ]


def test_no_cell_spends_the_send_budget() -> None:
    profile = mock_profile(faults=("lenient_json_body", "json_body_any_media_type"), max_sends=0)
    results = execute(
        RunOptions(profile=profile, seed=1, max_examples=2, phases=("negative",), send_race=False)
    )
    assert len(fired(results)) == len(sms.NOT_JSON_KINDS) + 2  # every S3 cell read, none held back
    assert results.stats["sends_used"] == 0


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("fault", "title"), [("nan_in_body", "NaN"), ("duplicate_member", "twice")])
def test_a_success_body_that_is_not_strict_json_is_an_error(seed: int, fault: str, title: str) -> None:
    profile = mock_profile(faults=(fault,))
    options = RunOptions(profile=profile, seed=seed, max_examples=2, phases=("examples", "positive"))
    found = [d for d in execute(options).deviations if d.check == "strict_json"]
    assert found and {d.severity for d in found} == {Severity.ERROR}
    assert all(title in d.title for d in found), {d.title for d in found}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_clean_mock_answers_in_strict_json(seed: int) -> None:
    options = RunOptions(profile=mock_profile(), seed=seed, max_examples=2, phases=("examples", "positive"))
    assert [d for d in execute(options).deviations if d.check == "strict_json"] == []
