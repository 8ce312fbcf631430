"""Safety core: the send budget is never exceeded, and live targets need both switches."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.engine.profiles import AuthConfig, Profile
from conformance.engine.run.runner import RunOptions, SafetyError, check_safety, execute
from conformance.mock.server import MockServer

from .conftest import TOKEN_ENV


def loopback_profile(server: MockServer, **changes: object) -> Profile:
    base = Profile(
        name="budget",
        base_url=server.url,
        auth=AuthConfig("header", TOKEN_ENV),
        senders=server.config.senders,
        source="test",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


# Seeds change which cases a run holds, not how the sender counts them: a few seeds (each case list drawn
# once, then read from the session's case cache) against budgets from 0 to 40 exercise the count.
BUDGET_SEEDS = (0, 1, 2, 1000)


# the engine draws its own cases with @given inside: nesting is the point here, not a mistake
@pytest.mark.slow
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.nested_given],
)
@given(max_sends=st.integers(min_value=0, max_value=40), seed=st.sampled_from(BUDGET_SEEDS))
def test_send_budget_is_never_exceeded(
    shared_mock: MockServer, token_env: str, max_sends: int, seed: int
) -> None:
    shared_mock.store.clear()
    profile = loopback_profile(shared_mock, max_sends=max_sends)
    results = execute(RunOptions(profile=profile, seed=seed, max_examples=5))
    stored = len(shared_mock.store.messages())
    assert results.stats["sends_used"] <= max_sends
    assert stored <= max_sends
    if max_sends < results.stats["cases"]:
        assert results.stats["skipped_budget"] > 0


@pytest.mark.slow
def test_positive_cases_use_only_allow_listed_destinations(shared_mock: MockServer, token_env: str) -> None:
    shared_mock.store.clear()
    allowed = ("14155550100", "14155550101")
    execute(
        RunOptions(profile=loopback_profile(shared_mock, destinations=allowed, max_sends=500), max_examples=8)
    )
    destinations = {str(m.to) for m in shared_mock.store.messages()}
    assert destinations and destinations <= set(allowed)


def production_profile(*, live: bool, base_url: str = "https://api.opentact.org") -> Profile:
    """A profile for the real API: only ever passed to check_safety here, never sent to."""
    return Profile(
        name="prod",
        base_url=base_url,
        auth=AuthConfig("header", "X"),
        senders=("12017771234",),
        live=live,
        source="prod.yaml",
    )


@pytest.mark.parametrize(("live", "allow"), [(False, False), (True, False), (False, True)])
def test_non_loopback_target_needs_live_profile_and_flag(live: bool, allow: bool) -> None:
    profile = production_profile(live=live)
    with pytest.raises(SafetyError, match="live"):
        check_safety(profile, allow)


def test_live_target_with_both_switches_must_use_https() -> None:
    profile = production_profile(live=True, base_url="http://api.opentact.org")
    with pytest.raises(SafetyError, match="https"):
        check_safety(profile, True)
    check_safety(replace(profile, base_url="https://api.opentact.org"), True)  # allowed, nothing sent
