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
DRAIN_TIMEOUT_S = 120.0  # at the end, how long the checks may take to catch up
BEHIND = "checks fell behind (queue full)"
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
        self._outbox: Any = context.Queue()
        self._child: BaseProcess = context.Process(
            target=_checking_process,
            args=(checker, self._inbox, self._outbox, writer, os.getpid()),
            name="proxy-checks",
            daemon=True,
        )
        self._queue_limit = queue_limit
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
        elif self._inbox.qsize() >= self._queue_limit or not self._child.is_alive():
            reason = BEHIND
        if reason:
            with self._lock:
                self._not_checked[reason] += 1
            return
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
        """Stop serving, wait for the checks to catch up; the final results, or None if the checking
        process died or could not finish within ``drain_timeout_s``."""
        self.server.stop()
        request = self._request(True, partial, partial_reason, fail_on, invocation)
        results: RunResults | None = None
        if self._child.is_alive():
            self._inbox.put(("results", request))
            deadline = time.monotonic() + drain_timeout_s
            while results is None and time.monotonic() < deadline:
                try:
                    results = self._outbox.get(timeout=0.2)
                except queue.Empty:
                    if not self._child.is_alive():
                        break
        self._child.join(5)
        if self._child.is_alive():
            self._child.kill()
            self._child.join(5)
        for channel in (self._inbox, self._outbox):
            channel.close()
            channel.cancel_join_thread()
        return results

    def _request(
        self, final: bool, partial: bool, reason: str, fail_on: Severity, invocation: Mapping[str, Any]
    ) -> _Request:
        with self._lock:
            not_checked = dict(self._not_checked)
        stats: dict[str, Any] = {f"proxy_{k}": v for k, v in self.server.stats.to_dict().items()}
        stats["proxy_uptime_s"] = round(time.monotonic() - self._started, 3)
        return _Request(final, partial, reason, fail_on, stats, not_checked, dict(invocation))


def _checking_process(
    checker: ObservedChecker, inbox: Any, outbox: Any, writer: Writer | None, parent: int
) -> None:
    """The child: check each record; answer each results request (write it, and for the final one
    send it back). Signals are the parent's to handle; it ends when the parent is gone."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    with contextlib.suppress(OSError):  # on a busy machine the answers go first, the checks catch up
        os.nice(CHECKS_NICENESS)
    crashes: list[Crash] = []
    checked = 0
    last_written, last_cost = 0.0, 0.0
    while True:
        try:
            kind, item = inbox.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        if kind == "record":
            try:
                checker.add(observed_exchange(item))
            except Exception as exc:  # the checker promises not to raise; the proxy does not rely on it
                crashes.append(Crash("observed", "(proxy)", f"{type(exc).__name__}: {exc}"))
            checked += 1
            continue
        if not item.final and time.monotonic() - last_written < FLUSH_SHARE * last_cost:
            continue  # interim reports take at most 1/FLUSH_SHARE of this process's time
        began = time.monotonic()
        results = _assembled(checker, item, crashes, checked)
        if writer is not None and not item.final:
            with contextlib.suppress(OSError):  # an interim report that cannot be written waits for the next
                writer(results)
            last_written = time.monotonic()
            last_cost = last_written - began
        if item.final:
            outbox.put(results)
            return


def _assembled(checker: ObservedChecker, request: _Request, crashes: list[Crash], checked: int) -> RunResults:
    partial, reason = request.partial, request.partial_reason
    behind = request.not_checked.get(BEHIND, 0)
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
