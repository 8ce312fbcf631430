"""The check registries and what every check receives: a context and one exchange, or the run's.

Three registries side by side, one id space: ``CHECKS`` holds per-exchange checks
``(ctx, exchange) -> Iterator[Deviation]``; ``RUN_CHECKS`` holds run-level checks
``(ctx, exchanges) -> Iterator[Deviation]`` that look across every checked exchange of a run
(or of a shard: a shard's run-level checks see only that shard's exchanges); ``LIFECYCLE_CHECKS``
holds life-cycle checks ``(ctx, lifecycle) -> Iterator[Deviation]`` that judge the messages the
life-cycle phase followed after the sends (D67, D68).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from conformance.contract.schemas import Contract
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange, redact_text
from conformance.model.lifecycle import Lifecycle

__all__ = [
    "CHECKS",
    "LIFECYCLE_CHECKS",
    "REPEAT_CHECKS",
    "RUN_CHECKS",
    "CheckContext",
    "CheckFunction",
    "LifecycleCheckFunction",
    "RunCheckFunction",
    "all_check_names",
    "is_validation_template",
    "register",
    "register_lifecycle_check",
    "register_run_check",
    "run_checks",
    "run_lifecycle_checks",
    "run_run_checks",
    "shorten",
    "success_payload",
]

CheckFunction = Callable[["CheckContext", Exchange], Iterator[Deviation]]
RunCheckFunction = Callable[["CheckContext", Sequence[Exchange]], Iterator[Deviation]]
LifecycleCheckFunction = Callable[["CheckContext", Lifecycle], Iterator[Deviation]]
CHECKS: dict[str, CheckFunction] = {}
RUN_CHECKS: dict[str, RunCheckFunction] = {}
LIFECYCLE_CHECKS: dict[str, LifecycleCheckFunction] = {}
# run-level checks that need some requests sent twice on purpose (the runner sends repeats only for them)
REPEAT_CHECKS: set[str] = set()
_Check = TypeVar("_Check", CheckFunction, RunCheckFunction, LifecycleCheckFunction)

_MAX_SHOWN = 300


def register(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under the id used in config, CLI, reports and the fault catalogue."""

    def wrap(func: CheckFunction) -> CheckFunction:
        return _add(CHECKS, name, func)

    return wrap


def register_run_check(name: str, *, repeats: bool = False) -> Callable[[RunCheckFunction], RunCheckFunction]:
    """Register a run-level check: it receives every checked exchange of the run, after the last one.

    ``repeats=True``: the check needs equal requests, so the runner re-sends a few on purpose.
    """

    def wrap(func: RunCheckFunction) -> RunCheckFunction:
        _add(RUN_CHECKS, name, func)
        if repeats:
            REPEAT_CHECKS.add(name)
        return func

    return wrap


def register_lifecycle_check(name: str) -> Callable[[LifecycleCheckFunction], LifecycleCheckFunction]:
    """Register a life-cycle check: it receives what the life-cycle phase read (D67, D68)."""

    def wrap(func: LifecycleCheckFunction) -> LifecycleCheckFunction:
        return _add(LIFECYCLE_CHECKS, name, func)

    return wrap


def _add(registry: dict[str, _Check], name: str, func: _Check) -> _Check:
    """``func`` under ``name`` in ``registry``; a name is one check across the three registries."""
    if name in CHECKS or name in RUN_CHECKS or name in LIFECYCLE_CHECKS:
        raise ValueError(f"check {name!r} registered twice")
    registry[name] = func
    return func


def all_check_names() -> tuple[str, ...]:
    """Every check id: per-exchange, then run-level, then life-cycle, each in registration order."""
    return (*CHECKS, *RUN_CHECKS, *LIFECYCLE_CHECKS)


def describe(name: str) -> str:
    """The first docstring line of a check: its description in reports and --list-checks."""
    func: Callable[..., Iterator[Deviation]] = (
        CHECKS.get(name) or RUN_CHECKS.get(name) or LIFECYCLE_CHECKS[name]
    )
    doc = func.__doc__ or name
    return doc.strip().splitlines()[0]


