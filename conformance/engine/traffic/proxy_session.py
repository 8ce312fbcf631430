"""The validating proxy as a whole: the transport in this process, the checks in a child process.

The server thread hands each finished exchange to ``submit``, which only puts it on a queue to the
checking process (forked before the server starts, so it holds the same ``ObservedChecker``). The
checks and the periodic flushes (results, report.html, junit.xml) run there, on their own
interpreter lock: the client's latency is the transport's alone. A check that crashes is a
``Crash`` record; a checking process that dies or falls behind leaves the run incomplete, never the
proxy broken (D41). What is forwarded but not checked, and why, is decided in D40.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from multiprocessing.process import BaseProcess
from typing import Any

from conformance.engine.traffic.observed import ObservedChecker, ObservedExchange
from conformance.engine.traffic.proxy_server import ProxyServer
from conformance.engine.traffic.proxy_upstream import Upstream
from conformance.engine.traffic.proxy_wire import ProxyRecord
from conformance.model.deviations import Severity
from conformance.model.redaction import Redactor
from conformance.model.results import Crash, RunResults

__all__ = ["QUEUE_LIMIT", "ProxySession", "observed_exchange"]

QUEUE_LIMIT = 10_000  # exchanges waiting for the checks; past it they are counted, not checked
QUEUE_BYTES = 64 * 1_048_576  # body bytes waiting for the checks; past it, counted, not checked
RECORD_OVERHEAD = 2_048  # what one record costs besides its bodies (headers, URL, pickling)
DRAIN_TIMEOUT_S = 60.0  # at the end, how long the checks may take to catch up (half of it: then they skip)
BEHIND = "checks fell behind (queue full)"
STOPPED = "the run stopped before the checks reached them"
CHECKS_NICENESS = 10  # the checking process yields the CPU to the transport (and the target) when contended
FLUSH_SHARE = 4.0  # an interim report is skipped until 4x the time the last one took has passed
Writer = Callable[[RunResults], object]


def observed_exchange(record: ProxyRecord) -> ObservedExchange:
    """The checker's view of what the proxy forwarded (the upstream hop: Host as the upstream saw it)."""
    return ObservedExchange(
        method=record.method,
        url=record.url,
        request_headers=record.request_headers,
        request_body=record.request_body,
        status=record.status,
        response_headers=record.response_headers,
        response_body=record.response_body,
        body_truncated=record.response_truncated,
        started_at=record.started_at,
        elapsed_ms=record.elapsed_ms,
        error=record.error or None,
    )


@dataclass(frozen=True)
class _Request:
    """What the proxy asks of the checking process: results as of now, with the transport's counters."""

    final: bool
    partial: bool
    partial_reason: str
    fail_on: Severity
    stats: Mapping[str, Any]
    not_checked: Mapping[str, int]
    invocation: Mapping[str, Any]


