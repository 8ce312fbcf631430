"""The validating proxy as a whole: the transport, and the checks off the response path.

The server thread hands each finished exchange to ``submit``, which only puts it on a bounded
queue; one worker thread takes exchanges off it and calls ``ObservedChecker.add``. The client's
latency is therefore the transport's alone, and a check that crashes (or a checker that raises)
becomes a ``Crash`` record, never a failure of the proxy. ``results`` can be called at any time
(the periodic flush) and merges the transport's counters into the checker's ``RunResults``.
What is forwarded but not checked, and why, is decided in D40.
"""

from __future__ import annotations

import queue
import ssl
import threading
import time
from collections import Counter
from dataclasses import replace

from conformance.engine.observed import ObservedChecker, ObservedExchange
from conformance.engine.proxy_server import ProxyServer
from conformance.engine.proxy_upstream import Upstream
from conformance.engine.proxy_wire import ProxyRecord
from conformance.model.deviations import Severity
from conformance.model.results import Crash, RunResults

__all__ = ["QUEUE_LIMIT", "ProxySession", "observed_exchange"]

QUEUE_LIMIT = 10_000  # exchanges waiting for the checks; past it they are counted, not checked
DRAIN_TIMEOUT_S = 120.0  # at the end, how long the checks may take to catch up


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


class ProxySession:
    """``start()`` serves and checks; ``stop()`` stops serving and lets the checks catch up."""

    def __init__(
        self,
        checker: ObservedChecker,
        upstream: Upstream,
        *,
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
        self._queue: queue.Queue[ProxyRecord | None] = queue.Queue(maxsize=queue_limit)
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self._crashes: list[Crash] = []
        self._not_checked: Counter[str] = Counter()
        self._checked = 0
        self._started = time.monotonic()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def limit_reached(self) -> threading.Event:
        return self.server.limit_reached

    def start(self) -> ProxySession:
        self._worker = threading.Thread(target=self._work, name="proxy-checks", daemon=True)
        self._worker.start()
        self.server.start()
        self._started = time.monotonic()
        return self

    def stop(self, drain_timeout_s: float = DRAIN_TIMEOUT_S) -> None:
        """Stop the server (requests in flight finish), then wait for the checks to catch up."""
        self.server.stop()
        worker, self._worker = self._worker, None
        if worker is None:
            return
        deadline = time.monotonic() + drain_timeout_s
        while True:  # the sentinel goes in even when the queue is full: wait for room, bounded
            try:
                self._queue.put(None, timeout=0.1)
                break
            except queue.Full:
                if time.monotonic() > deadline:
                    break
        worker.join(max(0.0, deadline - time.monotonic()))

    # -- off the response path -------------------------------------------------------------------

    def submit(self, record: ProxyRecord) -> None:
        """Called by the server thread for every finished exchange; never blocks."""
        if record.error_side == "client":
            self._count_not_checked("client went away mid-exchange")
            return
        if record.request_truncated:
            self._count_not_checked("request body past the body cap")
            return
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            self._count_not_checked("checks fell behind (queue full)")

    def _count_not_checked(self, reason: str) -> None:
        with self._lock:
            self._not_checked[reason] += 1

    def _work(self) -> None:
        while True:
            record = self._queue.get()
            if record is None:
                return
            try:
                self.checker.add(observed_exchange(record))
            except Exception as exc:  # the checker promises not to raise; the proxy does not rely on it
                with self._lock:
                    self._crashes.append(Crash("observed", "(proxy)", f"{type(exc).__name__}: {exc}"))
            with self._lock:
                self._checked += 1

    # -- results ---------------------------------------------------------------------------------

    def pending(self) -> int:
        """Exchanges waiting for their checks."""
        return self._queue.qsize()

    def results(
        self, *, partial: bool, partial_reason: str = "", fail_on: Severity = Severity.ERROR
    ) -> RunResults:
        """Everything checked so far, with the transport's counters; marked partial as asked, or when
        exchanges were left unchecked because the checks fell behind or were still running."""
        with self._lock:
            crashes = tuple(self._crashes)
            not_checked = Counter(self._not_checked)
            checked = self._checked
        waiting = self.pending()
        if waiting:
            not_checked["checks still running"] += waiting
        behind = not_checked["checks fell behind (queue full)"] + not_checked["checks still running"]
        if behind and not partial:
            partial = True
            partial_reason = f"{behind} forwarded exchange(s) were not checked: the checks fell behind"
        results = self.checker.results(
            partial=partial, partial_reason=partial_reason, fail_on=fail_on, command="proxy"
        )
        stats = dict(results.stats)
        stats.update({f"proxy_{name}": value for name, value in self.server.stats.to_dict().items()})
        stats["proxy_checked"] = checked
        stats["proxy_not_checked"] = sum(not_checked.values())
        stats["proxy_not_checked_by_reason"] = dict(sorted(not_checked.items()))
        stats["proxy_uptime_s"] = round(time.monotonic() - self._started, 3)
        return replace(results, stats=stats, crashes=(*results.crashes, *crashes))
