"""The queue to the checking process is bounded in bytes: big answers past the budget are counted, not
checked, the relay never waits on the checks and the proxy's memory stays bounded; the end is bounded
and keeps every result the checks produced."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from raw_upstream import raw_upstream

from conformance.checks.base import CHECKS, register
from conformance.contract.specfile import load_spec
from conformance.engine.traffic.observed import ObservedChecker
from conformance.engine.traffic.observed_cases import APPLIES, Applies
from conformance.engine.traffic.proxy_session import BEHIND, STOPPED, ProxySession
from conformance.engine.traffic.proxy_upstream import Upstream
from conformance.model.deviations import Severity
from conformance.model.results import RunResults

SLOW = "proxy_selftest_slow"
MIB = 1_048_576


@pytest.fixture
def slow_check() -> Iterator[str]:
    """A check that takes 50 ms per exchange (in the checking process): the checks fall behind."""

    @register(SLOW)
    def slow(ctx: object, exchange: object) -> Iterator[object]:
        time.sleep(0.05)
        yield from ()

    APPLIES[SLOW] = Applies.ALWAYS  # judged on every exchange the proxy hands over
    try:
        yield SLOW
    finally:
        CHECKS.pop(SLOW, None)
        APPLIES.pop(SLOW, None)


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def _session(url: str, check: str, **options: int) -> ProxySession:
    checker = ObservedChecker(load_spec(), None, base_url=url, checks=(check,))
    return ProxySession(checker, Upstream.parse(url), timeout_s=10, **options).start()


def _finish(session: ProxySession, drain_timeout_s: float = 30.0) -> RunResults | None:
    return session.finish(
        partial=False,
        partial_reason="",
        fail_on=Severity.ERROR,
        invocation={},
        drain_timeout_s=drain_timeout_s,
    )


def test_many_big_answers_past_the_byte_budget_are_counted_not_queued_and_memory_stays_bounded(
    slow_check: str,
) -> None:
    total = 150
    with raw_upstream("big") as upstream:
        session = _session(upstream.url, slow_check, queue_bytes=8 * MIB)
        before = _rss_bytes()
        try:
            with httpx.Client(base_url=session.url, timeout=10) as client:
                sizes = [len(client.post(f"/rest/sms?n={n}").content) for n in range(total)]
            grown = _rss_bytes() - before
        finally:
            results = _finish(session)
    assert sizes == [MIB] * total  # every answer relayed whole, whatever the checks did
    assert grown < 64 * MIB  # unbounded, 150 queued 1 MiB bodies would hold 150 MiB here
    assert results is not None
    stats = results.stats
    assert stats["proxy_not_checked_by_reason"].get(BEHIND, 0) > 0
    assert stats["proxy_checked"] >= 1
    assert stats["proxy_checked"] + stats["proxy_not_checked"] == total
    assert results.partial and "not checked" in results.partial_reason


def test_small_answers_within_the_budget_are_all_checked(slow_check: str) -> None:
    with raw_upstream("ok") as upstream:
        session = _session(upstream.url, slow_check)
        try:
            with httpx.Client(base_url=session.url, timeout=10) as client:
                statuses = [client.post(f"/rest/sms?n={n}").status_code for n in range(5)]
        finally:
            results = _finish(session)
    assert statuses == [200] * 5 and results is not None
    assert results.stats["proxy_checked"] == 5 and results.stats["proxy_not_checked"] == 0
    assert not results.partial


def test_the_end_is_bounded_what_the_checks_did_not_reach_is_counted_and_the_rest_kept(
    slow_check: str,
) -> None:
    total = 120  # 6 s of checking at 50 ms each; the end allows 1 s before it skips the rest
    with raw_upstream("ok") as upstream:
        session = _session(upstream.url, slow_check)
        try:
            with httpx.Client(base_url=session.url, timeout=10) as client:
                statuses = [client.post(f"/rest/sms?n={n}").status_code for n in range(total)]
        finally:
            results = _finish(session, drain_timeout_s=2.0)
    assert statuses == [200] * total and results is not None
    stats = results.stats
    assert stats["proxy_not_checked_by_reason"].get(STOPPED, 0) > 0
    assert stats["proxy_checked"] >= 1
    assert stats["proxy_checked"] + stats["proxy_not_checked"] == total
    assert results.partial


def test_a_checking_process_that_dies_after_an_interim_flush_leaves_those_results_not_an_empty_run(
    tmp_path: Path,
) -> None:
    written = tmp_path / "interim"
    with raw_upstream("ok") as upstream:
        checker = ObservedChecker(load_spec(), None, base_url=upstream.url, checks=("transport",))
        session = ProxySession(
            checker, Upstream.parse(upstream.url), writer=lambda results: written.touch(), timeout_s=10
        ).start()
        try:
            with httpx.Client(base_url=session.url, timeout=10) as client:
                statuses = [client.post(f"/rest/sms?n={n}").status_code for n in range(3)]
            deadline = time.monotonic() + 10
            while session.server.stats.answered < 3 and time.monotonic() < deadline:
                time.sleep(0.02)  # each record is queued just after its answer went out
            session.flush("proxy still running", Severity.ERROR, {})
            while not written.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            (child,) = [p for p in multiprocessing.active_children() if p.name == "proxy-checks"]
            child.kill()
            child.join(10)
        finally:
            results = _finish(session)
    assert statuses == [200] * 3 and written.exists()
    assert results is not None and results.partial
    assert results.stats["proxy_checked"] == 3
    assert "last interim results" in results.partial_reason
