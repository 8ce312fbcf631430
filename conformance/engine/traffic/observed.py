"""Checking exchanges the suite did not generate: a proxy's traffic, a HAR file, an earlier results file.

``ObservedChecker.add`` takes one ``ObservedExchange`` as seen on the wire, classifies its request
(``observed_cases``, D39), builds the model ``Exchange`` and runs every per-exchange check that
applies to it (D38). ``results`` runs the run-level checks that apply over everything added so far
and returns ``RunResults``, redacted of the profile's token and of every token the traffic carried.
Nothing is ever sent: no control, no re-send, no variant probe, no repeat.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from conformance import __version__
from conformance.checks import CHECKS, RUN_CHECKS, CheckContext, describe, run_checks, run_run_checks
from conformance.contract.operation import OPERATION_PATH
from conformance.contract.schemas import load_contract
from conformance.contract.specfile import Spec
from conformance.contract.variants import response_variants
from conformance.engine.profiles import Profile
from conformance.engine.sending.client import MAX_BODY_BYTES, credential_secrets, kept_headers
from conformance.engine.traffic.observed_cases import (
    OBSERVED_PHASE,
    Applies,
    Classified,
    applies,
    classify_request,
)
from conformance.engine.traffic.observed_cases import withdrawn as _withdrawn
from conformance.model.cases import Expectation
from conformance.model.deviations import Deviation, Severity
from conformance.model.exchange import Exchange, RecordedRequest, RecordedResponse
from conformance.model.http import DEFAULT_PORTS as _DEFAULT_PORTS
from conformance.model.redaction import KnownSecrets, Redactor
from conformance.model.results import Crash, PhaseStats, RunResults, TargetInfo

__all__ = ["OPERATION_PATH", "ObservedChecker", "ObservedExchange"]

KEPT_BODY_BYTES = 65_536  # what the run-level checks keep of a body, as in `run`
_NOT_REPLAYED_HEADERS = frozenset({"host", "content-length", "connection", "transfer-encoding"})


@dataclass(frozen=True)
class ObservedExchange:
    """One request/response as seen on the wire (or in a HAR file)."""

    method: str
    url: str  # full URL as sent (scheme://host:port/path?query)
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    status: int | None  # None: no response (upstream failed/aborted)
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes  # at most the suite's body cap; the rest not kept
    body_truncated: bool = False
    started_at: datetime | None = None
    elapsed_ms: float | None = None
    error: str | None = None  # why there is no response, when ``status`` is None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def _identity(exchange: ObservedExchange) -> bytes:
    """A digest of everything that makes two observed exchanges the same one (a file given twice)."""
    digest = hashlib.sha256()
    for part in (
        exchange.method,
        exchange.url,
        repr(exchange.request_headers),
        str(exchange.status),
        repr(exchange.response_headers),
        str(exchange.started_at),
    ):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\x1f")
    digest.update(exchange.request_body + b"\x1f" + exchange.response_body)
    return digest.digest()


def _kept(exchange: Exchange) -> Exchange:
    response = exchange.response
    if response is None or len(response.body) <= KEPT_BODY_BYTES:
        return exchange
    return replace(exchange, response=replace(response, body=response.body[:KEPT_BODY_BYTES], truncated=True))


@dataclass
class _Gathered:
    """What ``add`` accumulates; ``results`` reads a copy."""

    deviations: list[Deviation]
    crashes: list[Crash]
    exchanges: list[tuple[Exchange, bool]]  # (kept exchange, classified)
    skipped: Counter[str]
    unclassified: Counter[str]
    expectations: Counter[str]
    status_counts: Counter[str]
    positive: Counter[str]

    def copy(self) -> _Gathered:
        return _Gathered(
            list(self.deviations),
            list(self.crashes),
            list(self.exchanges),
            Counter(self.skipped),
            Counter(self.unclassified),
            Counter(self.expectations),
            Counter(self.status_counts),
            Counter(self.positive),
        )


class ObservedChecker:
    """Checks exchanges the suite did not send, with every check that applies to them (D38, D39).

    ``token``: the profile's token when known; a request carrying another token then expects a
    refusal. ``secrets``: further values to redact. ``known_secrets``: the command's secrets, to which
    the checker adds the token, the tokens derived from it and every token it meets in the traffic
    (a fresh set if not given). ``base_url``: only exchanges under it are
    checked (default: the profile's ``base_url`` unless it is the embedded mock; with neither, any
    host whose path ends in ``/rest/sms``). ``checks``: the check ids to run (empty: all).
    Thread-safe: ``add`` may be called from several threads, ``results`` at any time.
    """

    def __init__(
        self,
        spec: Spec,
        profile: Profile | None,
        *,
        secrets: tuple[str, ...] = (),
        base_url: str | None = None,
        token: str | None = None,
        checks: Sequence[str] = (),
        known_secrets: KnownSecrets | None = None,
    ) -> None:
        self._spec = spec
        self._profile = profile
        self._token = token or None
        if base_url is None and profile is not None and not profile.embedded_mock:
            base_url = profile.base_url
        self.base_url = base_url.rstrip("/") if base_url else None
        self.known_secrets = KnownSecrets() if known_secrets is None else known_secrets
        self.known_secrets.add(*secrets, *credential_secrets(token or ""))
        self._derived: dict[str, tuple[str, ...]] = {}
        self._names = tuple(checks) or (*CHECKS, *RUN_CHECKS)
        self._ctx = CheckContext(
            contract=load_contract(spec),
            variants=response_variants(spec),
            seed=None,
            latency_budget_ms=profile.latency_budget_ms if profile is not None else None,
            secrets=self._current_secrets(),
        )
        self._lock = threading.Lock()
        self._seen: set[bytes] = set()
        self._count = 0
        self._started = datetime.now(UTC)
        self._clock = time.perf_counter()
        self._gathered = _Gathered([], [], [], Counter(), Counter(), Counter(), Counter(), Counter())

    # -- which exchanges -----------------------------------------------------------------------------

    def skip_reason(self, exchange: ObservedExchange) -> str:
        """Why an exchange is not one of POST /rest/sms under the base URL ('' when it is)."""
        try:
            parts = urlsplit(exchange.url)
        except ValueError:
            return "unreadable URL"
        if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
            return "not an http(s) URL"
        path = parts.path.rstrip("/")
        if self.base_url is not None:
            if _origin(exchange.url) != _origin(self.base_url):
                return "other host"
            if path != urlsplit(self.base_url).path.rstrip("/") + OPERATION_PATH:
                return "other path"
        elif not path.endswith(OPERATION_PATH):
            return "other path"
        if exchange.method.upper() != "POST":
            return "other method"
        return ""

    def relevant(self, exchange: ObservedExchange) -> bool:
        """POST /rest/sms under the base path; anything else is counted as skipped by ``add``."""
        return not self.skip_reason(exchange)

    def count_skipped(self, reason: str, count: int = 1) -> None:
        """Count entries a reader could not even turn into exchanges (e.g. a HAR entry that is no HTTP)."""
        with self._lock:
            self._gathered.skipped[reason] += count

    # -- checking ------------------------------------------------------------------------------------

    def add(self, exchange: ObservedExchange) -> tuple[Deviation, ...]:
        """Classify and check one exchange; returns its deviations (redacted). Never raises."""
        reason = self.skip_reason(exchange)
        identity = _identity(exchange)
        with self._lock:
            if not reason and identity in self._seen:
                reason = "duplicate exchange"
            if reason:
                self._gathered.skipped[reason] += 1
                return ()
            self._seen.add(identity)
            self._count += 1
            case_id = f"observed-{self._count:05d}"
        try:
            built, classified = self._build(exchange, case_id)
        except Exception as exc:  # a request we cannot read is a suite bug, never a crash of the caller
            with self._lock:
                self._gathered.crashes.append(Crash("observed", case_id, f"{type(exc).__name__}: {exc}"))
            return ()
        ctx = replace(self._ctx, secrets=self._current_secrets())
        names = [
            n for n in self._names if n in CHECKS and self._judges(n, classified.classified, run_level=False)
        ]
        found, crashed = run_checks(ctx, built, names)
        with self._lock:
            self._record(built, classified, found, crashed)
        return tuple(found)

    def _judges(self, name: str, classified: bool, *, run_level: bool) -> bool:
        how = applies(name, run_level=run_level)
        return how is Applies.ALWAYS or (how is Applies.CLASSIFIED and classified)

    def _current_secrets(self) -> tuple[str, ...]:
        return tuple(sorted(self.known_secrets.secrets(), key=len, reverse=True))

    def _learn_token(self, token: str) -> None:
        if not token:
            return
        with self._lock:
            derived = self._derived.get(token)
            if derived is None:
                derived = credential_secrets(token)
                self._derived[token] = derived
        self.known_secrets.add(*derived)

    def _build(self, observed: ObservedExchange, case_id: str) -> tuple[Exchange, Classified]:
        parts = urlsplit(observed.url)
        query = tuple(parse_qsl(parts.query, keep_blank_values=True))
        profile = self._profile
        classified, credentials = classify_request(
            case_id,
            query,
            observed.request_headers,
            observed.request_body,
            profile_token=self._token,
            senders=profile.senders if profile is not None else None,
            unleased_sender=profile.unleased_sender if profile is not None else None,
        )
        for name, value in (*observed.request_headers, *query):
            if name.lower() in ("x-auth-token", "authorization", "jwt"):
                self._learn_token(value.strip())
                self._learn_token(value.strip().partition(" ")[2].strip())
        if credentials is not None:
            self._learn_token(credentials.token)
        classified = _withdrawn(classified, observed.status)
        request = RecordedRequest(
            method=observed.method.upper(),
            base_url=f"{parts.scheme}://{parts.netloc}",
            path=parts.path,
            query=query,
            headers=tuple(
                (n, v) for n, v in observed.request_headers if n.lower() not in _NOT_REPLAYED_HEADERS
            ),
            body=observed.request_body or None,
        )
        response = None
        if observed.status is not None:
            headers, dropped = kept_headers(observed.response_headers)
            body = observed.response_body
            response = RecordedResponse(
                status=observed.status,
                headers=headers,
                body=body[:MAX_BODY_BYTES],
                elapsed_ms=observed.elapsed_ms if observed.elapsed_ms is not None else 0.0,
                truncated=observed.body_truncated or len(body) > MAX_BODY_BYTES,
                headers_dropped=dropped,
            )
        error = None if response is not None else (observed.error or "no response was recorded")
        exchange = Exchange(
            case=classified.case, request=request, response=response, error=error, sent_at=observed.started_at
        )
        return exchange, classified

    def _record(
        self,
        exchange: Exchange,
        classified: Classified,
        found: Iterable[Deviation],
        crashed: Iterable[tuple[str, str]],
    ) -> None:
        gathered = self._gathered
        case, response = exchange.case, exchange.response
        gathered.deviations.extend(found)
        gathered.crashes.extend(Crash(name, case.id, error) for name, error in crashed)
        gathered.exchanges.append((_kept(exchange), classified.classified))
        gathered.status_counts[str(response.status) if response else "no-response"] += 1
        if classified.classified:
            gathered.expectations[case.expectation.value] += 1
            if case.expectation is Expectation.SUCCESS and case.severity is not Severity.INFO:
                gathered.positive["total"] += 1
                gathered.positive["2xx"] += int(response is not None and 200 <= response.status < 300)
        else:
            gathered.unclassified[classified.reason] += 1

    # -- results -------------------------------------------------------------------------------------

    def results(
        self,
        *,
        partial: bool,
        partial_reason: str = "",
        fail_on: Severity = Severity.ERROR,
        command: str = "check-traffic",
        target_name: str | None = None,
    ) -> RunResults:
        """Everything added so far, the run-level checks that apply run over it; callable repeatedly."""
        with self._lock:
            snapshot = self._gathered.copy()
        exchanges, deviations, crashes = snapshot.exchanges, snapshot.deviations, snapshot.crashes
        ctx = replace(self._ctx, secrets=self._current_secrets())
        everything = [e for e, _ in exchanges]
        classified_only = [e for e, ok in exchanges if ok]
        run_names = [n for n in self._names if n in RUN_CHECKS]
        for name in run_names:
            how = applies(name, run_level=True)
            if how is Applies.NEVER:
                continue
            found, crashed = run_run_checks(
                ctx, everything if how is Applies.ALWAYS else classified_only, [name]
            )
            deviations.extend(found)
            crashes.extend(Crash(n, "(run)", error) for n, error in crashed)
        results = RunResults(
            target=self._target(target_name),
            spec=self._spec.summary(),
            seed=0,
            started_at=self._started.isoformat(timespec="seconds"),
            finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
            duration_s=time.perf_counter() - self._clock,
            fail_on=fail_on,
            deviations=tuple(deviations),
            phases=(self._phase(len(exchanges), snapshot),) if exchanges else (),
            crashes=tuple(crashes),
            checks={n: describe(n) for n in self._names if self._applies_at_all(n)},
            stats=self._stats(len(exchanges), len(classified_only), snapshot),
            partial=partial,
            partial_reason=partial_reason,
            command=command,
            tool_version=__version__,
        )
        return results.redacted(Redactor(ctx.secrets))

    def _applies_at_all(self, name: str) -> bool:
        return applies(name, run_level=name in RUN_CHECKS) is not Applies.NEVER

    def _target(self, name: str | None) -> TargetInfo:
        profile = self._profile
        label = name or (profile.name if profile is not None else "observed traffic")
        method = profile.auth.method if profile is not None else "as observed"
        return TargetInfo(label, self.base_url or "any host (path /rest/sms)", False, method)

    @staticmethod
    def _phase(count: int, snapshot: _Gathered) -> PhaseStats:
        return PhaseStats(
            name=OBSERVED_PHASE, cases=count, sent=count, status_counts=dict(snapshot.status_counts)
        )

    def _stats(self, count: int, classified: int, snapshot: _Gathered) -> dict[str, object]:
        total = snapshot.positive["total"]
        return {
            "observed": count,
            "classified": classified,
            "unclassified": count - classified,
            "unclassified_by_reason": dict(sorted(snapshot.unclassified.items())),
            "expectations": dict(sorted(snapshot.expectations.items())),
            "skipped": sum(snapshot.skipped.values()),
            "skipped_by_reason": dict(sorted(snapshot.skipped.items())),
            "sent": 0,  # nothing is ever sent: the traffic was the application's
            "sends_used": 0,
            "checks_not_applicable": sorted(n for n in self._names if not self._applies_at_all(n)),
            "positive_total": total,
            "positive_2xx": snapshot.positive["2xx"],
            "positive_2xx_share": round(snapshot.positive["2xx"] / total, 4) if total else None,
        }
