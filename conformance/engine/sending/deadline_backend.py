"""One total deadline per request for httpx's connections (D19): a trickling target cannot stretch it.

httpx's timeouts bound each socket operation, so a target sending its headers a byte a second never
times out. httpcore takes a *network backend* (the thing that opens sockets); this one is httpcore's
own socket backend with every connect, TLS handshake, read and write given at most the time left
until the deadline of the request on that thread (``DeadlineBackend.deadline``, a
``time.monotonic()`` value the client sets before each request).

The pools that use it are built by ``conformance.engine.sending.deadline_transport``, through httpcore's
public ``network_backend`` parameter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

import httpcore

__all__ = ["DeadlineBackend"]


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write is bounded by the time left to its request."""

    def __init__(self, inner: httpcore.NetworkStream, backend: DeadlineBackend) -> None:
        self._inner = inner
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._backend.clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._backend.clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        clipped = self._backend.clip(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, clipped), self._backend)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend with one wall-clock deadline per request, kept per thread (each
    request in flight is on a thread of its own)."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()
        self._local = threading.local()

    @property
    def deadline(self) -> float | None:
        value: float | None = getattr(self._local, "deadline", None)
        return value

    @deadline.setter
    def deadline(self, value: float | None) -> None:
        self._local.deadline = value

    def clip(self, timeout: float | None, error: type[Exception]) -> float | None:
        """``timeout`` cut to the time left; ``error`` once no time is left."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise error("the request's total deadline passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, self.clip(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _DeadlineStream(stream, self)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - the client never uses unix sockets
        clipped = self.clip(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, clipped, socket_options), self)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
