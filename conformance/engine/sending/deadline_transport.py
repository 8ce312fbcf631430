"""The httpx transport of every request to a target over sockets: httpcore's pool on the deadline backend.

httpx's own transport builds its httpcore pool without a way to pass a network backend, so this one
builds the pool itself with httpcore's public ``ConnectionPool(proxy=..., network_backend=...)``
(httpcore 1.0.7 and later): straight to the target, or through the environment's proxy
(absolute-form requests for http, a CONNECT tunnel for https), always on ``DeadlineBackend`` (D19)
and always verifying an https target with the same TLS context (D46). httpcore's exceptions become
httpx's of the same name, as httpx's transport maps them, so a failure reads the same whichever
transport sent the request.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Iterator

import httpcore
import httpx

from conformance.engine.sending.deadline_backend import DeadlineBackend

__all__ = ["DeadlineTransport"]

KEEPALIVE_EXPIRY_S = 5.0  # an idle connection older than this is not reused (httpx's default)

# httpcore's exception classes and httpx's of the same name; a raised class is looked up along its MRO,
# so the most specific one known wins (httpcore.ReadTimeout -> httpx.ReadTimeout, not TimeoutException)
_HTTPX_ERRORS: dict[type[Exception], type[httpx.HTTPError]] = {
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.ProtocolError: httpx.ProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
}
_CORE_ERRORS = tuple(_HTTPX_ERRORS)


def _as_httpx(exc: Exception) -> httpx.HTTPError:
    """The httpx exception for an httpcore one, its message kept."""
    mapped = next(_HTTPX_ERRORS[cls] for cls in type(exc).__mro__ if cls in _HTTPX_ERRORS)
    return mapped(str(exc))


class _ResponseStream(httpx.SyncByteStream):
    """httpcore's response body as httpx reads it, with httpcore's exceptions mapped while reading."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._chunks
        except _CORE_ERRORS as exc:
            raise _as_httpx(exc) from exc

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)  # httpcore's stream gives the connection back
        if close is not None:
            close()


class DeadlineTransport(httpx.BaseTransport):
    """Requests to one target on ``backend``'s sockets, straight or through ``proxy`` (an http or https
    proxy URL, credentials in its user info); ``ssl_context`` verifies the target, and an https proxy."""

    def __init__(
        self,
        backend: DeadlineBackend,
        *,
        ssl_context: ssl.SSLContext,
        max_connections: int,
        proxy: httpx.URL | None = None,
        proxy_ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        core_proxy = None
        if proxy is not None:
            credentials = (proxy.username, proxy.password) if proxy.username or proxy.password else None
            core_proxy = httpcore.Proxy(_core_url(proxy), auth=credentials, ssl_context=proxy_ssl_context)
        self._connections = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            proxy=core_proxy,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=KEEPALIVE_EXPIRY_S,
            network_backend=backend,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.SyncByteStream):  # pragma: no cover - an async body
            raise TypeError("DeadlineTransport sends synchronous request bodies only")
        core_request = httpcore.Request(
            method=request.method,
            url=_core_url(request.url),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = self._connections.handle_request(core_request)
        except _CORE_ERRORS as exc:
            raise _as_httpx(exc) from exc
        if not isinstance(response.stream, Iterable):  # pragma: no cover - httpcore's sync pool iterates
            raise TypeError("httpcore answered with an asynchronous body")
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._connections.close()


def _core_url(url: httpx.URL) -> httpcore.URL:
    """httpx's URL in httpcore's form: the bytes that go on the wire (host IDNA-encoded, target as sent)."""
    return httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path)
