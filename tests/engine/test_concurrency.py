"""Concurrency (D42): the same deviation keys as a sequential run, the budget and 429 back-off shared.

Every target here is a real loopback server: the embedded mock in its own process, the lenient
counting server of the safety tests, and a server that answers its first request with a 429.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from support import LoopbackHandler, LoopbackHTTPServer

from conformance.engine.phases import LIFECYCLE_PHASE
from conformance.engine.profiles import AuthConfig, Profile, ProfileError, load_profile, mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.engine.sending.inflight import Ready, in_order
from conformance.model.results import PhaseStats, RunResults
from tests.safety.servers import LEASED, LenientSmsServer

from .conftest import TOKEN, TOKEN_ENV
from .test_cli import cli

# order-independent faults: each answer depends on the request alone, so a sequential and a concurrent
# run see the same answers. They cover controls and variant probes (leading_zeros_refused), repeats
# (validation_as_500: 5xx answers are repeated), run-level checks (lease_deleted, thread_per_message)
FAULTS = (
    "to_as_string",
    "leading_zeros_refused",
    "validation_as_500",
    "lease_deleted",
    "thread_per_message",
)


def _run(concurrency: int, **changes: object) -> RunResults:
    # no latency budget: response_time judges timing, which concurrency changes by design (D42)
    profile = replace(
        mock_profile(faults=FAULTS),
        concurrency=concurrency,
        latency_budget_ms=None,
        **changes,  # type: ignore[arg-type]
    )
    # a spent budget sends a sample on purpose here: accepted as such (D55), so the run is complete
    return execute(RunOptions(profile=profile, seed=3, max_examples=8, min_coverage=0))


def _sends(results: RunResults) -> int:
    """The requests of a run but its life-cycle reads."""
    return int(results.stats["sent"]) - _phase(results, LIFECYCLE_PHASE)[0]


def _phase_row(phase: PhaseStats) -> tuple[object, ...]:
    if phase.name == LIFECYCLE_PHASE:
        return (phase.name,)  # its reads are planned as they go
    return (phase.name, phase.sent, phase.skipped, phase.status_counts)


def _phase(results: RunResults, name: str) -> tuple[int, int]:
    found = [(p.sent, p.skipped) for p in results.phases if p.name == name]
    return found[0] if found else (0, 0)


@pytest.mark.slow
@pytest.mark.parametrize("max_sends", [100_000, 60], ids=["probes-and-repeats", "budget-spent"])
def test_concurrency_8_finds_the_same_deviation_keys_in_the_same_order_as_a_sequential_run(
    max_sends: int,
) -> None:
    sequential, concurrent = _run(1, max_sends=max_sends), _run(8, max_sends=max_sends)
    keys = [d.key for d in sequential.deviations]
    print(
        f"deviations {len(keys)} (distinct keys {len(set(keys))}), sent {sequential.stats['sent']}, "
        f"skipped for the budget {sequential.stats['skipped_budget']}, "
        f"probes {_phase(sequential, 'variants')}, "
        f"repeats {_phase(sequential, 'repeats')}"
    )
    assert [d.key for d in concurrent.deviations] == keys  # case order, not completion order
    assert {d.check for d in sequential.deviations} >= {
        "response_schema",
        "valid_data_rejected",
        "rejection_status",
        "lease_live",
        "thread_per_pair",
    }
    if max_sends == 100_000:  # the phases that depend on earlier answers ran
        assert _phase(sequential, "variants")[0] > 0 and _phase(sequential, "repeats")[0] > 0
    else:  # the budget stopped cases, probes and repeats part-way
        assert sequential.stats["skipped_budget"] > 0 and _phase(sequential, "repeats")[1] > 0
    for stat in ("skipped_budget", "sends_used", "positive_total", "positive_2xx", "repeats_sent"):
        assert concurrent.stats[stat] == sequential.stats[stat], stat
    # the life-cycle reads follow the messages in time, so their number moves with the pace (D68);
    # every other request is the same, and the same messages are followed and found
    assert _sends(concurrent) == _sends(sequential)
    assert [_phase_row(p) for p in concurrent.phases] == [_phase_row(p) for p in sequential.phases]
    for figure in ("followed", "found", "terminal"):
        assert concurrent.stats["lifecycle"][figure] == sequential.stats["lifecycle"][figure], figure
    assert not concurrent.partial and not concurrent.crashes


def _lenient_profile(server: LenientSmsServer, concurrency: int, max_sends: int) -> Profile:
    return replace(_lenient_profile_for(server.url, (LEASED,)), max_sends=max_sends, concurrency=concurrency)


def _lenient_profile_for(url: str, senders: tuple[str, ...]) -> Profile:
    return Profile(
        name="loopback", base_url=url, auth=AuthConfig("header", TOKEN_ENV), senders=senders, source="test"
    )


@pytest.mark.slow
def test_concurrency_8_never_sends_more_than_the_budget_counted_at_the_server(token_env: str) -> None:
    sent: dict[int, list[dict[str, str]]] = {}
    for level in (8, 1):
        with LenientSmsServer() as server:
            results = execute(
                RunOptions(profile=_lenient_profile(server, level, max_sends=7), seed=2, max_examples=6)
            )
            counted = server.traffic.naming_leased
            print(
                f"concurrency {level}: server counted {counted} requests naming the leased sender, "
                f"max_sends 7, sends_used {results.stats['sends_used']}, {server.traffic.requests} in all"
            )
            assert 0 < counted <= 7
            assert results.stats["sends_used"] == counted
            assert results.stats["skipped_budget"] > 0  # the budget, not a lack of cases, stopped them
            sent[level] = sorted(server.traffic.sends, key=json.dumps)
    assert sent[8] == sent[1]  # the budget is reserved in case order: the same requests got through


class _ThrottleOnce(LoopbackHandler):
    """The first request gets 429 with Retry-After: 1; every request's arrival time is kept."""

    server: _ThrottlingServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.arrivals.append(time.monotonic())
            first = self.server.throttled_at is None
            if first:
                self.server.throttled_at = time.monotonic()
        body = json.dumps({"success": False, "status": 429 if first else 400, "message": "x"}).encode()
        self.send_response(429 if first else 400)
        if first:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _ThrottlingServer(LoopbackHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ThrottleOnce)
        self.lock = threading.Lock()
        self.arrivals: list[float] = []
        self.throttled_at: float | None = None


