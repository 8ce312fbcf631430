"""Turning cases into exchanges, one or many in flight (D42): budget reserved in case order, 429s waited
out and re-sent, answers handed back in case order.

The decisions that depend on order are made in the caller's thread, in case order: the budget unit
of a case is reserved when its job is made (``Sender.job``), the time budget is checked there too.
A worker only sends, waits out a 429 and re-sends: the client's shared rate limiter holds back every
worker (D16), and from the first 429 on only one request at a time is on the wire. What a worker met
(superseded 429s, throttle counts) travels back with its answer, and the caller checks and records
it in case order, so a run's deviations do not depend on which answer came first.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

from conformance.engine.client import BudgetExhaustedError, Reservation, TargetClient, TargetUnreachableError
from conformance.engine.inflight import Ready, in_order
from conformance.engine.resend import ThrottleTally, send_until_processed
from conformance.model.cases import Case
from conformance.model.exchange import Exchange

__all__ = ["SETTLE_S", "Sender", "Sent", "deliver", "send_case"]

T = TypeVar("T")


def deliver(client: TargetClient, reservation: Reservation, *, anything_sent: bool) -> Exchange:
    """One reserved exchange; a target that stops answering mid-run is a transport deviation, at
    start (nothing answered yet) ``TargetUnreachableError`` (exit 3)."""
    try:
        return client.send_reserved(reservation)
    except TargetUnreachableError:
        if not anything_sent:
            raise
        return Exchange(
            case=reservation.case,
            request=reservation.request,
            response=None,
            error="ConnectError: the target stopped accepting connections",
            sent_at=datetime.now(UTC),
        )


def send_case(client: TargetClient, case: Case, *, anything_sent: bool) -> Exchange:
    """One exchange within the budget (``BudgetExhaustedError`` when it has no room); see ``deliver``."""
    return deliver(client, client.reserve(case), anything_sent=anything_sent)


RATE_LIMITED = 429
SETTLE_S = 2.0  # how long a stopped run waits for the answers of requests already in flight
AHEAD = 2  # jobs made ahead per worker: the workers keep sending while the caller checks an answer


@dataclass(frozen=True)
class _Job(Generic[T]):
    """A job that holds a budget reservation: given back if the job is never started."""

    run: Callable[[], T]
    reservation: Reservation

    def __call__(self) -> T:
        return self.run()


class _Slots:
    """How many requests may be on the wire at once: ``workers``, until a 429 narrows it to one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._busy = 0
        self._free = threading.Condition()

    def narrow(self) -> None:
        with self._free:
            self.limit = 1

    def __enter__(self) -> None:
        with self._free:
            self._free.wait_for(lambda: self._busy < self.limit)
            self._busy += 1

    def __exit__(self, *exc: object) -> None:
        with self._free:
            self._busy -= 1
            self._free.notify_all()


@dataclass
class Sent:
    """What sending one case gave: its answer (None: not sent, see ``late``), the 429s a re-send
    replaced, and how much throttling it met."""

    case: Case
    exchange: Exchange | None
    superseded: list[Exchange] = field(default_factory=list)
    throttle: ThrottleTally = field(default_factory=ThrottleTally)
    late: bool = False  # the time budget ended before a worker took it: reserved, never sent


class Sender:
    """Sends cases through one client, ``workers`` at once; see the module docstring."""

    def __init__(self, client: TargetClient, out_of_time: Callable[[], bool], workers: int) -> None:
        self.client = client
        self.out_of_time = out_of_time
        self.workers = max(1, workers)
        self._answered = threading.Event()  # some request got through: a refusal after it is a deviation
        self._slots = _Slots(self.workers)

    def _deliver(self, reservation: Reservation) -> Exchange:
        with self._slots:
            exchange = deliver(self.client, reservation, anything_sent=self._answered.is_set())
        self._answered.set()
        if exchange.response is not None and exchange.response.status == RATE_LIMITED:
            self._slots.narrow()  # a throttled target asked for fewer requests: one at a time from now on
        return exchange

    def job(self, case: Case) -> Callable[[], Sent]:
        """Reserve the case's budget now (caller's thread, case order); the job sends it until processed."""
        try:
            first = self.client.reserve(case)
        except BudgetExhaustedError:
            return Ready(Sent(case, None))  # refused by the budget: takes no place on the wire
        return _Job(lambda: self._until_processed(first), first)

    def _abandoned(self, job: Callable[[], object]) -> None:
        if isinstance(job, _Job):
            self.client.release(job.reservation)

    def _until_processed(self, first: Reservation) -> Sent:
        case = first.case
        if self.workers > 1 and self.out_of_time():
            return Sent(case, None, late=True)  # queued behind others until the time budget ended
        sent = Sent(case, None)
        reserved = [first]

        def may_resend(again: Case) -> bool:
            """Room in the time and send budgets; the re-send's unit is reserved here, atomically."""
            if self.out_of_time():
                return False
            try:
                reserved.append(self.client.reserve(again))
            except BudgetExhaustedError:
                return False
            return True

        sent.exchange = send_until_processed(
            lambda _: self._deliver(reserved.pop()),
            case,
            may_resend=may_resend,
            superseded=sent.superseded.append,
            tally=sent.throttle,
        )
        return sent

    def answers(
        self,
        jobs: Iterator[Callable[[], Sent]],
        settled: list[Sent],
        *,
        started: Callable[[], None] | None = None,
    ) -> contextlib.closing[Generator[Sent, None, None]]:
        """Each job's ``Sent`` in job order, ``workers`` in flight; use with ``with``. If the caller
        stops early (Ctrl-C), jobs not started give their budget back and the answers of those in
        flight that come within ``SETTLE_S`` go to ``settled``, to be counted as sent. ``started``
        is called once the first requests are on their way (``inflight.in_order``)."""
        return contextlib.closing(
            in_order(
                jobs,
                self.workers,
                abandoned=self._abandoned,
                settled=settled,
                settle_s=SETTLE_S,
                ahead=AHEAD * self.workers,
                started=started,
            )
        )

    def each(self, cases: Sequence[Case]) -> list[Exchange | None]:
        """Probes: each case sent once (no 429 re-send), in order; None from the first the budget refuses on
        (nothing after it is sent, as in a sequential loop that stops there)."""

        def jobs() -> Iterator[Callable[[], Exchange]]:
            for case in cases:
                try:
                    reservation = self.client.reserve(case)
                except BudgetExhaustedError:
                    return
                yield _Job(lambda r=reservation: self._deliver(r), reservation)  # type: ignore[misc]

        with contextlib.closing(in_order(jobs(), self.workers, abandoned=self._abandoned)) as answers:
            found: list[Exchange | None] = list(answers)
        return found + [None] * (len(cases) - len(found))
