"""The client's sending policy: even spacing, Retry-After, retries only for refused connections."""

from __future__ import annotations

import itertools
import ssl
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from scripted import CASE

from conformance.engine.sending.client import (
    RateLimiter,
    TargetClient,
    TargetUnreachableError,
    parse_retry_after,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limit_spaces_requests_evenly_without_bursts() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5.0, clock=clock, sleep=clock.sleep)
    sent_at = []
    for _ in range(6):
        limiter.wait()
        sent_at.append(clock.now)
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(sent_at)]
    assert gaps == [0.2] * 5
    assert limiter.waited_s == pytest.approx(1.0)


def test_retry_after_pushes_the_next_request_back() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, clock=clock, sleep=clock.sleep)
    limiter.wait()
    limiter.delay(3.0)
    assert limiter.pending() == pytest.approx(3.0)
    limiter.wait()
    assert clock.slept == [pytest.approx(3.0)]


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    date = (now + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(date, now=now) == pytest.approx(30.0)
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def client_with(handler: httpx.MockTransport) -> TargetClient:
    """httpx's own MockTransport stands in for the network; our client code runs for real."""
    return TargetClient("http://127.0.0.1:9", "tok", timeout_s=1.0, transport=handler)


def test_a_refused_connection_is_tried_again_because_nothing_was_sent() -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"success": True})

    exchange = client_with(httpx.MockTransport(handler)).send(CASE)
    assert len(attempts) == 3 and exchange.response is not None and exchange.response.status == 200


def test_a_target_that_keeps_refusing_is_unreachable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TargetUnreachableError):
        client_with(httpx.MockTransport(handler)).send(CASE)


@pytest.mark.parametrize("error", [httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout])
def test_a_post_that_may_have_reached_the_server_is_never_retried(error: type[httpx.HTTPError]) -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise error("cut", request=request)

    exchange = client_with(httpx.MockTransport(handler)).send(CASE)
    assert len(attempts) == 1
    assert exchange.response is None and exchange.error is not None and error.__name__ in exchange.error


def test_a_429_is_sent_once_and_slows_what_follows() -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        return httpx.Response(429, headers={"Retry-After": "2"}, json={"success": False})

    client = client_with(httpx.MockTransport(handler))
    exchange = client.send(CASE)
    assert len(attempts) == 1 and exchange.response is not None and exchange.response.status == 429
    assert client.limiter.pending() == pytest.approx(2.0, abs=0.2)


def test_an_https_target_gets_the_roots_of_d46_and_a_plain_http_target_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a plain-http target never starts TLS (redirects are not followed): no CA file is read for it
    from conformance.engine.sending.client import _tls_context

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    plain = _tls_context("http://127.0.0.1:8080", None)
    assert plain.verify_mode is ssl.CERT_REQUIRED and plain.cert_store_stats()["x509_ca"] == 0
    secure = _tls_context("HTTPS://api.opentact.org", None)
    assert secure.verify_mode is ssl.CERT_REQUIRED and secure.check_hostname
    assert secure.cert_store_stats()["x509_ca"] > 100  # certifi's roots
