"""The rate-limit figure: the default gate against a 100 ms-latency loopback server at ``rate_limit: 5/s``.

A live target is far away and rate-limited: the ceiling a live run meets is its profile's rate limit, not
the loopback milliseconds. So the bench writes a profile with ``rate_limit: 5/s`` for the standalone mock
behind ``bench.latency_proxy`` (each answer held 100 ms; both in their own processes) and measures the
requests per second the default gate achieves while it sends, against the 5/s ceiling: sequentially
(``concurrency: 1``) and at the default for a loopback URL (no ``concurrency`` key), in alternating order.

Requests are counted at the mock; the sending window is the span from the first to the last request
piece the proxy saw arrive (``--arrivals``), so start-up, case generation and the report, which a longer
live run dilutes, are left out (the whole process's wall time is in the note). The rate is
(requests - 1) / window: the gaps between requests, which the rate limit spaces. All runs read their
cases from one case cache, which the first run fills.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bench.processes import CACHE_DIR_ENV, MockProcess, Service, run_timed, tool_env
from bench.settings import Settings
from bench.stats import spread
from bench.table import Figure
from bench.throughput import TOKEN_ENV, write_profile

__all__ = [
    "MODES",
    "RATE_LIMIT_PER_S",
    "TARGET_SHARE",
    "GateRun",
    "measure_rate_limit",
    "rate_figures",
    "sending_rate",
]

RATE_LIMIT_PER_S = 5
TARGET_SHARE = 0.9  # of the rate limit, while sending
BUDGET = 20  # max_sends of the profile (the default of a profile)
MODES = {"sequential (concurrency 1)": {"concurrency": 1}, "loopback default concurrency": {}}


@dataclass(frozen=True)
class GateRun:
    """One default gate: exit code, whole-process wall, requests counted at the mock, sending window."""

    returncode: int
    wall_s: float
    requests: int
    window_s: float

    @property
    def rate(self) -> float:
        """Requests per second while sending: the gaps between the first and the last request."""
        return sending_rate(self.requests, self.window_s)


def sending_rate(requests: int, window_s: float) -> float:
    """(requests - 1) / window: ``requests`` spaced over ``window_s`` seconds leave that many gaps."""
    if requests < 2 or window_s <= 0:
        raise ValueError(f"a sending rate needs two requests or more over time: {requests} in {window_s} s")
    return (requests - 1) / window_s


def _arrivals(path: Path) -> list[float]:
    return [float(line) for line in path.read_text(encoding="utf-8").split()] if path.exists() else []


def _run(
    mock: MockProcess, proxy: Service, arrivals: Path, folder: Path, settings: Settings, **extra: object
) -> GateRun:
    folder.mkdir(parents=True)
    profile = write_profile(
        folder / "profile.yaml", proxy.url, max_sends=BUDGET, rate_limit=f"{RATE_LIMIT_PER_S}/s", **extra
    )
    command = [
        sys.executable,
        "-m",
        "conformance.commands.cli",
        "run",
        "--profile",
        str(profile),
        "--quiet",
        "--report-dir",
        str(folder / "report"),
    ]
    seen, before = len(_arrivals(arrivals)), mock.count()
    done = run_timed(
        command,
        cwd=folder,
        env=tool_env(extra={TOKEN_ENV: mock.token, CACHE_DIR_ENV: str(folder.parent / "case-cache")}),
        timeout_s=settings.timeout_s,
    )
    if done.returncode not in (0, 1):
        raise RuntimeError(f"the gate exited {done.returncode}: {done.stderr.strip()[-400:]}")
    times = _arrivals(arrivals)[seen:]
    window = times[-1] - times[0] if times else 0.0
    return GateRun(done.returncode, done.wall_s, (mock.count() - before).total, window)


def measure_rate_limit(folder: Path, settings: Settings) -> list[Figure]:
    """Rounds of the two modes in alternating order; requests per second while sending, against 5/s."""
    arrivals = folder / "arrivals.txt"
    runs: dict[str, list[GateRun]] = {mode: [] for mode in MODES}
    proxy_command = [sys.executable, "-m", "bench.latency_proxy", "--delay-ms", str(settings.latency_ms)]
    with MockProcess(folder / "mock") as mock:
        proxy_command += ["--upstream", mock.url, "--arrivals", str(arrivals)]
        with Service(folder / "proxy", proxy_command, "latency-proxy") as proxy:
            for index in range(settings.rounds):
                order = list(MODES) if index % 2 == 0 else list(reversed(MODES))
                for mode in order:
                    where = folder / f"round-{index + 1}-{mode.split()[0]}"
                    runs[mode].append(_run(mock, proxy, arrivals, where, settings, **MODES[mode]))
                print(
                    f"  round {index + 1}: "
                    + "; ".join(
                        f"{mode.split()[0]} {runs[mode][-1].requests} req in {runs[mode][-1].window_s:.1f} s"
                        for mode in MODES
                    ),
                    flush=True,
                )
    return rate_figures(runs, settings.latency_ms)


def rate_figures(runs: dict[str, list[GateRun]], latency_ms: float) -> list[Figure]:
    """One figure per mode: the share of the rate limit met while sending, median (min-max) over rounds."""
    figures = []
    for mode, done in runs.items():
        share = spread([100 * run.rate / RATE_LIMIT_PER_S for run in done])
        rate = spread([run.rate for run in done])
        figures.append(
            Figure(
                f"gate at rate_limit {RATE_LIMIT_PER_S}/s, {latency_ms:g} ms latency, {mode}",
                share.format("% of the limit", 0),
                f">= {TARGET_SHARE:.0%} of the limit",
                share.median >= 100 * TARGET_SHARE,
                note=f"{rate.format(' req/s')} while sending; requests counted at the mock "
                f"{sorted({run.requests for run in done})}; whole process "
                f"{spread([run.wall_s for run in done]).format(' s', 1)}; exit "
                f"{sorted({run.returncode for run in done})}",
            )
        )
    return figures
