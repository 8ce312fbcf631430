"""A check that crashes on every exchange: recorded as a suite crash, the answers unaffected, the
proxy and the other checks carry on (the checks run in their own process)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from proxy_support import TOKEN_HEADERS

from conformance.checks.base import CHECKS, register
from conformance.contract.specfile import load_spec
from conformance.engine.traffic.observed import ObservedChecker
from conformance.engine.traffic.proxy_session import ProxySession
from conformance.engine.traffic.proxy_upstream import Upstream
from conformance.mock.config import DEFAULT_TOKEN
from conformance.model.deviations import Severity

BOOM = "proxy_selftest_boom"
VALID = {"FROM": "12017771234", "TO": "14155550100", "Message": "hi"}


@pytest.fixture
def crashing_check() -> Iterator[str]:
    @register(BOOM)
    def boom(ctx: object, exchange: object) -> Iterator[object]:
        raise RuntimeError("this check always fails")

    try:
        yield BOOM
    finally:
        CHECKS.pop(BOOM, None)


def test_a_crashing_check_is_a_crash_record_and_the_proxy_keeps_answering(
    capturing_mock, crashing_check
) -> None:
    mock, seen = capturing_mock(frozenset({"missing_thread"}))
    checker = ObservedChecker(
        load_spec(), None, base_url=mock.url, token=DEFAULT_TOKEN, checks=(crashing_check, "response_schema")
    )
    session = ProxySession(checker, Upstream.parse(mock.url), timeout_s=10).start()
    try:
        with httpx.Client(base_url=session.url, timeout=10) as client:
            statuses = [
                client.post("/rest/sms", params=VALID, headers=TOKEN_HEADERS).status_code for _ in range(3)
            ]
    finally:
        results = session.finish(partial=False, partial_reason="", fail_on=Severity.ERROR, invocation={})
    assert statuses == [200, 200, 200] and len(seen.api_requests()) == 3
    assert results is not None
    assert [c.check for c in results.crashes] == [BOOM] * 3
    assert "this check always fails" in results.crashes[0].error
    assert {d.check for d in results.deviations} == {"response_schema"}  # the other check still ran
    assert results.stats["proxy_checked"] == 3 and not results.partial
