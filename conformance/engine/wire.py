"""HTTP/1.1 on the client's own sockets, framed by h11: how a request reaches a real target (D45).

httpx and httpcore framed each request through about a dozen layers (URL merging, auth and redirect
hooks, the connection pool's request queue, events and locks): on this project's hardware that was
about 1.0 ms of CPU per request, three times what the framing itself costs. This module keeps what
the client needs and nothing else, with the same h11 parser underneath:

- one wall-clock deadline per request: every socket operation gets at most the time left, so a
  target trickling a byte a second cannot stretch a request past its timeout (D19);
- the body read up to ``limit`` bytes after decoding (gzip and deflate, what the request offers;
  each decoding step bounded too, so a compressed bomb costs no more memory than the limit);
- keep-alive connections, one per request in flight, and a connection that became readable while
  idle (the target closed it) never reused;
- the same error kinds as httpx (``ConnectError``, ``ReadTimeout``, ``RemoteProtocolError``, ...), so
  results and deviation keys do not depend on which client sent.

A request target is built from the recorded request alone (``request_target``): what is recorded is
exactly what leaves, query pairs in their recorded order.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit

import h11

from conformance import __version__

__all__ = [
    "ACCEPT_ENCODING",
    "USER_AGENT",
    "BoundedBody",
    "ConnectError",
    "Wire",
    "WireError",
    "WireResponse",
    "encode_query",
    "request_target",
]

READ_BYTES = 65_536
MAX_HEAD_BYTES = 100 * 1024  # a response head larger than this is a protocol error (httpcore's limit)
ACCEPT_ENCODING = "gzip, deflate"  # what the wire decodes; offered when a request names none
USER_AGENT = f"opentact-conformance/{__version__}"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class WireError(Exception):
    """No complete response. ``kind`` names the failure as httpx does (``ReadTimeout``, ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class ConnectError(WireError):
    """No connection: nothing of the request left the process (the only failure worth a retry)."""

    def __init__(self, message: str) -> None:
        super().__init__("ConnectError", message)


@dataclass(frozen=True)
class WireResponse:
    status: int
    headers: tuple[tuple[str, str], ...]  # as they arrived, names in their own case
    body: bytes
    truncated: bool  # the body passed the limit and was cut there


def encode_query(pairs: Sequence[tuple[str, str]]) -> str:
    """``k=v&...`` in the pairs' order, each side percent-encoded as a form value (space as ``+``)."""
    return "&".join(f"{quote_plus(key, safe='')}={quote_plus(value, safe='')}" for key, value in pairs)


def request_target(base_path: str, path: str, query: Sequence[tuple[str, str]]) -> str:
    """The origin-form target: the base URL's path, then ``path``, then the encoded query."""
    joined = base_path.rstrip("/") + "/" + path.lstrip("/")
    return f"{joined}?{encode_query(query)}" if query else joined


@dataclass
class _Connection:
    sock: socket.socket
    framing: h11.Connection


class Wire:
    """Requests to one origin (``scheme://host:port``) over kept-alive connections.

    Thread-safe: each request takes an idle connection or opens one, and gives it back only when
    both sides finished their messages cleanly."""

    def __init__(self, base_url: str, tls: ssl.SSLContext | None, *, limit: int) -> None:
        parts = urlsplit(base_url)
        self.scheme = parts.scheme.lower()
        if self.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an http(s) URL with a host: {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or _DEFAULT_PORTS[self.scheme]
        ascii_host = self.host if self.host.isascii() else self.host.encode("idna").decode("ascii")
        shown = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
        self.host_header = (
            shown if parts.port in (None, _DEFAULT_PORTS[self.scheme]) else f"{shown}:{self.port}"
        )
        self.base_path = quote(parts.path, safe="/%:@!$&'()*+,;=~")  # as sent: ASCII, escapes kept
        self.limit = limit
        self._tls = tls if self.scheme == "https" else None
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            _close(connection.sock)

    def request(
        self,
        method: str,
        target: str,
        headers: Sequence[tuple[str, str]],
        body: bytes | None,
        *,
        deadline: float,
    ) -> WireResponse:
        """Send one request and read its response by ``deadline`` (``time.monotonic()``).

        Raises ``ConnectError`` when nothing was sent, another ``WireError`` when no complete
        response came back."""
        head = [("Host", self.host_header), *headers]
        names = {name.lower() for name, _ in headers}
        if "accept-encoding" not in names:
            head.append(("Accept-Encoding", ACCEPT_ENCODING))
        if "user-agent" not in names:
            head.append(("User-Agent", USER_AGENT))
        if body is not None and "content-length" not in names:
            head.append(("Content-Length", str(len(body))))
        connection = self._take(deadline)
        try:
            response = self._exchange(connection, method, target, head, body or b"", deadline)
        except BaseException:
            _close(connection.sock)
            raise
        if connection.framing.our_state is h11.DONE and connection.framing.their_state is h11.DONE:
            connection.framing.start_next_cycle()
            with self._lock:
                self._idle.append(connection)
        else:
            _close(connection.sock)
        return response

    def _take(self, deadline: float) -> _Connection:
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                return self._connect(deadline)
            if not _readable(connection.sock):
                return connection
            _close(connection.sock)  # closed by the target while idle (or sent unasked bytes)

    def _connect(self, deadline: float) -> _Connection:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=_left(deadline, "ConnectTimeout"))
        except TimeoutError:
            raise WireError("ConnectTimeout", "timed out") from None
        except OSError as exc:
            raise ConnectError(str(exc)) from None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                sock.settimeout(_left(deadline, "ConnectTimeout"))
                sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        except TimeoutError:
            _close(sock)
            raise WireError("ConnectTimeout", "timed out") from None
        except OSError as exc:  # ssl.SSLError included: no request was sent
            _close(sock)
            raise ConnectError(str(exc)) from None
        except BaseException:
            _close(sock)
            raise
        return _Connection(sock, h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES))

    def _exchange(
        self,
        connection: _Connection,
        method: str,
        target: str,
        head: list[tuple[str, str]],
        body: bytes,
        deadline: float,
    ) -> WireResponse:
        framing = connection.framing
        try:
            data = framing.send(h11.Request(method=method, target=target, headers=head)) or b""
            if body:
                data += framing.send(h11.Data(data=body)) or b""
            data += framing.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError as exc:
            raise WireError("LocalProtocolError", str(exc)) from None
        except UnicodeEncodeError as exc:
            raise WireError("LocalProtocolError", f"a header is not ASCII: {exc.reason}") from None
        write_error: WireError | None = None
        try:
            _send_all(connection.sock, data, deadline)
        except WireError as exc:
            # a target may answer (and close) before it read the whole request: read that answer
            write_error = exc
        try:
            return self._response(connection, deadline)
        except WireError:
            if write_error is not None:
                raise write_error from None
            raise

    def _response(self, connection: _Connection, deadline: float) -> WireResponse:
        event = _next_event(connection, deadline)
        while isinstance(event, h11.InformationalResponse) and event.status_code != 101:
            event = _next_event(connection, deadline)
        if isinstance(event, h11.InformationalResponse):  # 101: no HTTP/1.1 body follows
            return WireResponse(101, _header_text(event.headers.raw_items()), b"", False)
        if not isinstance(event, h11.Response):  # pragma: no cover - h11 yields a head first
            raise WireError("RemoteProtocolError", f"unexpected {type(event).__name__}")
        status = event.status_code
        headers = _header_text(event.headers.raw_items())
        decoder = BoundedBody(_codings(headers), self.limit)
        while True:
            event = _next_event(connection, deadline)
            if isinstance(event, h11.Data):
                if decoder.feed(event.data):  # past the limit: the rest is never read
                    return WireResponse(status, headers, decoder.body(), True)
            elif isinstance(event, h11.EndOfMessage):
                truncated = decoder.finish()
                return WireResponse(status, headers, decoder.body(), truncated)
            else:  # pragma: no cover - h11 yields only data and the end within a body
                raise WireError("RemoteProtocolError", f"unexpected {type(event).__name__}")


