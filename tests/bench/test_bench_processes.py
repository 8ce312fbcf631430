"""The bench's process pieces with real parts: the standalone mock counted at the server, the latency proxy,
and a ``--quick`` smoke run of the cheap figures. No timing is asserted."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bench.processes import ROOT, MockProcess, RequestCount, Service, tool_env

pytestmark = pytest.mark.slow

LOOPBACK_ONLY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _post(url: str, token: str) -> int:
    request = urllib.request.Request(url, method="POST", headers={"X-Auth-Token": token})
    try:
        with LOOPBACK_ONLY.open(request, timeout=30) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_the_standalone_mock_counts_every_request_including_refusals(tmp_path: Path) -> None:
    with MockProcess(tmp_path) as mock:
        assert mock.url.startswith("http://127.0.0.1:")
        assert mock.count() == RequestCount(0, 0, 0)
        sent = _post(f"{mock.url}/rest/sms?FROM=12017771234&TO=14155550100&Message=hi", mock.token)
        refused = _post(f"{mock.url}/rest/sms?FROM=12017771234&TO=14155550100&Message=hi", "wrong-token")
        control = _post(f"{mock.url}/_mock/reset", mock.token)
        assert (sent, refused, control) == (200, 401, 200)
        assert mock.count() == RequestCount(api=2, control=1, invalid=0)


def test_the_latency_proxy_passes_requests_and_answers_through_and_notes_their_arrival(
    tmp_path: Path,
) -> None:
    arrivals = tmp_path / "arrivals.txt"
    command = [sys.executable, "-m", "bench.latency_proxy", "--delay-ms", "20", "--arrivals", str(arrivals)]
    with (
        MockProcess(tmp_path / "mock") as mock,
        Service(tmp_path / "proxy", [*command, "--upstream", mock.url], "proxy") as proxy,
    ):
        assert proxy.url != mock.url
        assert not arrivals.read_text(encoding="utf-8")  # created empty: nothing arrived yet
        status = _post(f"{proxy.url}/rest/sms?FROM=12017771234&TO=14155550100&Message=hi", mock.token)
        assert status == 200
        assert mock.count().api == 1
        times = [float(line) for line in arrivals.read_text(encoding="utf-8").split()]
        assert times and times == sorted(times)  # written before the request went on, so before the answer


def test_the_latency_proxy_refuses_a_non_loopback_upstream() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.latency_proxy", "--upstream", "http://192.0.2.1:80"],
        cwd=ROOT,
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "loopback" in done.stderr


def test_a_quick_run_prints_every_chosen_figure_with_target_and_verdict(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "startup", "hostile", "report"],
        cwd=tmp_path,
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    lines = done.stdout.splitlines()
    for name in ("--version, whole process", "--help, whole process"):
        row = next(line for line in lines if line.startswith(name))
        assert "< 0.5 s" in row and row.rstrip().endswith(("met", "MISSED"))
    for name in ("hostile JSON (too deep)", "hostile JSON (open string)", "check-traffic, hostile HAR"):
        row = next(line for line in lines if line.startswith(name))
        assert row.rstrip().endswith(("met", "MISSED"))
    report = [line for line in lines if line.startswith("report of 1,000 deviations")]
    assert len(report) == 2 and all(line.rstrip().endswith("info") for line in report)
    assert (
        lines[-1] == "all targets met" if done.returncode == 0 else lines[-1].startswith("targets missed: ")
    )
    assert "Traceback" not in done.stderr


def test_bad_options_are_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--rounds", "0"],
        cwd=tmp_path,
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--rounds" in done.stderr and "Traceback" not in done.stderr


def test_every_child_gets_an_empty_case_cache_of_its_own_unless_one_is_named(tmp_path: Path) -> None:
    from bench.processes import CACHE_DIR_ENV

    first, second = (Path(tool_env()[CACHE_DIR_ENV]) for _ in range(2))
    assert first != second and first.is_dir() and not any(first.iterdir())
    assert Path.home() not in first.parents
    assert tool_env(extra={CACHE_DIR_ENV: str(tmp_path)})[CACHE_DIR_ENV] == str(tmp_path)
