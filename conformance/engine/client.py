"""Sending cases to a target: credentials placement, send budget, rate limit, deadlines, bounded bodies.

Every request leaves the process through ``TargetClient.send``: that is where the send budget is
spent (D17) and where the total deadline of a request (connect, headers and body together, and the
run's time budget) is enforced, by a network backend that bounds every socket operation by the time
left (D19)."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from conformance.contract.operation import OPERATION_PATH
from conformance.engine.http_imports import httpcore, httpx
from conformance.engine.leases import names_leased_sender
from conformance.engine.profiles import Profile, SendBudget
from conformance.model.cases import AuthPlacement, Case
from conformance.model.exchange import Exchange, RecordedRequest, RecordedResponse
from strategies.derived_tokens import derive_token, derived_tokens

__all__ = [
    "DERIVED_TOKEN_PREFIX",
    "MAX_BODY_BYTES",
    "MAX_HEADERS_KEPT",
    "BudgetExhaustedError",
    "DeadlineBackend",
    "RateLimiter",
    "Reservation",
    "TargetClient",
    "TargetUnreachableError",
    "credential_secrets",
    "kept_headers",
    "parse_retry_after",
]

DERIVED_TOKEN_PREFIX = "derived:"  # Case.token "derived:<kind>": derived from the real token when sent

MAX_BODY_BYTES = 1_048_576  # a send response is a few hundred bytes; keep memory bounded
MAX_HEADERS_KEPT = 64  # distinct header names kept per response (D22)
MAX_HEADER_VALUE_CHARS = 2048  # characters kept of one header's (combined) value
MAX_HEADER_NAME_CHARS = 128
ALWAYS_KEPT = ("content-type", "content-length", "retry-after", "location", "date")  # what checks read
CONNECT_ATTEMPTS = 3  # a refused connection sent nothing, so only it is tried again
CONNECT_BACKOFF_S = 0.2
DEFAULT_RETRY_AFTER_S = 1.0  # a 429 without Retry-After still slows the run
MAX_RETRY_AFTER_S = 60.0
RATE_LIMITED = 429


def credential_secrets(token: str) -> tuple[str, ...]:
    """The real token and every token derived from it, longest first: all of them are redacted."""
    if not token:
        return ()
    return tuple(sorted({token, *derived_tokens(token).values()}, key=len, reverse=True))


class TargetUnreachableError(ConnectionError):
    """The target refused or could not be reached before anything was sent."""


class BudgetExhaustedError(RuntimeError):
    """The request names a leased sender and the send budget is spent: it was not sent."""


class RateLimiter:
    """At most ``per_second`` requests per second, spaced evenly (no bursts); 429s push it back.

    Shared by every request in flight (D42): each ``wait`` takes the next slot under a lock and
    sleeps outside it, so a 429's ``delay`` holds back every worker, not only the one that met it.
    ``clock`` and ``sleep`` are injectable so tests can check spacing without waiting.
    """

    def __init__(
        self,
        per_second: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 0.0 if not per_second else 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()
        self._held_until = 0.0
        self.waited_s = 0.0  # total time spent waiting, for the run's stats

    def pending(self) -> float:
        """Seconds until the next request may go out."""
        return max(0.0, self._next - self._clock())

    def wait(self) -> None:
        """Take the next free slot; sleep until it comes. A 429 met meanwhile pushes the slot back."""
        while True:
            with self._lock:
                now = self._clock()
                if now >= self._next:
                    self._next = now + self.interval
                    return
                pause = self._next - now
                # wall time the run was held back: workers waiting for the same slot count once
                self.waited_s += max(0.0, self._next - max(now, self._held_until))
                self._held_until = max(self._held_until, self._next)
            self._sleep(pause)

    def delay(self, seconds: float) -> None:
        """Push the next slot back, e.g. after a 429 with Retry-After."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None if absent/invalid."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


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
    """httpcore's socket backend with one wall-clock deadline per request.

    httpx's timeouts bound each socket operation, so a server trickling one byte a second never
    times out; here every operation gets at most the time left until ``deadline`` (a
    ``time.monotonic()`` value set by ``TargetClient`` before each request).
    """

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()
        self._local = threading.local()  # one deadline per thread: each request in flight has its own

    @property
    def deadline(self) -> float | None:
        value: float | None = getattr(self._local, "deadline", None)
        return value

    @deadline.setter
    def deadline(self, value: float | None) -> None:
        self._local.deadline = value

    def clip(self, timeout: float | None, error: type[Exception]) -> float | None:
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
    ) -> httpcore.NetworkStream:  # pragma: no cover - the suite never uses unix sockets
        clipped = self.clip(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_unix_socket(path, clipped, socket_options)
        return _DeadlineStream(stream, self)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _tls_context(base_url: str) -> ssl.SSLContext:
    """The verifying context of an https target (the system's CAs, as httpx builds it). A plain-http
    target never starts TLS (redirects are not followed): its context verifies against no CA at all,
    so a TLS connection through it can only fail, and loading the CA bundle (tens of ms) is saved."""
    if base_url.lower().startswith("https://"):
        return httpx.create_ssl_context(trust_env=False)
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verify mode CERT_REQUIRED, no CA: fails closed


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport on the deadline backend (no proxies: ``trust_env`` is off)."""

    def __init__(self, backend: DeadlineBackend, connections: int, base_url: str) -> None:
        context = _tls_context(base_url)
        super().__init__(verify=context, trust_env=False)
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            network_backend=backend,
            max_connections=connections,
            max_keepalive_connections=connections,
        )


@dataclass(eq=False)
class Reservation:
    """A request admitted by the send budget (``TargetClient.reserve``), not yet sent."""

    case: Case
    request: RecordedRequest
    spent: bool  # a budget unit was spent on it
    _issued_by: TargetClient = field(repr=False)
    _used: bool = field(default=False, repr=False)


class TargetClient:
    """One httpx client bound to a target's base URL and token.

    ``budget`` and ``senders``: every request naming a leased sender (``conformance.engine.leases``)
    spends one unit before it leaves; when the budget is spent, ``send`` raises
    ``BudgetExhaustedError`` and sends nothing. ``auth_method`` is the profile's documented
    placement of the valid token (``header`` or ``jwt-query``). ``deadline`` (``time.monotonic()``),
    when set, ends any request still running at that moment: the run's time budget.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout_s: float,
        rate_limit_per_s: float | None = None,
        transport: httpx.BaseTransport | None = None,
        budget: SendBudget | None = None,
        senders: tuple[str, ...] = (),
        auth_method: str = "header",
        deadline: float | None = None,
        connections: int = 1,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s
        self.limiter = RateLimiter(rate_limit_per_s)
        self.budget = budget
        self.senders = senders
        self.auth_method = auth_method
        self.deadline = deadline
        self._backend = DeadlineBackend()
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=timeout_s,
            transport=(
                transport
                if transport is not None
                else _DeadlineTransport(self._backend, connections, self.base_url)
            ),
            follow_redirects=False,
            trust_env=False,
        )

    @classmethod
    def for_target(
        cls, target: Profile, token: str, budget: SendBudget, *, deadline: float | None = None
    ) -> TargetClient:
        """The client of a resolved target: its URL, timeout, rate limit, senders and auth placement."""
        return cls(
            target.base_url,
            token,
            timeout_s=target.timeout_s,
            rate_limit_per_s=target.rate_limit_per_s,
            budget=budget,
            senders=target.senders,
            auth_method=target.auth.method,
            deadline=deadline,
            connections=target.in_flight,
        )

    def needs_budget(self, case: Case) -> bool:
        """The request this case becomes names a leased sender: sending it spends budget."""
        return names_leased_sender(self.build(case), self.senders)

    def close(self) -> None:
        self._client.close()

    def build(self, case: Case) -> RecordedRequest:
        """The exact request a case becomes (token included; redaction happens when recorded)."""
        query = [*case.params.items(), *case.extra_query]
        headers: list[tuple[str, str]] = [("Accept", "application/json")]
        token = self._credential(case.token)
        placement = case.auth
        if placement is AuthPlacement.PROFILE:
            placement = AuthPlacement.JWT_QUERY if self.auth_method == "jwt-query" else AuthPlacement.HEADER
        if placement is AuthPlacement.HEADER:
            headers.append(("X-Auth-Token", token))
        elif placement is AuthPlacement.JWT_QUERY:
            query.append(("jwt", token))
        elif placement is AuthPlacement.BEARER:
            headers.append(("Authorization", f"Bearer {token}"))
        headers += [(k, self.token if v == "profile" else v) for k, v in case.extra_headers.items()]
        if case.body is not None:
            headers.append(("Content-Type", "application/json"))
        return RecordedRequest("POST", self.base_url, OPERATION_PATH, tuple(query), tuple(headers), case.body)

    def _credential(self, reference: str) -> str:
        if reference == "profile":
            return self.token
        if reference.startswith(DERIVED_TOKEN_PREFIX):
            return derive_token(self.token, reference.removeprefix(DERIVED_TOKEN_PREFIX))
        return reference

    def reserve(self, case: Case) -> Reservation:
        """The case's request with its budget unit spent (if it needs one), ready for ``send_reserved``.

        Concurrent runs reserve in case order and send in any order, so which cases the budget
        covers never depends on which worker is faster (D42). Raises ``BudgetExhaustedError``."""
        request = self.build(case)
        spends = self.budget is not None and names_leased_sender(request, self.senders)
        if spends and self.budget is not None and not self.budget.try_spend():
            raise BudgetExhaustedError(f"send budget of {self.budget.limit} spent")
        return Reservation(case, request, spent=spends, _issued_by=self)

    def release(self, reservation: Reservation) -> None:
        """A reservation that will never be sent (the run stopped first): its budget unit comes back."""
        if reservation._issued_by is not self or reservation._used:
            raise ValueError("only an unsent reservation of this client can be released")
        reservation._used = True
        if reservation.spent and self.budget is not None:
            self.budget.refund()

    def send(self, case: Case) -> Exchange:
        """Send once, within the budget. Only a refused connection (nothing sent) is tried again; a 429
        slows what follows. Raises ``BudgetExhaustedError`` (nothing sent) when the budget is spent."""
        return self.send_reserved(self.reserve(case))

    def send_reserved(self, reservation: Reservation) -> Exchange:
        """Send a request that ``reserve`` of this client admitted (each reservation once)."""
        if reservation._issued_by is not self or reservation._used:
            raise ValueError("a reservation is sent once, by the client that issued it")
        reservation._used = True
        case, request = reservation.case, reservation.request
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            self.limiter.wait()
            try:
                return self._send_once(case, request)
            except httpx.ConnectError as exc:
                if attempt == CONNECT_ATTEMPTS:
                    raise TargetUnreachableError(f"cannot connect to {self.base_url}: {exc}") from None
                self.limiter.delay(CONNECT_BACKOFF_S * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(self, case: Case, request: RecordedRequest) -> Exchange:
        sent_at = datetime.now(UTC)
        started = time.perf_counter()
        total = time.monotonic() + self.timeout_s
        self._backend.deadline = total if self.deadline is None else min(total, self.deadline)
        try:
            with self._client.stream(
                request.method,
                request.path,
                params=list(request.query),
                headers=list(request.headers),
                content=request.body,
            ) as response:
                body, truncated = _read_bounded(response, deadline=started + self.timeout_s)
                headers, dropped = kept_headers(response.headers.multi_items())
                recorded = RecordedResponse(
                    status=response.status_code,
                    headers=headers,
                    body=body,
                    elapsed_ms=(time.perf_counter() - started) * 1000,
                    truncated=truncated,
                    headers_dropped=dropped,
                )
        except httpx.ConnectError:
            raise
        except (httpx.HTTPError, _BodyStalledError) as exc:
            error = f"{type(exc).__name__.lstrip('_')}: {exc or 'no detail'}"
            return Exchange(case=case, request=request, response=None, error=error, sent_at=sent_at)
        finally:
            self._backend.deadline = None
        if recorded.status == RATE_LIMITED:
            wait = parse_retry_after(recorded.headers.get("retry-after"))
            self.limiter.delay(min(DEFAULT_RETRY_AFTER_S if wait is None else wait, MAX_RETRY_AFTER_S))
        return Exchange(case=case, request=request, response=recorded, sent_at=sent_at)


def kept_headers(items: Iterable[tuple[str, str]]) -> tuple[dict[str, str], int]:
    """The headers an exchange keeps (lower-cased names, repeats joined by ", ", arrival order)
    and how many were dropped: at most MAX_HEADERS_KEPT names, those the checks read always
    among them, names and values cut, so 10,000 headers cost no more memory than 64 (D22)."""
    pairs = [(name.lower()[:MAX_HEADER_NAME_CHARS], value) for name, value in items]
    names = list(dict.fromkeys(name for name, _ in pairs))
    wanted = [name for name in names if name in ALWAYS_KEPT]
    wanted += [name for name in names if name not in ALWAYS_KEPT][: MAX_HEADERS_KEPT - len(wanted)]
    allowed = set(wanted)
    kept: dict[str, str] = {}
    dropped = 0
    for name, value in pairs:
        if name not in allowed or len(kept.get(name, "")) >= MAX_HEADER_VALUE_CHARS:
            dropped += 1
            continue
        combined = f"{kept[name]}, {value}" if name in kept else value
        kept[name] = combined[:MAX_HEADER_VALUE_CHARS]
    return kept, dropped


class _BodyStalledError(Exception):
    """The body kept trickling past the request timeout."""


def _read_bounded(response: httpx.Response, *, deadline: float) -> tuple[bytes, bool]:
    """At most MAX_BODY_BYTES of the body, within the deadline: memory and time stay bounded."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return b"".join(chunks)[:MAX_BODY_BYTES], True
        if time.perf_counter() > deadline:
            raise _BodyStalledError(f"body still arriving at the request timeout ({size} bytes so far)")
    return b"".join(chunks), False