@pytest.fixture
def throttling() -> Iterator[_ThrottlingServer]:
    server = _ThrottlingServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.slow
def test_a_429_pauses_every_worker_not_only_the_one_that_got_it(
    token_env: str, throttling: _ThrottlingServer
) -> None:
    host, port = throttling.server_address[:2]
    profile = Profile(
        name="throttling",
        base_url=f"http://{host}:{port}",
        auth=AuthConfig("header", TOKEN_ENV),
        senders=(LEASED,),
        max_sends=1000,
        concurrency=8,
        source="test",
    )
    results = execute(RunOptions(profile=profile, seed=1, max_examples=4, send_repeats=False))
    assert throttling.throttled_at is not None
    during = [t for t in throttling.arrivals if throttling.throttled_at < t < throttling.throttled_at + 0.8]
    print(
        f"{len(throttling.arrivals)} requests; {len(during)} arrived in the 0.8 s after the 429 "
        f"(at most the 7 other workers' requests already on their way); waited {results.stats['waited_s']} s"
    )
    assert len(throttling.arrivals) > 40  # without the shared pause, 7 workers would fill the window
    assert len(during) <= 7
    assert results.stats["throttle_resends"] == 1 and results.stats["throttled_unresolved"] == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("value", "why"),
    [("0", "minimum"), ("65", "maximum"), ("eight", "integer"), ("true", "integer"), ("2.5", "integer")],
)
def test_a_bad_concurrency_is_refused_naming_the_file_and_the_field(
    tmp_path: Path, value: str, why: str
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: p\nbase_url: http://127.0.0.1:9\nauth: {method: header, token_env: X}\n"
        f"senders: ['12017771234']\nconcurrency: {value}\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as raised:
        load_profile(str(path))
    message = str(raised.value)
    assert str(path) in message and "'concurrency'" in message and "1 to 64" in message
    assert why in message
    done = cli("run", "--profile", str(path), "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 2 and "'concurrency'" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_concurrency_defaults_and_the_cli_override(tmp_path: Path) -> None:
    loopback = Profile("l", "http://127.0.0.1:8080", AuthConfig("header", "X"), ("12017771234",))
    live = replace(loopback, base_url="https://api.example.org", live=True)
    assert (loopback.in_flight, live.in_flight, mock_profile().in_flight) == (8, 1, 1)
    assert replace(live, concurrency=4).in_flight == 4
    assert live.with_overrides(concurrency=16).in_flight == 16
    with pytest.raises(ProfileError, match="--concurrency 0"):
        live.with_overrides(concurrency=0)
    done = cli("run", "--concurrency", "65", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 2 and "--concurrency 65" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_target_throttling_every_second_request_is_evaluated_case_by_case_at_concurrency_8(
    token_env: str,
) -> None:
    from conformance.mock.config import MockConfig
    from conformance.mock.server import MockServer
    from tests.runlevel.throttling_proxy import throttling_proxy

    with (
        MockServer(MockConfig(token=TOKEN)) as mock,
        throttling_proxy(mock.url, every=2, retry_after="0") as proxy,
    ):
        profile = replace(
            _lenient_profile_for(proxy.url, mock.config.senders), concurrency=8, max_sends=10_000
        )
        results = execute(RunOptions(profile=profile, seed=4, max_examples=3))
        throttled_by_proxy = proxy.throttled
    stats = results.stats
    print(
        f"proxy throttled {throttled_by_proxy}, rate_limited {stats['rate_limited']}, "
        f"throttled cases {stats['throttled_cases']}, re-sends {stats['throttle_resends']}"
    )
    assert not results.partial, results.partial_reason
    assert stats["throttled_unresolved"] == 0 and stats["rate_limited"] == throttled_by_proxy > 10
    for phase in results.phases:
        if phase.name in ("variants", "repeats"):
            continue
        answered = phase.sent - phase.status_counts.get("429", 0)
        assert answered == phase.cases - phase.skipped, phase  # each planned case got a real answer once
    assert [d for d in results.deviations if d.severity.value == "error"] == []


@pytest.mark.slow
def test_the_time_budget_ends_every_request_in_flight_at_concurrency_8(token_env: str) -> None:
    from tests.safety.servers import TricklingServer

    with TricklingServer(interval_s=1.0) as server:
        profile = replace(
            _lenient_profile_for(server.url, (LEASED,)), timeout_s=60, time_budget_s=1.5, concurrency=8
        )
        # negative-only: no preflight goes alone first (D55), so every case is in flight together
        results = execute(RunOptions(profile=profile, phases=("examples",), negative_only=True))
    print(f"time budget 1.5 s at concurrency 8: {results.stats['sent']} sent, {results.partial_reason}")
    assert results.partial and "time budget" in results.partial_reason
    assert results.stats["sent"] == results.stats["cases"] == 2  # both in flight, both cut by our budget
    assert not [d for d in results.deviations if d.check == "transport"]  # our budget, not the target's fault


def _barrier_job(barrier: threading.Barrier, value: int) -> Callable[[], int]:
    def job() -> int:
        barrier.wait(timeout=5)  # BrokenBarrierError unless `parties` jobs are on the wire together
        return value

    return job


def test_cases_refused_by_the_budget_take_no_place_among_the_requests_in_flight() -> None:
    # 8 real jobs, each behind 3 Ready ones (a run whose budget refuses most cases): all 8 must be
    # running at once, so a window that counted the Ready ones (8 places, 6 of them Ready) would break
    barrier = threading.Barrier(8)
    jobs: list[Callable[[], int]] = []
    for n in range(8):
        jobs += [Ready(-n - 1)] * 3 + [_barrier_job(barrier, n)]
    got = list(in_order(iter(jobs), 8))
    assert got == [v for n in range(8) for v in [-n - 1] * 3 + [n]]  # job order, Ready ones included


def test_workers_keep_sending_ahead_while_the_caller_is_busy_with_an_answer() -> None:
    # the caller holds the first answer until 12 jobs have started: only a window of more than 8
    # made-ahead jobs lets the workers go on meanwhile
    started = threading.Semaphore(0)

    def job(value: int) -> Callable[[], int]:
        def run() -> int:
            started.release()
            return value

        return run

    answers = in_order(iter([job(n) for n in range(20)]), 8, ahead=16)
    assert next(answers) == 0
    for _ in range(12):
        assert started.acquire(timeout=5), "the workers stopped while the caller held an answer"
    assert list(answers) == list(range(1, 20))


@pytest.mark.parametrize(("workers", "made_before"), [(1, 1), (8, 5)])
def test_started_is_called_once_when_the_first_jobs_are_on_their_way(workers: int, made_before: int) -> None:
    # sequential: just before the first job runs; in flight: once the first window is queued (here all
    # five jobs, since Ready ones take no place in it)
    calls: list[int] = []
    made: list[int] = []

    def jobs() -> Iterator[Callable[[], int]]:
        for n in range(5):
            made.append(n)
            yield Ready(n)

    got = list(in_order(jobs(), workers, started=lambda: calls.append(len(made))))
    assert got == [0, 1, 2, 3, 4]
    assert calls == [made_before]