class ProxySession:
    """``start()`` forks the checking process and serves; ``flush()`` has it write the results so far;
    ``finish()`` stops serving, lets the checks catch up and returns the final results (or None)."""

    def __init__(
        self,
        checker: ObservedChecker,
        upstream: Upstream,
        *,
        writer: Writer | None = None,
        ssl_context: ssl.SSLContext | None = None,
        bind: str = "127.0.0.1",
        port: int = 0,
        timeout_s: float = 30.0,
        max_exchanges: int | None = None,
        queue_limit: int = QUEUE_LIMIT,
        queue_bytes: int = QUEUE_BYTES,
    ) -> None:
        self.checker = checker
        self.server = ProxyServer(
            upstream,
            self.submit,
            ssl_context=ssl_context,
            bind=bind,
            port=port,
            timeout_s=timeout_s,
            max_exchanges=max_exchanges,
        )
        context = multiprocessing.get_context("fork")
        self._inbox: Any = context.Queue()
        # results come back on a pipe, not a Queue: the child's send has reached the pipe when it returns
        # (a Queue's feeder thread may still hold it when the child dies right after), and a thread
        # here reads it at once, so the child never waits on a full pipe
        self._outbox, outbox_end = context.Pipe(duplex=False)
        self._child_outbox_end = outbox_end
        self._queued_bytes: Any = context.Value("q", 0)  # in the inbox, not yet taken by the child
        self._stopping: Any = context.Event()  # set at the end: the child skips what it has not reached
        self._child: BaseProcess = context.Process(
            target=_checking_process,
            args=(
                checker,
                _Channels(self._inbox, outbox_end, self._queued_bytes, self._stopping),
                writer,
                os.getpid(),
            ),
            name="proxy-checks",
            daemon=True,
        )
        self._queue_limit = queue_limit
        self._queue_bytes = queue_bytes
        self._last_interim: RunResults | None = None
        self._final: RunResults | None = None
        self._results_done = False  # the child's end of the pipe is closed: nothing more will come
        self._results = threading.Condition()
        self._reader = threading.Thread(target=self._read_results, name="proxy-results", daemon=True)
        self._lock = threading.Lock()
        self._not_checked: Counter[str] = Counter()
        self._started = time.monotonic()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def limit_reached(self) -> threading.Event:
        return self.server.limit_reached

    def start(self) -> ProxySession:
        self._child.start()  # before the server's threads exist: the fork copies one thread only
        self._child_outbox_end.close()  # the child's alone now: its death ends the reader's pipe
        self._reader.start()
        try:
            self.server.start()
        except BaseException:
            self._child.kill()
            raise
        self._started = time.monotonic()
        return self

    def submit(self, record: ProxyRecord) -> None:
        """Called by the server thread for every finished exchange; never blocks."""
        reason = ""
        if record.error_side == "client":
            reason = "client went away mid-exchange"
        elif record.request_truncated:
            reason = "request body past the body cap"
        size = _cost(record)
        if not reason and (
            self._inbox.qsize() >= self._queue_limit
            or self._queued_bytes.value + size > self._queue_bytes
            or not self._child.is_alive()
        ):
            reason = BEHIND
        if reason:
            with self._lock:
                self._not_checked[reason] += 1
            return
        with self._queued_bytes.get_lock():
            self._queued_bytes.value += size
        self._inbox.put_nowait(("record", record))

    def flush(self, partial_reason: str, fail_on: Severity, invocation: Mapping[str, Any]) -> None:
        """Have the checking process write the results so far, marked partial (after what it holds)."""
        if self._child.is_alive():
            self._inbox.put_nowait(
                ("results", self._request(False, True, partial_reason, fail_on, invocation))
            )

    def finish(
        self,
        *,
        partial: bool,
        partial_reason: str,
        fail_on: Severity,
        invocation: Mapping[str, Any],
        drain_timeout_s: float = DRAIN_TIMEOUT_S,
    ) -> RunResults | None:
        """Stop serving, have the checks finish what they hold; the final results. Within
        ``drain_timeout_s`` after the stop, what the checks have not reached is skipped (counted, not
        checked), so the end is bounded. If the checking process died, the last interim results it
        sent stand (marked partial), or None when there are none."""
        self.server.stop()
        request = self._request(True, partial, partial_reason, fail_on, invocation)
        if self._child.is_alive():
            self._inbox.put(("results", request))
            deadline = time.monotonic() + drain_timeout_s
            skip_at = time.monotonic() + drain_timeout_s / 2
            with self._results:
                while self._final is None and not self._results_done and time.monotonic() < deadline:
                    if time.monotonic() >= skip_at:
                        self._stopping.set()
                    self._results.wait(0.2)
        with self._results:
            results, interim = self._final, self._last_interim
        if results is None and interim is not None:
            results = replace(
                interim,
                partial=True,
                partial_reason="the checks did not finish; these are the last interim results",
            )
        self._child.join(5)
        if self._child.is_alive():
            self._child.kill()
            self._child.join(5)
        self._inbox.close()
        self._inbox.cancel_join_thread()
        self._reader.join(5)  # the child is gone: its end of the pipe is closed, the reader ends
        self._outbox.close()
        return results

    def _read_results(self) -> None:
        """Keep the newest interim results and the final ones, as the checking process sends them."""
        while True:
            try:
                final, got = self._outbox.recv()
            except Exception:  # the child ended (EOF), or died mid-send: nothing more comes
                break
            with self._results:
                if final:
                    self._final = got
                else:
                    self._last_interim = got
                self._results.notify_all()
        with self._results:
            self._results_done = True
            self._results.notify_all()

    def _request(
        self, final: bool, partial: bool, reason: str, fail_on: Severity, invocation: Mapping[str, Any]
    ) -> _Request:
        with self._lock:
            not_checked = dict(self._not_checked)
        stats: dict[str, Any] = {f"proxy_{k}": v for k, v in self.server.stats.to_dict().items()}
        stats["proxy_uptime_s"] = round(time.monotonic() - self._started, 3)
        return _Request(final, partial, reason, fail_on, stats, not_checked, dict(invocation))


