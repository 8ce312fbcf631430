"""Work a run will need later, done on a daemon thread while its first requests wait for their answers.

A run's process spends most of its wall time blocked on sockets, and before the first request can
leave it has only to read the profile, the cases and the client. What it needs afterwards (the checks
and jsonschema, the contract and its variants, each secret's redaction pattern, the report templates)
is prepared by a :class:`Preload` while the first requests are on the wire.

Each task is computed once, by whichever thread asks for it first: the preload thread in its turn,
or the run's own thread calling the getter that :meth:`Preload.add` returned, which waits while the
preload thread is computing it. A task's exception is raised to the caller of its getter, so a
failing task fails where it would have failed without the preload. The run's thread calls
:meth:`Preload.finish` before it imports anything lazily itself: while two threads import at once,
a circular import between them could see a half-initialised module.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Preload"]

T = TypeVar("T")
SWITCH_INTERVAL_S = 0.0005


class _Task(Generic[T]):
    """One value, made at most once by whichever thread asks first."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._done = False
        self._value: T | None = None
        self._error: BaseException | None = None

    def __call__(self) -> T:
        if not self._done:
            with self._lock:
                if not self._done:
                    try:
                        self._value = self._make()
                    except Exception as exc:  # kept for whoever asks: raised there, as without preload
                        self._error = exc
                    self._done = True
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # set when _done and no error


class Preload:
    """Tasks run in the order added, on one daemon thread once :meth:`start` is called."""

    def __init__(self) -> None:
        self._tasks: list[_Task[object]] = []
        self._thread: threading.Thread | None = None

    def add(self, make: Callable[[], T]) -> Callable[[], T]:
        """Queue ``make``; the returned getter gives its value (computing it now if not yet started)."""
        task = _Task(make)
        self._tasks.append(task)  # type: ignore[arg-type]
        return task

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run_beside, name="conformance-preload", daemon=True)
            self._thread.start()

    def run_here(self) -> None:
        """Every task now, in the caller's thread (a run that wants nothing done behind its back)."""
        self._run()

    def _run(self) -> None:
        for task in self._tasks:
            try:
                task()
            except Exception:  # kept by the task for its caller; a warm-up nobody asks for is moot
                continue

    def _run_beside(self) -> None:
        """The preload thread: while it works, the interpreter switches threads every 0.5 ms instead
        of 5 ms, so a sender woken by its answer gets the GIL at once, not after a slice of imports."""
        interval = sys.getswitchinterval()
        sys.setswitchinterval(min(interval, SWITCH_INTERVAL_S))
        try:
            self._run()
        finally:
            sys.setswitchinterval(interval)

    def finish(self) -> None:
        """Every task done (by either thread): afterwards the caller's own imports are not concurrent."""
        if self._thread is not None:
            self._thread.join()
