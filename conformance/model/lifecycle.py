"""What the life-cycle phase saw of the messages it followed (D67, D68): the reads and their figures.

A ``FollowedMessage`` is one accepted send and every lookup of its uuid, in order; ``Lifecycle`` is
all of them with the two guard probes (a lookup without credentials, one with another account's
token). ``figures`` turns them into the ``stats.lifecycle`` member of ``results.json``: reads,
time from the send to the first read showing each state, terminal states and timelines.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.model.exchange import Exchange

__all__ = [
    "ORDER",
    "STATES_SHOWN",
    "TERMINAL",
    "FollowedMessage",
    "Lifecycle",
    "figures",
    "json_payload",
    "seconds_between",
]

# outbound states in their documented order (D67); `failed` may follow any earlier one
ORDER = {"created": 0, "sending": 1, "success": 2, "failed": 2}
TERMINAL = frozenset({"success", "failed"})
STATES_SHOWN = ("created", "sending", "success", "delivered")  # the figures' columns
TIMELINES_KEPT = 50  # timelines written to results.json; the figures count every message
VALUES_KEPT = 1000  # seconds-to-delivered values kept for the report's distribution


def json_payload(exchange: Exchange | None) -> Mapping[str, Any] | None:
    """The ``payload`` object of a 2xx JSON answer, else None."""
    response = None if exchange is None else exchange.response
    if response is None or not 200 <= response.status < 300:
        return None
    body = response.json_or_none()
    payload = body.get("payload") if isinstance(body, Mapping) else None
    return payload if isinstance(payload, Mapping) else None


def seconds_between(first: Exchange, later: Exchange) -> float:
    """Seconds from one request leaving to another leaving (0 when either time is unknown)."""
    if first.sent_at is None or later.sent_at is None:
        return 0.0
    return (later.sent_at - first.sent_at).total_seconds()


@dataclass(frozen=True)
class FollowedMessage:
    """One accepted send and its lookups; ``ended`` says why the phase stopped reading it:
    ``terminal`` (read terminal twice in a row), ``deadline`` (the phase's deadline passed: a message
    still not found then is lost), ``budget`` (reads spent) or ``time`` (the run's time budget)."""

    uuid: str
    send: Exchange
    reads: tuple[Exchange, ...] = ()
    ended: str = "deadline"

    @property
    def sent(self) -> Mapping[str, Any]:
        return json_payload(self.send) or {}

    def found(self) -> tuple[tuple[Exchange, Mapping[str, Any]], ...]:
        """The reads that found the message, each with its payload."""
        return tuple((read, payload) for read in self.reads if (payload := json_payload(read)) is not None)

    def timeline(self) -> list[tuple[float, str, bool]]:
        """(seconds after the send, state, delivered) of the send's answer and of each read that found it."""
        points = [(0.0, str(self.sent.get("state", "")), self.sent.get("delivered") is True)]
        points += [
            (round(seconds_between(self.send, read), 4), str(p.get("state", "")), p.get("delivered") is True)
            for read, p in self.found()
        ]
        return points

    def first_seen(self) -> dict[str, float]:
        """Seconds from the send to the first read showing each state (``delivered``: delivered true)."""
        seen: dict[str, float] = {}
        for at, state, delivered in self.timeline():
            rank = ORDER.get(state, -1)
            reached = [name for name in ("created", "sending", "success") if rank >= ORDER[name]]
            if state == "failed":
                reached = ["failed"]
            for name in [*reached, *(["delivered"] if delivered else [])]:
                seen.setdefault(name, at)
        return seen


@dataclass(frozen=True)
class Lifecycle:
    """What the life-cycle phase read: the followed messages and the two guard probes (None: not sent)."""

    messages: tuple[FollowedMessage, ...] = ()
    anonymous: Exchange | None = None  # the first message read without credentials
    foreign: Exchange | None = None  # the first message read with the second account's token

    def all_not_found(self) -> bool:
        """Not one read of any message found it: the lookup route may be missing on this target."""
        return bool(self.messages) and not any(m.found() for m in self.messages)


def _summary(values: Sequence[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "median": round(statistics.median(values), 4),
        "max": round(max(values), 4),
    }


def figures(lifecycle: Lifecycle, *, reads: int, read_budget: int, probes: int) -> dict[str, Any]:
    """The ``stats.lifecycle`` member of results.json."""
    seen = [m.first_seen() for m in lifecycle.messages]
    terminal: Counter[str] = Counter()
    for message in lifecycle.messages:
        found = message.found()
        if not found:
            terminal["not_found"] += 1
            continue
        last = found[-1][1]
        state = str(last.get("state", ""))
        terminal[state if state in TERMINAL else f"unfinished ({message.ended})"] += 1
    delivered = [s["delivered"] for s in seen if "delivered" in s]
    return {
        # False: no lookup found any message, so the route may not exist on the target (D66)
        "evaluated": not lifecycle.all_not_found(),
        "followed": len(lifecycle.messages),
        "found": sum(1 for m in lifecycle.messages if m.found()),
        "reads": reads,
        "read_budget": read_budget,
        "guard_probes": probes,
        "terminal": dict(sorted(terminal.items())),
        "time_to_state_s": {name: _summary([s[name] for s in seen if name in s]) for name in STATES_SHOWN},
        "delivered_s": [round(v, 4) for v in delivered[:VALUES_KEPT]],
        "timelines": [
            {"uuid": m.uuid, "case_id": m.send.case.id, "points": [list(p) for p in m.timeline()]}
            for m in lifecycle.messages[:TIMELINES_KEPT]
        ],
    }
