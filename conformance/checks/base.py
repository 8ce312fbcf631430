"""The check registry and what every check receives: a context and one exchange."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.contract.schemas import Contract
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange

__all__ = ["CHECKS", "CheckContext", "CheckFunction", "register", "shorten"]

CheckFunction = Callable[["CheckContext", Exchange], Iterator[Deviation]]
CHECKS: dict[str, CheckFunction] = {}

_MAX_SHOWN = 300


def register(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under the id used in config, CLI, reports and the fault catalogue."""

    def wrap(func: CheckFunction) -> CheckFunction:
        if name in CHECKS:
            raise ValueError(f"check {name!r} registered twice")
        CHECKS[name] = func
        return func

    return wrap


def describe(name: str) -> str:
    """The first docstring line of a check: its description in reports and --list-checks."""
    doc = CHECKS[name].__doc__ or name
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
        """A Deviation for this exchange, with redacted request/response evidence and a curl line."""
        response = exchange.response
        return Deviation(
            check=check,
            severity=severity,
            title=title,
            detail=detail,
            path=path,
            expected=shorten(expected),
            actual=shorten(actual),
            spec_pointer=spec_pointer
            or (self.contract.spec_pointer(response.status) if response is not None else ""),
            evidence=evidence or Evidence(source=exchange.case.evidence, decision=exchange.case.decision),
            case_id=exchange.case.id,
            phase=exchange.case.phase,
            request=exchange.request.to_dict(self.secrets),
            response={} if response is None else response.to_dict(self.secrets),
            curl=exchange.request.curl(self.secrets),
            seed=self.seed,
        )


def run_checks(
    ctx: CheckContext, exchange: Exchange, names: Sequence[str] | None = None
) -> tuple[list[Deviation], list[tuple[str, str]]]:
    """Run every (or the named) check on one exchange; a check that raises is a suite bug, not a deviation."""
    deviations: list[Deviation] = []
    crashes: list[tuple[str, str]] = []
    for name in names or list(CHECKS):
        try:
            deviations.extend(CHECKS[name](ctx, exchange))
        except Exception as exc:  # a crashing check must not stop the run
            crashes.append((name, f"{type(exc).__name__}: {exc}"))
    return deviations, crashes
