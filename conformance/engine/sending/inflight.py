"""Requests in flight at once, answers taken in the order they were asked for (D42).

``in_order(jobs, workers)`` pulls jobs from a lazy iterable only while fewer than ``ahead`` of them
wait for an answer (so whatever the caller does to make a job — reserve budget, check the time
budget — happens in the caller's thread, in job order) and yields each job's outcome in job order,
whatever order they finish in. ``ahead`` (default ``workers``; the sender uses twice that) lets
the workers go on sending while the caller is busy checking an answer. A :class:`Ready` job (an
outcome known without sending, e.g. a case the send budget refused) takes no worker and no place
in the window: a run that skips most of its cases still keeps ``workers`` requests on the wire.

Threads, not asyncio: the client (httpx sync, its deadline backend) and the checks are synchronous,
a worker spends its time blocked on a socket with the GIL released, and the checks stay in the
caller's thread, in case order, so a run's results do not depend on which answer came first.
The workers are daemon threads: a Ctrl-C in the caller stops the run at once (pending jobs are
dropped) and the process never waits for a request still in flight at exit. With one worker, jobs
run in the caller's thread, exactly as a sequential loop.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, wait
from typing import Generic, TypeVar

__all__ = ["Ready", "in_order"]

R = TypeVar("R")

_STOP = None


class Ready(Generic[R]):
    """A job whose outcome is known when it is made: called in the caller's thread, never queued."""

    __slots__ = ("value",)

    def __init__(self, value: R) -> None:
        self.value = value

    def __call__(self) -> R:
        return self.value


def _work(jobs: queue.SimpleQueue[tuple[Callable[[], object], Future[object]] | None]) -> None:
    while (item := jobs.get()) is not _STOP:
        assert item is not None
        job, future = item
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(job())
        except BaseException as exc:  # handed to the caller's thread by future.result()
            future.set_exception(exc)


def in_order(
    jobs: Iterable[Callable[[], R]],
    workers: int,
    *,
    abandoned: Callable[[Callable[[], R]], None] | None = None,
    settled: list[R] | None = None,
    settle_s: float = 0.0,
    ahead: int = 0,
    started: Callable[[], None] | None = None,
) -> Generator[R, None, None]:
    """Each job's result (or its exception, raised here) in job order, up to ``workers`` at once
    (at most ``ahead``, default ``workers``, jobs that are not :class:`Ready` made and unanswered).

    Stopping the iteration early (``break``, an exception, Ctrl-C) cancels every job not yet started
    (each is passed to ``abandoned``, e.g. to give back what making it reserved), then waits up to
    ``settle_s`` for the jobs already running: the results of those that finish go to ``settled``
    (what they sent was sent), the others are left to their daemon thread.

    ``started`` is called once, when the first jobs are on their way (queued to the workers, or about
    to run in the caller's thread): from then on the caller mostly waits, so other work may begin.
    """
    if workers <= 1:
        for job in jobs:
            if started is not None:
                begin: Callable[[], None] = started
                started = None
                begin()
            yield job()
        return
    inbox: queue.SimpleQueue[tuple[Callable[[], object], Future[object]] | None] = queue.SimpleQueue()
    threads = [
        threading.Thread(target=_work, args=(inbox,), name=f"conformance-send-{n}", daemon=True)
        for n in range(workers)
    ]
    for thread in threads:
        thread.start()
    window = max(workers, ahead)
    pending: deque[tuple[Callable[[], R], Future[object]]] = deque()
    queued = 0  # pending jobs that are not Ready: those the window counts
    source = iter(jobs)
    try:
        while True:
            while queued < window:  # no job is made (its budget reserved) before there is room for it
                made: Callable[[], R] | None = next(source, None)
                if made is None:
                    break
                future: Future[object] = Future()
                pending.append((made, future))
                if isinstance(made, Ready):
                    future.set_running_or_notify_cancel()
                    future.set_result(made.value)
                else:
                    queued += 1
                    inbox.put((made, future))
            if not pending:
                return
            if started is not None:
                begin = started
                started = None
                begin()
            job, head = pending.popleft()
            queued -= 0 if isinstance(job, Ready) else 1
            result: R = head.result()  # type: ignore[assignment]
            yield result
    finally:
        for _ in threads:
            inbox.put(_STOP)
        running = []
        for job, future in pending:
            if isinstance(job, Ready):
                continue  # nothing was sent for it, nothing reserved
            if future.cancel():
                if abandoned is not None:
                    abandoned(job)
            else:
                running.append(future)
        if running and settled is not None:
            done, _ = wait(running, timeout=settle_s)
            for future in running:  # in job order
                if future in done and future.exception() is None:
                    settled.append(future.result())  # type: ignore[arg-type]
