"""The concurrency figure: the default gate against a 100 ms-latency loopback server, ``concurrency: 8`` vs 1.

The server is the standalone mock behind ``bench.latency_proxy`` (each answer held 100 ms), both in their own
processes. The profile key ``concurrency`` is probed first: while the tool refuses it, the figure is
reported as not available (a missed target) and only the sequential run is measured, for information. Once
the key exists, rounds pair ``concurrency: 1`` with ``concurrency: 8`` under the same send budget, and the
figure also requires the same deviation keys on both sides and no more messages sent (counted by the
mock) than the budget. Both sides read their cases from one case cache that the probe run fills (D43):
generation is the same work on both, so the pair measures sending alone.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.processes import CACHE_DIR_ENV, MockProcess, Service, run_timed, tool_env
from bench.settings import Settings
from bench.stats import paired_ratios, spread
from bench.table import Figure
from bench.throughput import TOKEN_ENV, write_profile

__all__ = ["measure_concurrency"]

TARGET_SPEEDUP = 5.0
CONCURRENCY = 8
BUDGET = 20  # max_sends of both sides
NAME = f"default gate, concurrency {CONCURRENCY} vs 1, 100 ms latency"
_LOOPBACK_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class GateRun:
    returncode: int
    wall_s: float
    stderr: str
    keys: frozenset[str]
    sent_messages: int  # messages the mock accepted (GET /_mock/stats `accepted`)


def _control(mock: MockProcess, method: str, path: str) -> dict[str, object]:
    request = urllib.request.Request(mock.url + path, method=method, headers={"X-Auth-Token": mock.token})
    with _LOOPBACK_OPENER.open(request, timeout=30) as answer:
        loaded: dict[str, object] = json.loads(answer.read() or b"{}")
        return loaded


def _run(
    mock: MockProcess, base_url: str, folder: Path, settings: Settings, cache: Path, **extra: object
) -> GateRun:
    folder.mkdir(parents=True)
    _control(mock, "POST", "/_mock/reset")
    profile = write_profile(folder / "profile.yaml", base_url, max_sends=BUDGET, **extra)
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
    done = run_timed(
        command,
        cwd=folder,
        env=tool_env(extra={TOKEN_ENV: mock.token, CACHE_DIR_ENV: str(cache)}),
        timeout_s=settings.timeout_s,
    )
    keys: frozenset[str] = frozenset()
    results = folder / "report" / "results.json"
    if results.exists():
        data = json.loads(results.read_text(encoding="utf-8"))
        keys = frozenset(str(item["key"]) for item in data.get("deviations", []))  # as the run computed them
    # messages accepted, counted past the store's ring buffer (D44)
    payload = _control(mock, "GET", "/_mock/stats").get("payload", {})
    sent = int(payload.get("accepted", -1)) if isinstance(payload, dict) else -1
    return GateRun(done.returncode, done.wall_s, done.stderr, keys, sent)


def measure_concurrency(folder: Path, settings: Settings) -> list[Figure]:
    """Probe ``concurrency: 8``; measure the pair if the tool accepts it, else the sequential gate alone."""
    target = f">= {TARGET_SPEEDUP:g}x"
    cache = (
        folder / "case-cache"
    )  # one case cache for both sides, filled by the probe: they differ in sending only
    with (
        MockProcess(folder / "mock") as mock,
        Service(
            folder / "proxy",
            [
                sys.executable,
                "-m",
                "bench.latency_proxy",
                "--upstream",
                mock.url,
                "--delay-ms",
                str(settings.latency_ms),
            ],
            "latency-proxy",
        ) as proxy,
    ):
        probe = _run(mock, proxy.url, folder / "probe", settings, cache, concurrency=CONCURRENCY)
        if probe.returncode == 2 and "concurrency" in probe.stderr:
            sequential = _run(mock, proxy.url, folder / "sequential", settings, cache)
            return [
                Figure(
                    f"default gate via {settings.latency_ms:g} ms latency, sequential",
                    f"{sequential.wall_s:.2f} s (1 round), exit {sequential.returncode}",
                    gated=False,
                    note=f"{sequential.sent_messages} messages sent, budget {BUDGET}",
                ),
                Figure(NAME, "not available: the profile has no concurrency key yet", target, None),
            ]
        if probe.returncode not in (0, 1):
            raise RuntimeError(
                f"the gate with concurrency: {CONCURRENCY} exited {probe.returncode}: "
                f"{probe.stderr.strip()[-400:]}"
            )
        one: list[GateRun] = []
        many: list[GateRun] = []
        for index in range(settings.rounds):
            sides = [(1, one), (CONCURRENCY, many)]
            for level, runs in sides if index % 2 == 0 else reversed(sides):
                runs.append(
                    _run(
                        mock,
                        proxy.url,
                        folder / f"round-{index + 1}-c{level}",
                        settings,
                        cache,
                        concurrency=level,
                    )
                )
            print(
                f"  round {index + 1}: concurrency 1 {one[-1].wall_s:.2f} s, "
                f"{CONCURRENCY} {many[-1].wall_s:.2f} s",
                flush=True,
            )
    speedup = spread(paired_ratios([r.wall_s for r in one], [r.wall_s for r in many]))
    same_keys = all(a.keys == b.keys for a, b in zip(one, many, strict=True))
    within_budget = all(0 <= r.sent_messages <= BUDGET for r in one + many)
    exits_ok = all(r.returncode in (0, 1) for r in one + many)
    return [
        Figure(
            NAME,
            speedup.format("x"),
            target,
            speedup.median >= TARGET_SPEEDUP,
            note=f"wall concurrency 1: {spread([r.wall_s for r in one]).format(' s')}; both sides read their "
            "cases from one case cache the probe run filled (D43), so the pair differs only in sending",
        ),
        Figure(
            "  same deviation keys, within the send budget",
            f"keys {'same' if same_keys else 'DIFFER'}, "
            f"sends {max(r.sent_messages for r in one + many)} of {BUDGET}",
            "same, <= budget",
            same_keys and within_budget and exits_ok,
        ),
    ]
