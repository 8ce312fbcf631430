"""The preload (conformance.engine.preload): each task once, by whichever thread asks first; errors
reach the caller; and a run preloads behind its requests only when more than one is in flight."""

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


@pytest.mark.slow
@pytest.mark.parametrize("concurrency", [1, 8])
def test_a_run_s_preload_is_done_before_its_first_request_only_when_it_sends_one_at_a_time(
    concurrency: int, token_env: str
) -> None:
    # sequential: the preload work would hold the GIL while a request is timed, so it runs first; in
    # flight: it starts once the first requests are on their way (so the server has seen some)
    from dataclasses import replace

    from conformance.engine.profiles import AuthConfig, Profile
    from conformance.engine.runner import RunOptions, execute
    from tests.safety.servers import LEASED, LenientSmsServer

    seen_when_preloaded: list[int] = []
    threads: list[str] = []
    with LenientSmsServer(delay_s=0.05) as server:

        def task() -> None:
            seen_when_preloaded.append(server.traffic.requests)
            threads.append(threading.current_thread().name)

        profile = Profile(
            name="loopback",
            base_url=server.url,
            auth=AuthConfig("header", token_env),
            senders=(LEASED,),
            source="test",
        )
        results = execute(
            RunOptions(profile=replace(profile, concurrency=concurrency), max_examples=2, preload=(task,))
        )
    assert results.stats["sent"] > 0 and len(seen_when_preloaded) == 1
    if concurrency == 1:
        assert seen_when_preloaded == [0] and threads == [threading.main_thread().name]
    else:
        assert threads == ["conformance-preload"]
