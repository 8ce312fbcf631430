"""A target reached through an httpx transport instead of sockets: an ASGI app in-process, or a test's
``httpx.MockTransport``. Same interface and error kinds as ``conformance.engine.wire.Wire``; the client
code above it runs unchanged. httpx is imported only by a client that is given a transport."""

from __future__ import annotations

import time
from collections.abc import Sequence

from conformance.engine.http_imports import httpx
from conformance.engine.wire import BoundedBody, ConnectError, WireError, WireResponse

__all__ = ["TransportWire"]


class TransportWire:
    """Requests to ``base_url`` through ``transport``, each body kept up to ``limit`` bytes."""

    def __init__(
        self, base_url: str, transport: httpx.BaseTransport, *, timeout_s: float, limit: int
    ) -> None:
        parsed = httpx.URL(base_url)
        self._origin = str(parsed.copy_with(raw_path=b"")).rstrip("/")
        self.base_path = parsed.path
        self.limit = limit
        self._client = httpx.Client(
            transport=transport, timeout=timeout_s, follow_redirects=False, trust_env=False
        )

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        target: str,
        headers: Sequence[tuple[str, str]],
        body: bytes | None,
        *,
        deadline: float,
    ) -> WireResponse:
        url = self._origin + target
        try:
            with self._client.stream(method, url, headers=list(headers), content=body) as response:
                kept = BoundedBody([], self.limit)  # httpx has undone the codings already
                truncated = False
                for chunk in response.iter_bytes():
                    if kept.feed(chunk):
                        truncated = True
                        break
                    if time.monotonic() > deadline:
                        raise WireError("ReadTimeout", "the request's total deadline passed")
                return WireResponse(
                    response.status_code, tuple(response.headers.multi_items()), kept.body(), truncated
                )
        except httpx.ConnectError as exc:
            raise ConnectError(str(exc)) from None
        except httpx.HTTPError as exc:
            raise WireError(type(exc).__name__, str(exc)) from None
