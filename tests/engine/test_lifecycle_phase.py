"""The lifecycle phase (D67, D68) against real loopback mocks: each life-cycle fault is caught by its
named check on seeds 1-5, the clean mock is silent, and the reads stay within their budgets as counted
at the server.

The mock runs in this process (a uvicorn thread on 127.0.0.1), reached as a loopback target through a
profile that names a second account's token; the phases are those that send accepted messages without
drawing schemathesis's cases in a child process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from conformance.engine.profiles import (
    AuthConfig,
    LifecycleSettings,
    Profile,
    ProfileError,
    profile_from_mapping,
)
from conformance.engine.run.runner import RunOptions, execute
from conformance.mock.config import DEFAULT_SENDERS, MockConfig
from conformance.mock.faults import FAULTS
from conformance.mock.life import DROP_AFTER
from conformance.mock.server import MockServer
from conformance.model.deviations import Severity
from conformance.model.results import RunResults

TOKEN_ENV, TOKEN = "OPENTACT_LIFECYCLE_TOKEN", "lifecycle-test-token-3c9e"
SECOND_ENV, SECOND = "OPENTACT_LIFECYCLE_SECOND", "lifecycle-second-token-8f21"
LIFE_FAULTS = tuple(f for f in FAULTS if f.category == "life cycle")
#: each check's severity in a default gate (D66-D68)
SEVERITY = {
    "lifecycle_found": Severity.ERROR,
    "lifecycle_stored_as_sent": Severity.ERROR,
    "lifecycle_state_order": Severity.WARNING,
    "lifecycle_delivered": Severity.WARNING,
    "lifecycle_reference_id": Severity.WARNING,
    "lifecycle_timestamps": Severity.WARNING,
    "lifecycle_lookup_auth": Severity.ERROR,
    "lifecycle_foreign_message": Severity.ERROR,
}
SENDING_PHASES = ("examples", "positive", "boundaries")  # more than DROP_AFTER accepted sends
QUICK_PHASES = ("examples", "positive")  # two or three accepted sends


@pytest.fixture(autouse=True)
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv(SECOND_ENV, SECOND)


def start(faults: tuple[str, ...] = (), seed: int = 1, **config: Any) -> MockServer:
    return MockServer(
        MockConfig(token=TOKEN, second_token=SECOND, faults=frozenset(faults), seed=seed, **config)
    ).start()


def profile_for(server: MockServer, **lifecycle: Any) -> Profile:
    settings = {"second_token_env": SECOND_ENV, "deadline_s": 0.3, **lifecycle}
    return Profile(
        name="lifecycle",
        base_url=server.url,
        auth=AuthConfig("header", TOKEN_ENV),
        senders=DEFAULT_SENDERS,
        max_sends=1000,
        lifecycle=LifecycleSettings(**settings),
    )


def run(profile: Profile, seed: int = 1, phases: tuple[str, ...] = SENDING_PHASES) -> RunResults:
    return execute(
        RunOptions(
            profile=profile,
            seed=seed,
            max_examples=2 if phases == SENDING_PHASES else 1,
            phases=phases,
            probe_variants=False,
            send_repeats=False,
            send_race=False,
        )
    )


@pytest.fixture
def mock() -> Iterator[Any]:
    servers: list[MockServer] = []

    def started(*faults: str, seed: int = 1, **config: Any) -> MockServer:
        servers.append(start(faults, seed, **config))
        return servers[-1]

    yield started
    for server in servers:
        server.stop()


def lifecycle_findings(results: RunResults) -> dict[str, set[Severity]]:
    found: dict[str, set[Severity]] = {}
    for deviation in results.deviations:
        if deviation.check.startswith("lifecycle_"):
            found.setdefault(deviation.check, set()).add(deviation.severity)
    return found


def server_stats(server: MockServer) -> dict[str, Any]:
    import httpx

    answer = httpx.get(f"{server.url}/_mock/stats", headers={"X-Auth-Token": TOKEN}, timeout=5.0)
    stats: dict[str, Any] = answer.json()["payload"]
    return stats


@pytest.mark.parametrize("seed", range(1, 6))
@pytest.mark.parametrize("fault", LIFE_FAULTS, ids=lambda f: f.name)
def test_each_life_cycle_fault_is_caught_by_its_check_alone(mock: Any, fault: Any, seed: int) -> None:
    phases = SENDING_PHASES if fault.name == "silent_drop" else QUICK_PHASES
    results = run(profile_for(mock(fault.name, seed=seed)), seed, phases)
    assert results.stats["lifecycle"]["followed"] >= 2
    # each names the send it follows, so `replay` re-sends that case (ID~lifecycle, as ID~repeat), and
    # is in that send's phase, whose test fails on it in the pytest route (as a run-level finding)
    assert all(d.case_id.endswith("~lifecycle") and d.phase in phases for d in results.deviations)
    assert lifecycle_findings(results) == {fault.check: {SEVERITY[fault.check]}}


@pytest.mark.parametrize("seed", range(1, 6))
def test_the_clean_mock_is_silent_and_every_message_settles(mock: Any, seed: int) -> None:
    server = mock(seed=seed)
    results = run(profile_for(server), seed)
    figures = results.stats["lifecycle"]
    assert lifecycle_findings(results) == {}
    assert figures["followed"] == figures["found"] > DROP_AFTER
    assert figures["terminal"] == {"success": figures["followed"]}
    assert figures["time_to_state_s"]["delivered"]["count"] == figures["followed"]
    assert figures["guard_probes"] == 2
    assert (
        server_stats(server)["lookup_requests"]
        == figures["reads"]
        == results.stats["sent"] - sum(p.sent for p in results.phases if p.name != "lifecycle")
    )


def test_the_reads_stay_within_their_budget_counted_at_the_server(mock: Any) -> None:
    server = mock("state_goes_back")  # messages that never settle: only the budget ends the reading
    results = run(profile_for(server, max_reads=9, deadline_s=30.0))
    figures = results.stats["lifecycle"]
    assert server_stats(server)["lookup_requests"] == figures["reads"] == 9
    assert figures["guard_probes"] == 2  # the probes' two reads were kept back for them
    assert not results.partial
    off = LifecycleSettings(follow=False)
    unfollowed = run(replace(profile_for(mock("state_goes_back")), lifecycle=off))
    assert results.stats["sends_used"] == unfollowed.stats["sends_used"]  # reads spent no send budget


class ServerClock:
    """The mock's life clock, remembering when the server read it: at every send and every lookup
    that finds a message."""

    def __init__(self) -> None:
        self.seen: list[float] = []

    def __call__(self) -> float:
        now = time.monotonic()
        self.seen.append(now)
        return now


def test_the_time_budget_ends_the_phase_counted_at_the_server(mock: Any) -> None:
    clock = ServerClock()
    server = mock("state_goes_back", life_clock=clock)
    profile = replace(profile_for(server, deadline_s=60.0, max_reads=100_000), time_budget_s=2.0)
    began = time.monotonic()
    results = run(profile)
    assert results.partial and "time budget" in results.partial_reason
    assert results.stats["lifecycle"]["reads"] > 0
    # nothing reached the server after the time budget (plus one request's time on the wire)
    assert max(clock.seen) <= began + 2.0 + 0.5


def test_a_loopback_target_follows_by_default_and_follow_false_turns_it_off(mock: Any) -> None:
    server = mock()
    results = run(replace(profile_for(server), lifecycle=LifecycleSettings(follow=False)))
    assert "lifecycle" not in results.stats
    assert server_stats(server)["lookup_requests"] == 0


def test_a_live_profile_follows_only_when_it_says_so() -> None:
    base = {
        "name": "live",
        "base_url": "https://api.opentact.org",
        "auth": {"method": "header", "token_env": TOKEN_ENV},
        "senders": ["12017771234"],
        "live": True,
    }
    assert profile_from_mapping(base, source="live.yaml").follow_plan() is None
    plan = profile_from_mapping(
        {**base, "lifecycle": {"follow": True, "max_reads": 40}}, source="live.yaml"
    ).follow_plan()
    assert plan is not None and (plan.max_reads, plan.max_messages, plan.deadline_s) == (40, 20, 300.0)


def test_an_unknown_lifecycle_key_and_an_unset_second_token_are_refused(
    mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {
        "name": "x",
        "base_url": "http://127.0.0.1:9",
        "auth": {"method": "header", "token_env": TOKEN_ENV},
    }
    with pytest.raises(ProfileError, match=r"'lifecycle\.max_read'"):
        profile_from_mapping(
            {**base, "senders": ["12017771234"], "lifecycle": {"max_read": 3}}, source="p.yaml"
        )
    monkeypatch.delenv(SECOND_ENV)
    with pytest.raises(ProfileError, match=rf"lifecycle\.second_token_env.*{SECOND_ENV}"):
        run(profile_for(mock()))
