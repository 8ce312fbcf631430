"""A total deadline per request: response headers trickled at 1 byte/s cannot hold a run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conformance.engine.profiles import AuthConfig, Profile
from conformance.engine.run.runner import RunOptions, execute

from .conftest import TOKEN, TOKEN_ENV, cli, results_of, write_profile
from .servers import LEASED, TricklingServer


def test_trickled_headers_end_in_transport_deviations_within_the_timeout(tmp_path: Path) -> None:
    with TricklingServer(interval_s=1.0) as server:
        profile = write_profile(tmp_path / "p.yaml", server.url, timeout_s=2)
        started = time.monotonic()
        # the subprocess timeout is the acceptance bound (30 s), a hang guard rather than a benchmark
        done = cli(
            "run",
            "--profile",
            str(profile),
            "--phase",
            "examples",
            "--report-dir",
            "out",
            cwd=tmp_path,
            timeout=30,
        )
        seconds = time.monotonic() - started
        connections = server.connections
    results = results_of(tmp_path / "out")
    transport = [d for d in results["deviations"] if d["check"] == "transport"]
    print(
        f"trickle: {results['stats']['cases']} cases, {len(transport)} transport deviations, "
        f"{connections} connections, run ended after {seconds:.1f} s (timeout_s 2)"
    )
    assert done.returncode == 1, done.stderr
    assert results["stats"]["cases"] == 3
    assert len(transport) == 3
    assert all("deadline" in d["actual"] or "Timeout" in str(d["actual"]) for d in transport), transport


def test_the_time_budget_interrupts_a_request_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with TricklingServer(interval_s=1.0) as server:
        profile = Profile(
            name="slow",
            base_url=server.url,
            auth=AuthConfig("header", TOKEN_ENV),
            senders=(LEASED,),
            timeout_s=60,
            time_budget_s=1.5,
            concurrency=1,  # "no other started" is sequential sending; at N, N are in flight and cut (D42)
            source="test",
        )
        results = execute(RunOptions(profile=profile, phases=("examples",)))
    print(f"time budget 1.5 s, timeout_s 60: {results.stats['sent']} sent, partial: {results.partial_reason}")
    assert results.partial and "time budget" in results.partial_reason
    assert results.verdict == "incomplete"
    assert results.stats["sent"] == 1  # the first request was cut by the run's budget, no other started
    assert not [d for d in results.deviations if d.check == "transport"]  # our budget, not the target's fault
