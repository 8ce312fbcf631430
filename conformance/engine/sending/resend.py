"""Sending a case again: after a 429 (it was not processed), and on purpose for run-level checks.

**Throttled.** A 429 means the request was not processed (D16): the client has already pushed its
next slot back by ``Retry-After`` (or a default back-off), and ``send_until_processed`` re-sends
the same case, at most ``MAX_THROTTLE_RESENDS`` times, each re-send budget-counted and within the
run's time budget (the caller's ``may_resend`` decides both). A case still answered 429 after that
was not evaluated; the run counts it.

**Repeats.** ``select_repeats`` picks the requests worth sending twice, so that
``equal_requests_same_outcome`` can see an intermittent target: every request answered with a 5xx
or not at all (up to ``MAX_FAILURE_REPEATS``, in order) and the first request of each documented
outcome that was answered otherwise. A repeat is the same request under a new case id, phase
``repeats``, with ``repeat_of`` naming the original. At most ``MAX_FAILURE_REPEATS`` + 4 sends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from conformance.engine.phases import REPEAT_PHASE
from conformance.model.cases import Case
from conformance.model.exchange import Exchange
from conformance.model.http import RATE_LIMITED

__all__ = [
    "MAX_FAILURE_REPEATS",
    "MAX_THROTTLE_RESENDS",
    "REPEAT_PHASE",
    "ThrottleTally",
    "select_repeats",
    "send_until_processed",
]

MAX_THROTTLE_RESENDS = 3
MAX_FAILURE_REPEATS = 4


@dataclass
class ThrottleTally:
    """How much throttling a run met: cases answered 429 at least once, re-sends, cases never processed."""

    cases: int = 0
    resends: int = 0
    unresolved: int = 0

    def merge(self, other: ThrottleTally) -> None:
        """Add what one case met (sent by a worker) to the run's tally."""
        self.cases += other.cases
        self.resends += other.resends
        self.unresolved += other.unresolved


def _throttled(exchange: Exchange) -> bool:
    return exchange.response is not None and exchange.response.status == RATE_LIMITED


def send_until_processed(
    send: Callable[[Case], Exchange],
    case: Case,
    *,
    may_resend: Callable[[Case], bool],
    superseded: Callable[[Exchange], None],
    tally: ThrottleTally,
) -> Exchange:
    """Send ``case``; while it is answered 429, re-send it (bounded). Returns the last exchange.

    ``may_resend`` is asked before every re-send (time budget, send budget); ``superseded`` gets
    each 429 exchange that a re-send replaces (counted in the statistics, never checked).
    """
    exchange = send(case)
    if not _throttled(exchange):
        return exchange
    tally.cases += 1
    for _ in range(MAX_THROTTLE_RESENDS):
        if not may_resend(case):
            break
        superseded(exchange)
        tally.resends += 1
        exchange = send(case)
        if not _throttled(exchange):
            return exchange
    tally.unresolved += 1
    return exchange


def _failed(exchange: Exchange) -> bool:
    response = exchange.response
    return response is None or response.status >= 500


def select_repeats(exchanges: Sequence[Exchange]) -> list[Case]:
    """The cases to send a second time, as repeat cases (see the module docstring)."""
    chosen = [e.case for e in exchanges if _failed(e) and e.case.repeat_of is None][:MAX_FAILURE_REPEATS]
    outcomes_seen = set()
    for exchange in exchanges:
        case = exchange.case
        if _failed(exchange) or _throttled(exchange) or case.repeat_of is not None:
            continue
        if case.expectation not in outcomes_seen:
            outcomes_seen.add(case.expectation)
            chosen.append(case)
    return [replace(c, id=f"{c.id}~repeat", phase=REPEAT_PHASE, repeat_of=c.id) for c in chosen]
