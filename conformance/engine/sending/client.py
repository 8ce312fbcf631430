"""Sending cases to a target: credentials placement, send budget, rate limit, deadlines, bounded bodies.

Every request leaves the process through ``TargetClient.send``, on one ``httpx.Client`` (D45): that is
where the send budget is spent (D17) and where the total deadline of a request (connect, headers and
body together, and the run's time budget) is enforced, by the deadline backend under httpx's
connections (D19), which our transport (``deadline_transport``) opens. The body is read raw and
decoded within its limit (``response_body``); the CA roots are those of D46; the proxy comes from the
environment (``environment_proxy``) unless the profile turns that off."""

from __future__ import annotations

import base64
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import httpx

from conformance import __version__
from conformance.contract.operation import OPERATION_PATH
from conformance.engine.leases import names_leased_sender
from conformance.engine.profiles import MAX_CONCURRENCY, Profile, ProfileError, SendBudget
from conformance.engine.sending.deadline_backend import DeadlineBackend
from conformance.engine.sending.deadline_transport import DeadlineTransport
from conformance.engine.sending.environment_proxy import ProxySchemeError, proxy_for
from conformance.engine.sending.response_body import ACCEPT_ENCODING, read_body
from conformance.engine.tls_roots import CARootsError, verifying_context
from conformance.model.cases import AuthPlacement, Case
from conformance.model.exchange import Exchange, RecordedRequest, RecordedResponse
from conformance.model.http import RATE_LIMITED
from strategies.derived_tokens import derive_token, derived_tokens

