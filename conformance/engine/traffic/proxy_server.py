"""The validating proxy's transport: an HTTP/1.1 reverse proxy on asyncio (h11 towards the client,
httpcore towards the upstream), in a thread of its own.

Each request is forwarded once, as received (method, target bytes, headers in order and case, body
streamed), and the upstream's answer returned as received (status, reason, headers, body streamed);
only hop-by-hop headers and ``Host`` change (``proxy_wire``, D40). Nothing is retried or added. The
bodies are kept for checking up to the suite's cap, and each finished exchange is handed to
``on_record`` (which must not block: the checks run elsewhere). A failed upstream gets the client a
502 (504 for a timeout) and a record; a client that breaks the protocol gets a 400 and is not
forwarded; a client that goes away mid-request is recorded as such. Nothing the client or upstream
does raises out of the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import h11
import httpcore

from conformance.engine.traffic.proxy_upstream import Upstream
from conformance.engine.traffic.proxy_wire import (
    BodyKeeper,
    ProxyRecord,
    end_to_end,
    request_headers_upstream,
    text_headers,
)

__all__ = ["LOCAL_HEADER", "ProxyServer", "ProxyStats"]

CHUNK = 65_536
MAX_HEAD_BYTES = 65_536  # a request line plus headers; D35's 8 KiB request lines fit many times
IDLE_TIMEOUT_S = 60.0  # a kept-alive client connection with no new request is closed after this
START_TIMEOUT_S = 10.0
LINGER_S = 1.0  # how long a refused client may go on sending before the connection closes
LINGER_BYTES = 4 * 1_048_576
LOCAL_HEADER = "X-Conformance-Proxy"  # only on answers the proxy writes itself (502, 504, 503, 400)


class _ClientGoneError(Exception):
    """The client closed, stalled or broke the protocol in the middle of its request."""


@dataclass
class ProxyStats:
    """Counters of the transport (written by the server thread only; read anywhere)."""

    forwarded: int = 0  # requests sent upstream
    answered: int = 0  # upstream answers passed back whole
    upstream_failed: int = 0  # the client got a 502/504 written by the proxy, or a cut body
    client_aborted: int = 0  # the client went away mid-request or mid-response
    client_refused: int = 0  # requests that broke HTTP/1.1 or were not origin-form: 400, not forwarded
    refused_stopping: int = 0  # requests after the stop or past --max-exchanges: 503, not forwarded

    def to_dict(self) -> dict[str, int]:
        return dict(vars(self))


class ProxyServer:
    """``start()`` binds and serves in a background thread; ``stop()`` drains and joins it."""

    def __init__(
        self,
        upstream: Upstream,
        on_record: Callable[[ProxyRecord], None],
        *,
        ssl_context: ssl.SSLContext | None = None,
        bind: str = "127.0.0.1",
        port: int = 0,
        timeout_s: float = 30.0,
        max_exchanges: int | None = None,
    ) -> None:
        self.upstream = upstream
        self.stats = ProxyStats()
        self.limit_reached = threading.Event()  # set once --max-exchanges exchanges are finished
        self._on_record = on_record
        self._ssl_context = ssl_context
        self._bind = bind
        self._requested_port = port
        self._timeout_s = timeout_s
        self._max = max_exchanges
        self._finished = 0
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._stopping = False
        self._busy: set[asyncio.Task[None]] = set()
        self._idle: set[asyncio.Task[None]] = set()
        self._pool: httpcore.AsyncConnectionPool | None = None
        self._grace_s = timeout_s + 1.0

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the proxy is not started")
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self._bind}]" if ":" in self._bind else self._bind
        return f"http://{host}:{self.port}"

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> ProxyServer:
        """Bind (an ``OSError`` such as "address in use" is raised here) and start serving."""
        family = socket.AF_INET6 if ":" in self._bind else socket.AF_INET
        sock = socket.create_server((self._bind, self._requested_port), family=family, backlog=512)
        self._port = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._run, args=(sock,), name="proxy-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S):
            raise RuntimeError(f"the proxy did not start within {START_TIMEOUT_S:g} s: {self._error}")
        if self._error is not None:
            raise RuntimeError(f"the proxy failed to start: {self._error}")
        return self

    def stop(self) -> None:
        """Stop accepting, let requests in flight finish (up to the timeout), close everything."""
        loop, stop_event = self._loop, self._stop_event
        if loop is not None and stop_event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop_event.set)
        if self._thread is not None:
            self._thread.join(self._grace_s + 5.0)
            self._thread = None

    def _run(self, sock: socket.socket) -> None:
        try:
            asyncio.run(self._main(sock))
        except BaseException as exc:  # pragma: no cover - reported by start()/the command
            self._error = exc
            self._ready.set()

    async def _main(self, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=self._ssl_context,
            max_connections=256,
            keepalive_expiry=5.0,
            retries=0,
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],  # no Nagle wait per small write
        )
        server = await asyncio.start_server(self._accept, sock=sock, limit=MAX_HEAD_BYTES)
        self._ready.set()
        try:
            await self._stop_event.wait()
        finally:
            self._stopping = True
            server.close()
            for task in list(self._idle):
                task.cancel()
            if self._busy:
                await asyncio.wait(list(self._busy), timeout=self._grace_s)
            leftover = list(self._busy | self._idle)
            for task in leftover:
                task.cancel()
            if leftover:  # let them close their sockets (and flush what they wrote) before the loop ends
                await asyncio.wait(leftover, timeout=2.0)
            await self._pool.aclose()

    # -- one client connection -------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        raw = writer.get_extra_info("socket")
        if raw is not None and raw.family in (socket.AF_INET, socket.AF_INET6):
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._idle.add(task)
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES)
        try:
            while not self._stopping:
                event = await _next_event(conn, reader, IDLE_TIMEOUT_S)
                if not isinstance(event, h11.Request):
                    break
                self._idle.discard(task)
                self._busy.add(task)
                try:
                    keep = await self._serve(conn, reader, writer, event)
                finally:
                    self._busy.discard(task)
                    self._idle.add(task)
                if not keep or conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    break
                conn.start_next_cycle()
        except h11.RemoteProtocolError as exc:
            self.stats.client_refused += 1
            await self._refuse(conn, writer, exc.error_status_hint, f"bad request: {exc}")
            await _linger(reader, writer)
        except (_ClientGoneError, ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(writer.wait_closed(), 2.0)  # what was written reaches the client
            self._idle.discard(task)
            self._busy.discard(task)

    async def _serve(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request: h11.Request,
    ) -> bool:
        """Forward one request and its answer; False when the client connection must close."""
        if self._stopping or (self._max is not None and self.stats.forwarded >= self._max):
            self.stats.refused_stopping += 1
            await self._refuse(conn, writer, 503, "the proxy is stopping; this request was not forwarded")
            await _linger(reader, writer)
            return False
        target = bytes(request.target)
        if not target.startswith(b"/"):
            self.stats.client_refused += 1
            await self._refuse(conn, writer, 400, "a reverse proxy takes origin-form targets (/path?query)")
            await _linger(reader, writer)
            return False
        self.stats.forwarded += 1
        started_at, started = datetime.now(UTC), time.perf_counter()
        headers, chunked = request_headers_upstream(
            list(request.headers.raw_items()), self.upstream.authority
        )
        has_body = chunked or any(n.lower() == b"content-length" and v.strip() != b"0" for n, v in headers)
        kept_request, kept_response = BodyKeeper(), BodyKeeper()
        status: int | None = None
        response_headers: list[tuple[bytes, bytes]] = []
        error = side = ""

        def record() -> None:
            self._record(
                ProxyRecord(
                    method=request.method.decode("latin-1"),
                    url=f"{self.upstream.scheme}://{self.upstream.authority}"
                    + self.upstream.target(target).decode("latin-1"),
                    request_headers=text_headers(headers),
                    request_body=kept_request.kept(),
                    request_truncated=kept_request.truncated,
                    status=status,
                    response_headers=text_headers(response_headers),
                    response_body=kept_response.kept(),
                    response_truncated=kept_response.truncated,
                    started_at=started_at,
                    elapsed_ms=(time.perf_counter() - started) * 1000,
                    error=error,
                    error_side=side,
                )
            )

        url = httpcore.URL(
            scheme=self.upstream.scheme.encode("ascii"),
            host=self.upstream.host.encode("idna"),
            port=self.upstream.port,
            target=self.upstream.target(target),
        )
        body = self._client_body(conn, reader, writer, kept_request) if has_body else None
        if body is None:
            await _expect_end(conn, reader, self._timeout_s)
        assert self._pool is not None
        timeouts = {
            "connect": self._timeout_s,
            "read": self._timeout_s,
            "write": self._timeout_s,
            "pool": None,
        }
        try:
            async with self._pool.stream(
                request.method, url, headers=headers, content=body, extensions={"timeout": timeouts}
            ) as response:
                status = response.status
                response_headers = end_to_end(list(response.headers))
                reason = response.extensions.get("reason_phrase", b"")
                # the head goes out with the first piece of body: one write (one segment) per small answer
                held = conn.send(h11.Response(status_code=status, headers=response_headers, reason=reason))
                try:
                    async for chunk in response.aiter_stream():
                        kept_response.feed(chunk)
                        await _write(writer, (held or b"") + (conn.send(h11.Data(data=chunk)) or b""))
                        held = b""
                except httpcore.TimeoutException as exc:
                    raise _UpstreamCutError(f"the body stalled past the timeout: {exc}", held) from None
                except httpcore.NetworkError as exc:
                    raise _UpstreamCutError(
                        f"the body was cut off: {type(exc).__name__} {exc}", held
                    ) from None
                await _write(writer, (held or b"") + (conn.send(h11.EndOfMessage()) or b""))
            self.stats.answered += 1
            record()
            return conn.their_state is h11.DONE
        except _ClientGoneError as exc:
            self.stats.client_aborted += 1
            error, side = f"the client went away: {exc}", "client"
            record()
            return False
        except h11.LocalProtocolError as exc:  # the upstream's answer cannot be framed for this client
            self.stats.upstream_failed += 1
            error, side = f"upstream: an answer HTTP/1.1 cannot carry: {exc}", "upstream"
            record()
            return False
        except _UpstreamCutError as exc:
            if exc.held:  # the head the client has not seen yet: it gets it, then the cut, as directly
                with contextlib.suppress(_ClientGoneError):
                    await _write(writer, exc.held)
            self.stats.upstream_failed += 1
            error, side = f"upstream: {exc}", "upstream"
            record()
            return False  # the client connection is closed: it sees a cut-off body, as it would directly
        except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError, OSError) as exc:
            self.stats.upstream_failed += 1
            timed_out = isinstance(exc, httpcore.TimeoutException)
            error, side = f"upstream: {type(exc).__name__}: {exc or 'no detail'}", "upstream"
            status = None
            response_headers = []
            record()
            if conn.our_state is h11.SEND_RESPONSE:
                await self._refuse(conn, writer, 504 if timed_out else 502, error)
            return False

    async def _client_body(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        keeper: BodyKeeper,
    ) -> AsyncIterator[bytes]:
        if conn.they_are_waiting_for_100_continue:
            await _send(conn, writer, h11.InformationalResponse(status_code=100, headers=[]))
        while True:
            try:
                event = await _next_event(conn, reader, self._timeout_s)
            except (h11.RemoteProtocolError, ConnectionError, TimeoutError) as exc:
                raise _ClientGoneError(f"{type(exc).__name__} {exc}") from None
            if isinstance(event, h11.Data):
                keeper.feed(event.data)
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return
            else:
                raise _ClientGoneError("the connection closed before the body ended")

    async def _refuse(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, status: int, reason: str
    ) -> None:
        """An answer written by the proxy itself (never the upstream's), then the connection closes."""
        if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        body = f"opentact-conformance proxy: {reason}\n".encode("utf-8", "replace")
        headers = [
            (b"Content-Type", b"text/plain; charset=utf-8"),
            (b"Content-Length", str(len(body)).encode()),
            (LOCAL_HEADER.encode(), str(status).encode()),
            (b"Connection", b"close"),
        ]
        with contextlib.suppress(h11.LocalProtocolError, _ClientGoneError):
            data = b"".join(
                conn.send(event) or b""
                for event in (h11.Response(status_code=status, headers=headers), h11.Data(data=body))
            )
            data += conn.send(h11.EndOfMessage()) or b""
            await _write(writer, data)

    def _record(self, record: ProxyRecord) -> None:
        with contextlib.suppress(Exception):  # the sink must never break the transport
            self._on_record(record)
        self._finished += 1
        if self._max is not None and self._finished >= self._max:
            self.limit_reached.set()


class _UpstreamCutError(Exception):
    """The upstream's body broke off after its headers arrived; ``held``: head bytes not yet written."""

    def __init__(self, message: str, held: bytes | None) -> None:
        super().__init__(message)
        self.held = held or b""


async def _next_event(conn: h11.Connection, reader: asyncio.StreamReader, timeout_s: float) -> object:
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        async with asyncio.timeout(timeout_s):  # no task per read, unlike wait_for: one loop turn less
            data = await reader.read(CHUNK)
        conn.receive_data(data)


async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """After refusing a request still arriving: stop writing, read (and drop) what the client still
    sends for a moment, so the close does not reset the connection before the client reads the answer."""
    with contextlib.suppress(Exception):
        writer.write_eof()
        dropped = 0
        async with asyncio.timeout(LINGER_S):
            while dropped < LINGER_BYTES and (data := await reader.read(CHUNK)):
                dropped += len(data)


async def _expect_end(conn: h11.Connection, reader: asyncio.StreamReader, timeout_s: float) -> None:
    """A request without a body: consume its end (h11 produces it at once)."""
    event = await _next_event(conn, reader, timeout_s)
    if not isinstance(event, h11.EndOfMessage):
        raise _ClientGoneError("a body arrived where none was announced")


async def _send(conn: h11.Connection, writer: asyncio.StreamWriter, event: h11.Event) -> None:
    """Write one event to the client; a client that is gone or stops reading is ``_ClientGoneError``."""
    data = conn.send(event)
    if data:
        await _write(writer, data)


async def _write(writer: asyncio.StreamWriter, data: bytes) -> None:
    try:
        writer.write(data)
        async with asyncio.timeout(IDLE_TIMEOUT_S):
            await writer.drain()
    except (ConnectionError, TimeoutError) as exc:
        raise _ClientGoneError(f"writing the answer failed: {type(exc).__name__} {exc}") from None
