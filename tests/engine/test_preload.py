"""The preload (conformance.engine.preload): each task once, by whichever thread asks first; errors
reach the caller; and a run's checks are ready through it, with the same results as without it."""

from __future__ import annotations

import threading

import pytest

from conformance.engine.preload import Preload


def test_a_task_runs_once_when_the_caller_asks_while_the_thread_computes_it() -> None:
    entered, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow() -> str:
        calls.append(threading.current_thread().name)
        entered.set()
        release.wait(5)
        return "value"

    preload = Preload()
    get = preload.add(slow)
    preload.start()
    assert entered.wait(5)
    waiter: list[str] = []
    caller = threading.Thread(target=lambda: waiter.append(get()))
    caller.start()
    release.set()
    caller.join(5)
    preload.finish()
    assert waiter == ["value"] and get() == "value"
    assert calls == ["conformance-preload"]  # made once, on the preload thread


def test_tasks_run_in_order_and_a_task_nobody_started_is_made_by_its_caller() -> None:
    order: list[str] = []
    preload = Preload()
    first = preload.add(lambda: order.append("first") or 1)
    second = preload.add(lambda: order.append("second") or 2)
    assert second() == 2 and order == ["second"]  # not started: the caller makes it itself
    preload.start()
    preload.finish()
    assert first() == 1 and order == ["second", "first"]  # the thread skipped the one already made


def test_a_task_s_error_is_raised_to_its_caller_every_time() -> None:
    def broken() -> None:
        raise ValueError("template missing")

    preload = Preload()
    get = preload.add(broken)
    after = preload.add(lambda: "still made")
    preload.start()
    preload.finish()
    for _ in range(2):
        with pytest.raises(ValueError, match="template missing"):
            get()
    assert after() == "still made"  # one failing task does not stop the others
