"""Requests in flight at once, answers taken in the order they were asked for (D42).

``in_order(jobs, workers)`` pulls jobs from a lazy iterable only when a worker is free (so whatever
the caller does to make a job — reserve budget, check the time budget — happens in the caller's
thread, in job order) and yields each job's outcome in job order, whatever order they finish in.

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
from typing import TypeVar

__all__ = ["in_order"]

R = TypeVar("R")

_STOP = None


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
) -> Generator[R, None, None]:
    """Each job's result (or its exception, raised here) in job order, up to ``workers`` at once
    (at most ``workers`` jobs made ahead of the one whose result is awaited).

    Stopping the iteration early (``break``, an exception, Ctrl-C) cancels every job not yet started
    (each is passed to ``abandoned``, e.g. to give back what making it reserved), then waits up to
    ``settle_s`` for the jobs already running: the results of those that finish go to ``settled``
    (what they sent was sent), the others are left to their daemon thread.
    """
    if workers <= 1:
        for job in jobs:
            yield job()
        return
    inbox: queue.SimpleQueue[tuple[Callable[[], object], Future[object]] | None] = queue.SimpleQueue()
    threads = [
        threading.Thread(target=_work, args=(inbox,), name=f"conformance-send-{n}", daemon=True)
        for n in range(workers)
    ]
    for thread in threads:
        thread.start()
    pending: deque[tuple[Callable[[], R], Future[object]]] = deque()
    source = iter(jobs)
    try:
        while True:
            while len(pending) < workers:  # no job is made (its budget reserved) before a worker is free
                made: Callable[[], R] | None = next(source, None)
                if made is None:
                    break
                future: Future[object] = Future()
                pending.append((made, future))
                inbox.put((made, future))
            if not pending:
                return
            result: R = pending.popleft()[1].result()  # type: ignore[assignment]
            yield result
    finally:
        for _ in threads:
            inbox.put(_STOP)
        running = []
        for job, future in pending:
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
