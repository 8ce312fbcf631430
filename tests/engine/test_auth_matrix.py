"""The probing half of issue 20 end to end, on the embedded mock: the authentication matrix (D57), the
sender-ownership spellings (D58) and the race burst (D59).

Each new fault is caught by its named check on seeds 1 to 5, at the severity DECISIONS promises, and
the clean mock stays silent on the same runs. The runs keep to the phases that hold the probes; the
confirmations and the race burst follow the main phase in every run.
"""

from __future__ import annotations

from collections import Counter

import pytest
from support import untimed_mock

from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.model.deviations import Deviation, Severity
from conformance.model.results import RunResults

pytestmark = pytest.mark.slow

SEEDS = (1, 2, 3, 4, 5)
CONFIRMED = "confirmed from the leased sender"


def run(seed: int, phases: tuple[str, ...], *faults: str, **changes: object) -> RunResults:
    profile = untimed_mock(*faults)
    return execute(RunOptions(profile=profile, seed=seed, max_examples=2, phases=phases, **changes))  # type: ignore[arg-type]


def fired(results: RunResults, check: str) -> list[Deviation]:
    return [d for d in results.deviations if d.check == check]


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_mock_is_silent_on_the_matrix_the_ownership_spellings_and_the_race(seed: int) -> None:
    results = run(seed, ("auth", "not_found"))
    assert results.deviations == ()
    phases = {p.name: p for p in results.phases}
    assert phases["race"].sent == 4
    assert phases["auth"].status_counts.get("401", 0) >= 36  # every cell refused before any send


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fault", ["auth_skipped_for_json_body", "alg_none_accepted"])
def test_a_bypass_is_an_error_confirmed_once_per_form(seed: int, fault: str) -> None:
    results = run(seed, ("auth",), fault)
    found = fired(results, "auth_enforced")
    errors = [d for d in found if d.severity is Severity.ERROR]
    assert errors, [d.title for d in results.deviations]
    assert all(CONFIRMED in d.detail for d in errors)  # only a send from the leased sender is an error
    # the other cells that got past authentication are warnings, sent from the unleased sender
    assert {d.severity for d in found if CONFIRMED not in d.detail} == {Severity.WARNING}
    forms = Counter(d.detail.split(" form,", 1)[0] for d in errors)
    assert set(forms.values()) == {1}, forms  # one paid confirmation per request form at most


@pytest.mark.parametrize("seed", SEEDS)
def test_the_real_token_in_an_undocumented_carrier_is_a_warning(seed: int) -> None:
    results = run(seed, ("auth",), "undocumented_carriers_accepted")
    found = fired(results, "auth_enforced")
    assert {d.severity for d in found} == {Severity.WARNING}
    let_through = [d.detail for d in found if CONFIRMED not in d.detail]
    for carrier in ("in a cookie", "as Basic auth", "as ?token, ?access_token, ?api_key"):
        # the query and the S3 body; past authentication the mock refuses S2's "+" sender with 400 (D4)
        assert sum(f"the real token {carrier}" in detail for detail in let_through) == 2
    assert any(CONFIRMED in d.detail and "HTTP 200" in d.detail for d in found)


@pytest.mark.parametrize("seed", SEEDS)
def test_loose_sender_matching_is_an_error_for_each_spelling_of_another_number(seed: int) -> None:
    results = run(seed, ("not_found",), "loose_sender_matching")
    found = fired(results, "negative_data_accepted")
    assert {d.severity for d in found} == {Severity.ERROR}
    kinds = {d.detail.split("'")[1] for d in found}
    assert kinds == {"442017771234", "2017771234", "02017771234"}, kinds


@pytest.mark.parametrize("seed", SEEDS)
def test_a_shared_state_race_is_caught_at_concurrency_one(seed: int) -> None:
    results = run(seed, ("examples",), "shared_state_race")
    found = fired(results, "semantic_echo")
    assert found and {d.severity for d in found} == {Severity.ERROR}
    assert {d.phase for d in found} == {"race"}  # one request at a time never shows it


def test_without_the_burst_the_race_passes_unseen() -> None:
    profile = mock_profile(faults=("shared_state_race",)).with_overrides(race_burst=0)
    results = execute(RunOptions(profile=profile, seed=1, max_examples=2, phases=("examples", "positive")))
    assert fired(results, "semantic_echo") == []
    assert "race" not in {p.name for p in results.phases}


def test_negative_only_sends_the_matrix_but_no_confirmation_and_no_burst() -> None:
    results = run(1, ("auth",), "auth_skipped_for_json_body", negative_only=True)
    assert results.stats["sends_used"] == 0
    assert not any(CONFIRMED in d.detail for d in results.deviations)
    assert "race" not in {p.name for p in results.phases}
    assert any(d.check == "auth_enforced" and d.severity is Severity.WARNING for d in results.deviations)