def _left(deadline: float, kind: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise WireError(kind, "the request's total deadline passed")
    return left


def _send_all(sock: socket.socket, data: bytes, deadline: float) -> None:
    try:
        sock.settimeout(_left(deadline, "WriteTimeout"))
        sock.sendall(data)
    except TimeoutError:
        raise WireError("WriteTimeout", "timed out") from None
    except OSError as exc:
        raise WireError("WriteError", str(exc)) from None


def _next_event(connection: _Connection, deadline: float) -> object:
    framing = connection.framing
    while True:
        try:
            event = framing.next_event()
        except h11.RemoteProtocolError as exc:
            raise WireError("RemoteProtocolError", str(exc)) from None
        if event is not h11.NEED_DATA:
            return event
        try:
            connection.sock.settimeout(_left(deadline, "ReadTimeout"))
            data = connection.sock.recv(READ_BYTES)
        except TimeoutError:
            raise WireError("ReadTimeout", "timed out") from None
        except OSError as exc:
            raise WireError("ReadError", str(exc)) from None
        if not data and framing.their_state is h11.SEND_RESPONSE:
            raise WireError("RemoteProtocolError", "Server disconnected without sending a response.")
        framing.receive_data(data)


def _header_text(pairs: Sequence[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    """Names and values as text: ASCII, else UTF-8, else ISO-8859-1 for all of them (as httpx reads)."""
    for encoding in ("ascii", "utf-8"):
        try:
            return tuple((name.decode(encoding), value.decode(encoding)) for name, value in pairs)
        except UnicodeDecodeError:
            continue
    return tuple((name.decode("iso-8859-1"), value.decode("iso-8859-1")) for name, value in pairs)


def _codings(headers: Sequence[tuple[str, str]]) -> list[str]:
    """The content codings applied, in the order applied; those the wire cannot decode are skipped."""
    values = [value for name, value in headers if name.lower() == "content-encoding"]
    codings = [part.strip().lower() for value in values for part in value.split(",")]
    return [coding for coding in codings if coding in ("gzip", "deflate")]


class _Layer:
    """One content coding undone, its output bounded per call."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.first = True
        self.inflate = zlib.decompressobj(zlib.MAX_WBITS | 16 if coding == "gzip" else zlib.MAX_WBITS)

    def feed(self, data: bytes, cap: int) -> bytes:
        first, self.first = self.first, False
        try:
            return self.inflate.decompress(data, cap)
        except zlib.error as exc:
            if first and self.coding == "deflate":  # deflate without its zlib wrapper, as browsers take it
                self.inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(data, cap)
            raise WireError("DecodingError", str(exc)) from None

    def flush(self) -> bytes:
        try:
            return self.inflate.flush()
        except zlib.error as exc:  # pragma: no cover - flush of a decompressobj raises only on bad input
            raise WireError("DecodingError", str(exc)) from None

    @property
    def backed_up(self) -> bool:
        return bool(self.inflate.unconsumed_tail)


class BoundedBody:
    """A body decoded as it arrives (``codings`` in the order applied; none: kept as it comes) and kept
    up to ``limit`` bytes; a decoding step past the limit ends it."""

    def __init__(self, codings: list[str], limit: int) -> None:
        self.layers = [_Layer(coding) for coding in reversed(codings)]
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0

    def feed(self, data: bytes) -> bool:
        """Take a chunk; True once the decoded body passed the limit."""
        for layer in self.layers:
            data = layer.feed(data, self.limit + 1)
            if layer.backed_up:
                return self._keep(data, over=True)
        return self._keep(data)

    def finish(self) -> bool:
        """The end of the body: what each decoding step still holds. True if it passed the limit."""
        data = b""
        for layer in self.layers:
            if data:
                data = layer.feed(data, self.limit + 1)
                if layer.backed_up:
                    return self._keep(data, over=True)
            data += layer.flush()
        return self._keep(data)

    def _keep(self, data: bytes, *, over: bool = False) -> bool:
        room = self.limit - self.size
        if len(data) > room:  # only what fits is kept: the body is never held twice past the limit
            data, over = data[:room], True
        self.chunks.append(data)
        self.size += len(data)
        return over

    def body(self) -> bytes:
        return b"".join(self.chunks)


def _readable(sock: socket.socket) -> bool:
    """An idle connection with something to read was closed by the target (or holds junk)."""
    try:
        ready, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(ready)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()