@dataclass(frozen=True)
class _Channels:
    """What links the proxy and its checking process."""

    inbox: Any
    outbox: Any
    queued_bytes: Any
    stopping: Any


def _cost(record: ProxyRecord) -> int:
    return len(record.request_body) + len(record.response_body) + RECORD_OVERHEAD


def _checking_process(
    checker: ObservedChecker, channels: _Channels, writer: Writer | None, parent: int
) -> None:
    """The child: check each record; answer each results request (write it, and for the final one
    send it back). Signals are the parent's to handle; it ends when the parent is gone."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    with contextlib.suppress(OSError):  # on a busy machine the answers go first, the checks catch up
        os.nice(CHECKS_NICENESS)
    crashes: list[Crash] = []
    checked = skipped = 0
    last_written, last_cost = 0.0, 0.0
    while True:
        try:
            kind, item = channels.inbox.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        if kind == "record":
            with channels.queued_bytes.get_lock():
                channels.queued_bytes.value -= _cost(item)
            if channels.stopping.is_set():
                skipped += 1
                continue
            try:
                checker.add(observed_exchange(item))
            except Exception as exc:  # the checker promises not to raise; the proxy does not rely on it
                crashes.append(Crash("observed", "(proxy)", f"{type(exc).__name__}: {exc}"))
            checked += 1
            continue
        if not item.final and time.monotonic() - last_written < FLUSH_SHARE * last_cost:
            continue  # interim reports take at most 1/FLUSH_SHARE of this process's time
        began = time.monotonic()
        if skipped:
            item = replace(item, not_checked={**item.not_checked, STOPPED: skipped})
        results = _assembled(checker, item, crashes, checked)
        if writer is not None and not item.final:
            with contextlib.suppress(OSError):  # the proxy keeps the newest, in case the end fails
                channels.outbox.send((False, results))
            with contextlib.suppress(OSError):  # an interim report that cannot be written waits for the next
                writer(results)
            last_written = time.monotonic()
            last_cost = last_written - began
        if item.final:
            with contextlib.suppress(OSError):  # the proxy is gone: nobody to answer
                channels.outbox.send((True, results))
            return


def _assembled(checker: ObservedChecker, request: _Request, crashes: list[Crash], checked: int) -> RunResults:
    partial, reason = request.partial, request.partial_reason
    behind = request.not_checked.get(BEHIND, 0) + request.not_checked.get(STOPPED, 0)
    if behind and not partial:
        partial = True
        reason = f"{behind} forwarded exchange(s) were not checked: the checks fell behind"
    results = checker.results(
        partial=partial, partial_reason=reason, fail_on=request.fail_on, command="proxy"
    )
    stats = {**results.stats, **request.stats}
    stats["proxy_checked"] = checked
    stats["proxy_not_checked"] = sum(request.not_checked.values())
    stats["proxy_not_checked_by_reason"] = dict(sorted(request.not_checked.items()))
    merged = replace(
        results, stats=stats, crashes=(*results.crashes, *crashes), invocation=request.invocation
    )
    # the tokens the checker learned in this process are in its own copy of the command's secrets
    return merged.redacted(Redactor(checker.known_secrets.secrets()))
