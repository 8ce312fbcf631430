"""The one way a case leaves the process: ``Sender``, for run, diff, replay and the pytest route.

A ``Sender`` holds one target's client and every rule that decides whether, when and how often a
case goes out: the send budget (D17), the rate limit and the 429 waits and re-sends (D16), each
request's deadline and the target's time budget (D19), the requests in flight at once (D42), and
the token's secrets, remembered for the console's redaction from the moment it can send.

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
import time
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Generic, TypeVar

from conformance.engine.profiles import Profile, SendBudget
from conformance.engine.sending.client import (
    BudgetExhaustedError,
    Reservation,
    TargetClient,
    TargetUnreachableError,
    credential_secrets,
)
from conformance.engine.sending.inflight import Ready, in_order
from conformance.engine.sending.resend import ThrottleTally, send_until_processed
from conformance.model.cases import Case
from conformance.model.exchange import Exchange
from conformance.model.http import RATE_LIMITED

__all__ = ["SETTLE_S", "Job", "Sender", "Sent", "in_flight"]

T = TypeVar("T")

SETTLE_S = 2.0  # how long a stopped run waits for the answers of requests already in flight
AHEAD = 2  # jobs made ahead per worker: the workers keep sending while the caller checks an answer


@dataclass(frozen=True)
class Job(Generic[T]):
    """Work that holds budget reservations: ``release`` gives them back if it is never started."""

    run: Callable[[], T]
    release: Callable[[], None]

    def __call__(self) -> T:
        return self.run()


def _abandoned(job: Callable[[], object]) -> None:
    if isinstance(job, Job):
        job.release()


def in_flight(
    jobs: Iterable[Callable[[], T]],
    workers: int,
    settled: list[T],
    *,
    started: Callable[[], None] | None = None,
) -> contextlib.closing[Generator[T, None, None]]:
    """Each job's outcome in job order, ``workers`` at once; use with ``with``. If the caller stops
    early (Ctrl-C), jobs not started give their budget back and the outcomes of those in flight that
    come within ``SETTLE_S`` go to ``settled``, to be counted as sent. ``started`` is called once the
    first requests are on their way (``inflight.in_order``)."""
    return contextlib.closing(
        in_order(
            jobs,
            workers,
            abandoned=_abandoned,
            settled=settled,
            settle_s=SETTLE_S,
            ahead=AHEAD * workers,
            started=started,
        )
    )


class _Slots:
    """How many requests may be on the wire at once: ``workers``, until a 429 narrows it to one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.narrowed = False  # a 429 narrowed it to one
        self._busy = 0
        self._free = threading.Condition()

    def narrow(self) -> None:
        with self._free:
            self.limit = 1
            self.narrowed = True

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
    late: bool = False  # the time budget ended before it had its place on the wire: never sent

    @property
    def exchanges(self) -> list[Exchange]:
        """Every request that went out for the case: the superseded 429s, then its answer."""
        return [*self.superseded, *([self.exchange] if self.exchange is not None else [])]


