"""Same seed, same target: the same deviation keys, run after run; negative-only sends no positive case."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.engine.profiles import AuthConfig, Profile, mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.mock.server import MockServer
from conformance.model.results import RunResults

from .conftest import TOKEN_ENV

pytestmark = pytest.mark.slow

FAULTS = ("to_as_string", "validation_without_fields", "echo_non_ascii_mangled", "slow_responses")


def keys(results: RunResults) -> set[str]:
    return {d.key for d in results.deviations}


@pytest.mark.fresh_cases  # each run draws its cases again: generation is part of what repeats
def test_same_seed_gives_the_same_deviation_keys_three_runs_in_a_row() -> None:
    runs = [
        execute(RunOptions(profile=mock_profile(faults=FAULTS), seed=21, max_examples=8)) for _ in range(3)
    ]
    first = keys(runs[0])
    assert first  # the faults are seen
    assert all(keys(run) == first for run in runs[1:])
    assert all(len(run.deviations) == len(runs[0].deviations) for run in runs[1:])


def test_negative_only_sends_no_positive_case(shared_mock: MockServer, token_env: str) -> None:
    shared_mock.store.clear()
    profile = Profile(
        name="prod-like",
        base_url=shared_mock.url,
        auth=AuthConfig("header", TOKEN_ENV),
        senders=shared_mock.config.senders,
        max_sends=1000,
        source="test",
    )
    results = execute(RunOptions(profile=profile, seed=2, max_examples=10, negative_only=True))
    assert results.stats["sent"] > 30
    assert results.stats["positive_total"] == 0
    assert shared_mock.store.messages() == ()  # the reference mock stored no sent message
    assert not [d for d in results.deviations if d.severity.value == "error"]
    # the profile setting does the same as the flag
    shared_mock.store.clear()
    execute(RunOptions(profile=replace(profile, negative_only=True), seed=3, max_examples=10))
    assert shared_mock.store.messages() == ()
