"""Sending cases to a target: credentials placement, rate limit, bounded bodies, timing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx

from conformance.cases import AuthPlacement, Case
from conformance.contract import OPERATION_PATH
from conformance.exchange import Exchange, RecordedRequest, RecordedResponse

__all__ = ["MAX_BODY_BYTES", "RateLimiter", "TargetClient", "TargetUnreachableError"]

MAX_BODY_BYTES = 1_048_576  # a send response is a few hundred bytes; keep memory bounded


class TargetUnreachableError(ConnectionError):
    """The target refused or could not be reached before anything was sent."""


class RateLimiter:
    """At most ``per_second`` requests per second, spaced evenly (no bursts)."""

    def __init__(self, per_second: float | None) -> None:
        self.interval = 0.0 if not per_second else 1.0 / per_second
        self._next = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if now < self._next:
            time.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval

    def delay(self, seconds: float) -> None:
        """Push the next slot back, e.g. after a 429 with Retry-After."""
        self._next = max(self._next, time.monotonic() + seconds)


class TargetClient:
    """One httpx client bound to a target's base URL and token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout_s: float,
        rate_limit_per_s: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.limiter = RateLimiter(rate_limit_per_s)
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=timeout_s,
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )

    def close(self) -> None:
        self._client.close()

    def build(self, case: Case) -> RecordedRequest:
        """The exact request a case becomes (token included; redaction happens when recorded)."""
        query = list(case.params.items())
        headers: list[tuple[str, str]] = [("Accept", "application/json")]
        token = self.token if case.token == "profile" else case.token
        if case.auth is AuthPlacement.HEADER:
            headers.append(("X-Auth-Token", token))
        elif case.auth is AuthPlacement.JWT_QUERY:
            query.append(("jwt", token))
        elif case.auth is AuthPlacement.BEARER:
            headers.append(("Authorization", f"Bearer {token}"))
        headers += [(k, self.token if v == "profile" else v) for k, v in case.extra_headers.items()]
        if case.body is not None:
            headers.append(("Content-Type", "application/json"))
        return RecordedRequest("POST", self.base_url, OPERATION_PATH, tuple(query), tuple(headers), case.body)

    def send(self, case: Case) -> Exchange:
        request = self.build(case)
        self.limiter.wait()
        sent_at = datetime.now(UTC)
        started = time.perf_counter()
        try:
            with self._client.stream(
                request.method,
                request.path,
                params=list(request.query),
                headers=list(request.headers),
                content=request.body,
            ) as response:
                body, truncated = _read_bounded(response)
                elapsed = (time.perf_counter() - started) * 1000
                recorded = RecordedResponse(
                    status=response.status_code,
                    headers={k.lower(): v for k, v in response.headers.items()},
                    body=body,
                    elapsed_ms=elapsed,
                    truncated=truncated,
                )
        except httpx.ConnectError as exc:
            raise TargetUnreachableError(f"cannot connect to {self.base_url}: {exc}") from None
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc or 'no detail'}"
            return Exchange(case=case, request=request, response=None, error=error, sent_at=sent_at)
        return Exchange(case=case, request=request, response=recorded, sent_at=sent_at)


def _read_bounded(response: httpx.Response) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return b"".join(chunks)[:MAX_BODY_BYTES], True
    return b"".join(chunks), False


@contextmanager
def target_client(
    base_url: str, token: str, *, timeout_s: float, rate_limit_per_s: float | None = None
) -> Iterator[TargetClient]:
    client = TargetClient(base_url, token, timeout_s=timeout_s, rate_limit_per_s=rate_limit_per_s)
    try:
        yield client
    finally:
        client.close()
