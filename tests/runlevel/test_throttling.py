"""A 429 means the request was not processed: the runner waits, re-sends, every planned case is evaluated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.engine.profiles import AuthConfig, Profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.mock.config import DEFAULT_SENDERS, MockConfig
from conformance.mock.server import MockServer
from reports.html import write_html

from .throttling_proxy import throttling_proxy

pytestmark = pytest.mark.slow

TOKEN = "runlevel-throttle-token-77c1"
TOKEN_ENV = "OPENTACT_RUNLEVEL_TOKEN"
ONLY_GENERATED = ("variants", "repeats")  # phases whose sends depend on the answers


@pytest.fixture
def mock(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockServer]:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with MockServer(MockConfig(token=TOKEN)) as server:
        yield server


def profile(url: str, **settings: object) -> Profile:
    # one request in flight: the proxy throttles by arrival order (every n-th request), and the counts
    # below are those of sequential sending; tests/engine/test_concurrency.py covers it at 8 (D42)
    settings.setdefault("concurrency", 1)
    return Profile(
        name="throttled",
        base_url=url,
        auth=AuthConfig("header", TOKEN_ENV),
        senders=DEFAULT_SENDERS,
        timeout_s=5.0,
        source="test",
        **settings,  # type: ignore[arg-type]
    )


def test_every_planned_case_is_evaluated_when_every_second_request_is_throttled(
    mock: MockServer, tmp_path: Path
) -> None:
    with throttling_proxy(mock.url, every=2, retry_after="0") as proxy:
        results = execute(RunOptions(profile=profile(proxy.url, max_sends=10_000), seed=4, max_examples=3))
        throttled_by_proxy = proxy.throttled
    stats = results.stats
    assert not results.partial, results.partial_reason
    assert stats["throttled_unresolved"] == 0
    assert (
        stats["throttled_cases"]
        == stats["throttle_resends"]
        == stats["rate_limited"]
        == throttled_by_proxy
        > 10
    )
    for phase in results.phases:
        if phase.name in ONLY_GENERATED:
            continue
        answered = phase.sent - phase.status_counts.get("429", 0)
        assert answered == phase.cases - phase.skipped, phase  # each planned case got a real answer once
    assert [d for d in results.deviations if d.severity.value == "error"] == []
    assert results.throttled.startswith(f"{throttled_by_proxy} case(s) throttled (429)")
    html = write_html(results, tmp_path).read_text(encoding="utf-8")
    assert f'<td id="throttled">{throttled_by_proxy} case(s) throttled' in html


def test_the_clean_throttled_run_finds_what_the_direct_run_finds(mock: MockServer) -> None:
    options = {"seed": 5, "max_examples": 2}
    direct = execute(RunOptions(profile=profile(mock.url, max_sends=10_000), **options))  # type: ignore[arg-type]
    with throttling_proxy(mock.url, every=3, retry_after="0") as proxy:
        throttled = execute(RunOptions(profile=profile(proxy.url, max_sends=10_000), **options))  # type: ignore[arg-type]
    assert throttled.stats["throttled_cases"] > 0 and direct.stats["throttled_cases"] == 0
    assert {d.key for d in throttled.deviations} == {d.key for d in direct.deviations}


def test_re_sends_are_bounded_budget_counted_and_a_never_processed_case_makes_the_run_partial(
    mock: MockServer,
) -> None:
    """Always 429, budget 5, the three documented examples: 4 + 1 budget-counted sends, then the
    unleased-sender example (it cannot send an SMS, so it is not counted) with its 3 re-sends."""
    with throttling_proxy(mock.url, every=1, retry_after="0") as proxy:
        results = execute(RunOptions(profile=profile(proxy.url, max_sends=5), phases=("examples",)))
        requests = proxy.requests
    stats = results.stats
    assert requests == 4 + 1 + 4 == stats["sent"]
    assert stats["sends_used"] == stats["send_budget"] == 5
    assert stats["throttled_cases"] == stats["throttled_unresolved"] == 3
    assert stats["throttle_resends"] == 3 + 0 + 3
    assert results.partial and "3 case(s) still throttled (429)" in results.partial_reason
    assert results.verdict == "incomplete" and results.partial  # never a pass: exit 130 (D19)


def test_a_429_that_a_re_send_replaces_is_still_checked_for_its_missing_retry_after(mock: MockServer) -> None:
    """D16: info for a 429 without Retry-After, even when the re-send then gets a real answer."""
    with throttling_proxy(mock.url, every=12, retry_after=None) as proxy:  # each bare 429 waits 1 s
        results = execute(
            RunOptions(profile=profile(proxy.url, max_sends=10_000), phases=("examples", "auth"))
        )
        throttled = proxy.throttled
    bare = [d for d in results.deviations if d.title == "HTTP 429 without Retry-After"]
    assert throttled > 0 and len(bare) == throttled
    assert {(d.check, d.severity.value) for d in bare} == {("status_documented", "info")}
    assert not results.partial and results.stats["throttled_unresolved"] == 0