__all__ = [
    "DERIVED_TOKEN_PREFIX",
    "MAX_BODY_BYTES",
    "MAX_HEADERS_KEPT",
    "BudgetExhaustedError",
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
USER_AGENT = f"opentact-conformance/{__version__}"  # the target's logs name the tool that called


def _cookieless_jar() -> CookieJar:
    """A jar that keeps no cookie: a Set-Cookie answer never changes a later request (a session
    cookie sent back would authenticate the requests that test what happens without credentials)."""
    return CookieJar(DefaultCookiePolicy(allowed_domains=[]))


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
    if text.isascii() and text.isdigit():  # str.isdigit() alone admits "²", which float() refuses
        return float(text)  # may be inf for a long one: the caller caps the wait
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _tls_context(base_url: str, ca_bundle: Path | None) -> ssl.SSLContext:
    """The verifying context of an https target: the CA roots of D46. A plain-http target never
    starts TLS (redirects are not followed): its context trusts no CA at all, so a TLS connection
    through it can only fail, and no CA file (nor a broken ``SSL_CERT_FILE``) is read for it."""
    if not base_url.lower().startswith("https://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verify mode CERT_REQUIRED, no CA: fails closed
    try:
        return verifying_context(ca_bundle, named="the CA bundle")
    except CARootsError as exc:
        raise ProfileError(str(exc)) from None


def _socket_transport(
    base_url: str, ca_bundle: Path | None, backend: DeadlineBackend, *, proxy_from_environment: bool
) -> DeadlineTransport:
    """The transport to ``base_url`` over sockets on ``backend``: straight, or through the proxy the
    environment names for it. An https proxy is verified with the roots of D46 too."""
    try:
        proxy = proxy_for(base_url) if proxy_from_environment else None
    except ProxySchemeError as exc:
        raise ProfileError(str(exc)) from None
    proxy_context = None
    if proxy is not None and proxy.url.scheme == "https":
        try:
            proxy_context = verifying_context(ca_bundle, named="the CA bundle")
        except CARootsError as exc:
            raise ProfileError(str(exc)) from None
    return DeadlineTransport(
        backend,
        ssl_context=_tls_context(base_url, ca_bundle),
        max_connections=MAX_CONCURRENCY,
        proxy=None if proxy is None else proxy.url,
        proxy_ssl_context=proxy_context,
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
    """Requests to one target, with its base URL and token, on one ``httpx.Client``: over sockets, or
    through an httpx ``transport`` when one is given (an in-process app, a test's stand-in).

    ``budget`` and ``senders``: every request naming a leased sender (``conformance.engine.leases``)
    spends one unit before it leaves; when the budget is spent, ``send`` raises
    ``BudgetExhaustedError`` and sends nothing. ``auth_method`` is the profile's documented
    placement of the valid token (``header`` or ``jwt-query``). ``deadline`` (``time.monotonic()``),
    when set, ends any request still running at that moment: the run's time budget. ``ca_bundle``:
    the CA file an https target is verified against (D46). ``proxy_from_environment``: take
    ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` and ``NO_PROXY`` (``environment_proxy``), read once,
    for ``base_url``.
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
        ca_bundle: Path | None = None,
        proxy_from_environment: bool = True,
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
        if transport is None:
            transport = _socket_transport(
                self.base_url, ca_bundle, self._backend, proxy_from_environment=proxy_from_environment
            )
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
            trust_env=False,  # the environment's proxy is the transport's, decided above
            timeout=timeout_s,
            follow_redirects=False,
            cookies=_cookieless_jar(),
            transport=transport,
        )

    @classmethod
    def for_target(
        cls, target: Profile, token: str, budget: SendBudget, *, deadline: float | None = None
    ) -> TargetClient:
        """The client of a resolved target: its URL, timeout, rate limit, senders, auth placement, CA
        roots and proxy rule. The embedded mock listens on this machine's loopback, where no proxy of
        the environment could reach it: it is never proxied."""
        return cls(
            target.base_url,
            token,
            timeout_s=target.timeout_s,
            rate_limit_per_s=target.rate_limit_per_s,
            budget=budget,
            senders=target.senders,
            auth_method=target.auth.method,
            deadline=deadline,
            ca_bundle=target.ca_bundle,
            proxy_from_environment=target.proxy_from_environment and not target.embedded_mock,
        )

    def needs_budget(self, case: Case) -> bool:
        """The request this case becomes names a leased sender: sending it spends budget."""
        return names_leased_sender(self.build(case), self.senders)

    def close(self) -> None:
        self._http.close()

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
        else:
            _undocumented_carrier(placement, token, query, headers)
        headers += [(k, self.token if v == "profile" else v) for k, v in case.extra_headers.items()]
        if case.body is not None and not any(k.lower() == "content-type" for k in case.extra_headers):
            headers.append(("Content-Type", "application/json"))
        path = case.path or OPERATION_PATH
        return RecordedRequest(case.method, self.base_url, path, tuple(query), tuple(headers), case.body)

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
                    raise TargetUnreachableError(_unreachable(self.base_url, exc)) from None
                self.limiter.delay(CONNECT_BACKOFF_S * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(self, case: Case, request: RecordedRequest) -> Exchange:
        sent_at = datetime.now(UTC)
        started = time.perf_counter()
        deadline = time.monotonic() + self.timeout_s
        if self.deadline is not None:
            deadline = min(deadline, self.deadline)
        self._backend.deadline = deadline
        try:
            # the recorded URL is what leaves: the query pairs in their recorded order (httpx's
            # ``params`` would group repeated names), encoded as ``RecordedRequest.url`` shows them
            with self._http.stream(
                request.method, request.url, headers=list(request.headers), content=request.body
            ) as response:
                body, truncated = read_body(response, limit=MAX_BODY_BYTES, deadline=deadline)
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
        except (httpx.HTTPError, UnicodeEncodeError) as exc:
            return Exchange(case=case, request=request, response=None, error=_failure(exc), sent_at=sent_at)
        finally:
            self._backend.deadline = None
        if recorded.status == RATE_LIMITED:
            wait = parse_retry_after(recorded.headers.get("retry-after"))
            self.limiter.delay(min(DEFAULT_RETRY_AFTER_S if wait is None else wait, MAX_RETRY_AFTER_S))
        return Exchange(case=case, request=request, response=recorded, sent_at=sent_at)


UNDOCUMENTED_COOKIES = ("jwt", "token", "access_token")
UNDOCUMENTED_QUERY_NAMES = ("token", "access_token", "api_key")


def _undocumented_carrier(
    placement: AuthPlacement, token: str, query: list[tuple[str, str]], headers: list[tuple[str, str]]
) -> None:
    """The token where no page puts it (D57): the ``bearer`` query variant, or an undocumented carrier,
    each request carrying it under several common names at once (one request per carrier)."""
    if placement is AuthPlacement.BEARER_QUERY:
        query.append(("bearer", token))
    elif placement is AuthPlacement.COOKIE:
        headers.append(("Cookie", "; ".join(f"{name}={token}" for name in UNDOCUMENTED_COOKIES)))
    elif placement is AuthPlacement.BASIC:
        headers.append(("Authorization", "Basic " + base64.b64encode(f"{token}:".encode()).decode("ascii")))
    elif placement is AuthPlacement.QUERY_NAMES:
        query.extend((name, token) for name in UNDOCUMENTED_QUERY_NAMES)


def _failure(exc: httpx.HTTPError | UnicodeEncodeError) -> str:
    """The ``transport`` deviation's text: httpx's name for the failure, then its detail."""
    if isinstance(exc, UnicodeEncodeError):  # httpx refuses a header it cannot send, before connecting
        return f"LocalProtocolError: a header value is not ASCII ({exc.reason}); nothing was sent"
    return f"{type(exc).__name__}: {exc or 'no detail'}"


def _unreachable(base_url: str, exc: httpx.ConnectError) -> str:
    message = f"cannot connect to {base_url}: {exc}"
    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
        message += (
            " (nothing was sent; if the target's certificate comes from a private CA, name that CA's "
            "PEM file with --ca-bundle or the profile's ca_bundle, D46)"
        )
    return message


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