class Sender:
    """Sends cases to one target within its budgets; see the module docstring. Use with ``with``
    (the client's connections close on leaving). The time budget (``time_budget_s``) runs from
    the moment the sender is made; ``budget`` is the send budget it spends (a shard's share)."""

    def __init__(self, target: Profile, token: str, budget: SendBudget) -> None:
        self.secrets = credential_secrets(token)  # the caller adds them to its KnownSecrets (console)
        self.budget = budget
        self.time_budget_s = target.time_budget_s
        self.deadline = None if target.time_budget_s is None else time.monotonic() + target.time_budget_s
        self.client = TargetClient.for_target(target, token, budget, deadline=self.deadline)
        self.workers = max(1, target.in_flight)
        self._answered = threading.Event()  # some request got through: a refusal after it is a deviation
        self._slots = _Slots(self.workers)

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()

    @property
    def waited_s(self) -> float:
        """Time the rate limit and the 429 waits held the requests back."""
        return self.client.limiter.waited_s

    def out_of_time(self) -> bool:
        """The time budget is spent, or will be before the next request may leave (a 429's wait)."""
        return self.deadline is not None and time.monotonic() + self.client.limiter.pending() >= self.deadline

    def time_spent(self, done: int, total: int) -> str:
        """Why sending stops once the time budget is spent (D19); "" while it lasts."""
        if not self.out_of_time():
            return ""
        return f"time budget of {self.time_budget_s:g} s spent after {done} of {total} cases"

    def needs_budget(self, case: Case) -> bool:
        """Sending this case spends a unit of the send budget (D17)."""
        return self.client.needs_budget(case)

    def _deliver(self, reservation: Reservation) -> Exchange:
        """One reserved exchange (the caller holds a slot); a target that stops answering mid-run is a
        transport deviation, at start (nothing answered yet) ``TargetUnreachableError`` (exit 3)."""
        try:
            exchange = self.client.send_reserved(reservation)
        except TargetUnreachableError:
            if not self._answered.is_set():
                raise
            exchange = Exchange(
                case=reservation.case,
                request=reservation.request,
                response=None,
                error="ConnectError: the target stopped accepting connections",
                sent_at=datetime.now(UTC),
            )
        self._answered.set()
        if exchange.response is not None and exchange.response.status == RATE_LIMITED:
            self._slots.narrow()  # a throttled target asked for fewer requests: one at a time from now on
        return exchange

    def reserve(self, case: Case) -> Job[Sent] | None:
        """The case's budget unit reserved now (caller's thread, case order), as a job that sends it
        until processed; None when the send budget has no room (nothing reserved)."""
        try:
            first = self.client.reserve(case)
        except BudgetExhaustedError:
            return None
        return Job(partial(self._until_processed, first), partial(self.client.release, first))

    def job(self, case: Case) -> Callable[[], Sent]:
        """``reserve``, or a case refused by the budget: settled at once, it takes no place on the wire."""
        return self.reserve(case) or Ready(Sent(case, None))

    def _probe(self, reservation: Reservation) -> Exchange:
        """A probe: sent once in its place on the wire, a 429 kept as its answer."""
        with self._slots:
            return self._deliver(reservation)

    def _until_processed(self, first: Reservation) -> Sent:
        with self._slots:  # a place on the wire for the first request
            if self.out_of_time():  # it waited for its place until the time budget ended: never sent
                self.client.release(first)
                return Sent(first.case, None, late=True)
            answer = self._deliver(first)
        return self._resent_until_processed(first.case, answer)

    def _resent_until_processed(self, case: Case, answer: Exchange) -> Sent:
        """The case re-sent while answered 429, each re-send waiting for a place of its own: after a
        429 only one request at a time is on the wire (D42), whichever case it belongs to."""
        sent = Sent(case, None)
        first: list[Exchange] = [answer]
        reserved: list[Reservation] = []

        def send(_: Case) -> Exchange:
            if first:
                return first.pop()
            with self._slots:
                return self._deliver(reserved.pop())

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
            send,
            case,
            may_resend=may_resend,
            superseded=sent.superseded.append,
            tally=sent.throttle,
        )
        return sent

    def answers(
        self,
        jobs: Iterable[Callable[[], Sent]],
        settled: list[Sent],
        *,
        started: Callable[[], None] | None = None,
    ) -> contextlib.closing[Generator[Sent, None, None]]:
        """Each job's ``Sent`` in job order, this target's ``workers`` in flight (see ``in_flight``)."""
        return in_flight(jobs, self.workers, settled, started=started)

    def burst(self, cases: Sequence[Case]) -> list[Sent]:
        """Cases sent all at once, whatever the concurrency (D59), the rate limit respected; a case
        answered 429 is re-sent as any case is (D16), one request at a time from then on (D42). A case
        the budget refuses is settled unsent."""

        def jobs() -> Generator[Callable[[], Sent], None, None]:
            for case in cases:
                try:
                    reservation = self.client.reserve(case)
                except BudgetExhaustedError:
                    yield Ready(Sent(case, None))
                    continue
                yield Job(partial(self._at_once, reservation), partial(self.client.release, reservation))

        workers = 1 if self._slots.narrowed else max(1, len(cases))
        with contextlib.closing(in_order(jobs(), workers, abandoned=_abandoned)) as answers:
            return list(answers)

    def _at_once(self, first: Reservation) -> Sent:
        """A burst's request: sent without waiting for a place among the run's workers."""
        return self._resent_until_processed(first.case, self._deliver(first))

    def each(self, cases: Sequence[Case]) -> list[Exchange | None]:
        """Probes: each case sent once (no 429 re-send), in order; None from the first the budget refuses on
        (nothing after it is sent, as in a sequential loop that stops there)."""

        def jobs() -> Generator[Job[Exchange], None, None]:
            for case in cases:
                try:
                    reservation = self.client.reserve(case)
                except BudgetExhaustedError:
                    return
                yield Job(partial(self._probe, reservation), partial(self.client.release, reservation))

        with contextlib.closing(in_order(jobs(), self.workers, abandoned=_abandoned)) as answers:
            found: list[Exchange | None] = list(answers)
        return found + [None] * (len(cases) - len(found))
