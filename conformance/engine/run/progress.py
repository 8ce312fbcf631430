"""Where a run stands, as the runner reports it after every case (for live progress displays)."""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.model.cases import Case

__all__ = ["ProgressTick"]


@dataclass(frozen=True)
class ProgressTick:
    """One case done (sent, or skipped because the send budget was spent)."""

    phase: str
    done: int  # cases done so far, this one included
    total: int  # cases planned
    status: str  # the HTTP status, "no-response" (transport error) or "skipped" (budget spent)
    sends_used: int  # requests that could send an SMS, counted against the budget
    send_budget: int
    deviations: int  # deviations found so far
    case: Case | None = field(default=None, compare=False)  # the case just done