def shorten(value: Any) -> str:
    """A JSON-ish rendering of a value, cut to a readable length."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may consult besides the exchange. Pure data."""

    contract: Contract
    variants: Sequence[Any] = ()  # conformance.variants.ResponseVariant
    seed: int | None = None
    latency_budget_ms: float | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def body_severity(self, status: int) -> Severity:
        """Error for a body the docs show; warning when the documented body is itself inferred (D12, D25)."""
        return Severity.WARNING if self.contract.inferred(status) else Severity.ERROR

    def deviation(
        self,
        check: str,
        exchange: Exchange,
        *,
        severity: Severity,
        title: str,
        detail: str,
        path: str = "$",
        expected: Any = "",
        actual: Any = "",
        evidence: Evidence | None = None,
        spec_pointer: str = "",
    ) -> Deviation:
        """A Deviation for this exchange, with redacted request/response evidence and a curl line.

        The credentials the exchange carries (D54) are secrets too: no text of the deviation shows them.
        """
        response = exchange.response
        secrets = (*self.secrets, *exchange.credentials())
        return Deviation(
            check=check,
            severity=severity,
            title=redact_text(title, secrets),
            detail=redact_text(detail, secrets),
            path=path,
            expected=redact_text(shorten(expected), secrets),
            actual=redact_text(shorten(actual), secrets),
            spec_pointer=spec_pointer
            or (self.contract.spec_pointer(response.status) if response is not None else ""),
            evidence=evidence or Evidence(source=exchange.case.evidence, decision=exchange.case.decision),
            case_id=exchange.case.id,
            phase=exchange.case.phase,
            request=exchange.request.to_dict(secrets),
            response={} if response is None else response.to_dict(secrets),
            curl=exchange.request.curl(secrets),
            seed=self.seed,
        )


def run_checks(
    ctx: CheckContext, exchange: Exchange, names: Sequence[str] | None = None
) -> tuple[list[Deviation], list[tuple[str, str]]]:
    """Run every (or the named) check on one exchange; a check that raises is a suite bug, not a deviation.

    ``names`` may also hold run-level check ids: they are skipped here (``run_run_checks`` runs them).
    """
    deviations: list[Deviation] = []
    crashes: list[tuple[str, str]] = []
    for name in list(CHECKS) if names is None else [n for n in names if n in CHECKS]:
        try:
            deviations.extend(CHECKS[name](ctx, exchange))
        except Exception as exc:  # a crashing check must not stop the run
            crashes.append((name, f"{type(exc).__name__}: {exc}"))
    return deviations, crashes


def run_run_checks(
    ctx: CheckContext, exchanges: Sequence[Exchange], names: Sequence[str] | None = None
) -> tuple[list[Deviation], list[tuple[str, str]]]:
    """Run every (or the named) run-level check on the run's exchanges; a crash is a suite bug."""
    deviations: list[Deviation] = []
    crashes: list[tuple[str, str]] = []
    for name in list(RUN_CHECKS) if names is None else [n for n in names if n in RUN_CHECKS]:
        try:
            deviations.extend(RUN_CHECKS[name](ctx, exchanges))
        except Exception as exc:  # a crashing check must not stop the run
            crashes.append((name, f"{type(exc).__name__}: {exc}"))
    return deviations, crashes


def run_lifecycle_checks(
    ctx: CheckContext, lifecycle: Lifecycle, names: Sequence[str] | None = None
) -> tuple[list[Deviation], list[tuple[str, str]]]:
    """Run every (or the named) life-cycle check on what the phase read; a crash is a suite bug."""
    deviations: list[Deviation] = []
    crashes: list[tuple[str, str]] = []
    for name in list(LIFECYCLE_CHECKS) if names is None else [n for n in names if n in LIFECYCLE_CHECKS]:
        try:
            deviations.extend(LIFECYCLE_CHECKS[name](ctx, lifecycle))
        except Exception as exc:  # a crashing check must not stop the run
            crashes.append((name, f"{type(exc).__name__}: {exc}"))
    return deviations, crashes


def is_validation_template(body: object) -> bool:
    """The seed's error template: an envelope with ``fields`` (S1 error tabs, status 500, D11)."""
    return isinstance(body, Mapping) and isinstance(body.get("fields"), Mapping)


def success_payload(exchange: Exchange) -> Mapping[str, Any] | None:
    """The ``payload`` object of a 2xx JSON response, else None."""
    response = exchange.response
    if response is None or not 200 <= response.status < 300:
        return None
    body = response.json_or_none()
    if not isinstance(body, Mapping):
        return None
    payload = body.get("payload")
    return payload if isinstance(payload, Mapping) else None
