"""The proxy figure: latency the validating proxy adds per request, and throughput proxied vs direct.

One standalone mock (its own process) and one ``opentact-conformance proxy`` in front of it (its own
process, checks on, flushing as shipped). Each round runs two whole client processes, one straight to
the mock and one through the proxy, in alternating order; each client sends the same documented send
``--requests`` times, one after another on one kept-alive connection, and reports every latency. Per
round: p50 and p99 added (proxied minus direct) and the throughput ratio (proxied over direct requests
per second); the figures are the median (min-max) over the rounds, shown as information (loopback
milliseconds are not a target). Requests are counted at the mock:
both sides must have sent exactly what they said, the proxy nothing more.

    python -m bench.proxy_overhead --client URL --requests N   # one client process (used by the bench)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.processes import TOKEN, MockProcess, Service, run_timed, tool_env
from bench.settings import Settings
from bench.stats import paired_ratios, spread
from bench.table import Figure

__all__ = ["measure_proxy_overhead"]

PATH = "/rest/sms?FROM=12017771234&TO=14155550100&Message=bench"


@dataclass(frozen=True)
class ClientRun:
    p50_ms: float
    p99_ms: float
    rate: float  # requests per second over the sending loop
    requests: int


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _client(url: str, requests: int) -> int:
    """One whole client process: ``requests`` sends, then one JSON line of its latencies."""
    import httpx

    latencies: list[float] = []
    with httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
        client.post(PATH, headers={"X-Auth-Token": TOKEN})  # the connection is opened before timing
        started = time.perf_counter()
        for _ in range(requests):
            sent = time.perf_counter()
            answer = client.post(PATH, headers={"X-Auth-Token": TOKEN})
            latencies.append((time.perf_counter() - sent) * 1000)
            if answer.status_code != 200:
                print(f"unexpected status {answer.status_code}", file=sys.stderr)
                return 1
        wall = time.perf_counter() - started
    summary = {
        "p50_ms": statistics.median(latencies),
        "p99_ms": _quantile(latencies, 0.99),
        "rate": requests / wall,
        "requests": requests + 1,
    }
    print(json.dumps(summary))
    return 0


def _side(url: str, folder: Path, settings: Settings) -> ClientRun:
    command = [
        sys.executable,
        "-m",
        "bench.proxy_overhead",
        "--client",
        url,
        "--requests",
        str(settings.proxy_requests),
    ]
    done = run_timed(command, cwd=folder, env=tool_env(), timeout_s=settings.timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"client against {url} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return ClientRun(float(data["p50_ms"]), float(data["p99_ms"]), float(data["rate"]), int(data["requests"]))


def _cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of ``pid`` and its children (the checking process), from /proc."""
    if pid is None:
        return 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for process in (str(pid), *children):
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return 0.0
    return total / os.sysconf("SC_CLK_TCK")


def _settled_cpu_s(pid: int | None, *, quiet_s: float = 0.5, limit_s: float = 60.0) -> float:
    """The proxy's CPU seconds once they stop growing (its checking process has caught up)."""
    deadline = time.monotonic() + limit_s
    last = _cpu_s(pid)
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        now = _cpu_s(pid)
        if now - last < 0.02:  # less than 4% of a core over the pause: idle but for its flush timer
            return now
        last = now
    return last


def measure_proxy_overhead(folder: Path, settings: Settings) -> list[Figure]:
    """Interleaved rounds of direct and proxied clients against one mock; three figures."""
    direct: list[ClientRun] = []
    proxied: list[ClientRun] = []
    cpu_per_request: list[float] = []  # CPU ms of the proxy (transport and checking process) per request
    with MockProcess(folder / "mock") as mock:
        proxy_command = [
            sys.executable,
            "-m",
            "conformance.commands.cli",
            "proxy",
            "--upstream",
            mock.url,
            "--port",
            "0",
            "--report-dir",
            str(folder / "report"),
            "--quiet",
        ]
        with Service(folder / "proxy", proxy_command, "proxy") as proxy:
            before = mock.count()
            for index in range(settings.rounds):
                sides = [(mock.url, direct), (proxy.url, proxied)]
                for url, runs in sides if index % 2 == 0 else reversed(sides):
                    cpu_before = _cpu_s(proxy.pid)
                    runs.append(_side(url, folder, settings))
                    if (
                        runs is proxied
                    ):  # its checks may still be catching up: wait, so the next side runs alone
                        cpu_after = _settled_cpu_s(proxy.pid)
                        cpu_per_request.append((cpu_after - cpu_before) * 1000 / runs[-1].requests)
                print(
                    f"  round {index + 1}: p50 direct {direct[-1].p50_ms:.2f} ms, proxied "
                    f"{proxied[-1].p50_ms:.2f} ms; rate {direct[-1].rate:.0f} vs {proxied[-1].rate:.0f}/s",
                    flush=True,
                )
            counted = (mock.count() - before).total
    sent = sum(r.requests for r in direct + proxied)
    p50 = spread([p.p50_ms - d.p50_ms for d, p in zip(direct, proxied, strict=True)])
    p99 = spread([p.p99_ms - d.p99_ms for d, p in zip(direct, proxied, strict=True)])
    ratio = spread(paired_ratios([r.rate for r in proxied], [r.rate for r in direct]))
    direct_p50 = spread([d.p50_ms for d in direct]).format(" ms")
    cpu = spread(cpu_per_request).format(" ms")
    note = f"direct p50 {direct_p50}; proxy CPU per request {cpu}; requests at the mock {counted} of {sent}"
    return [  # information: loopback milliseconds, not targets
        Figure("proxy: p50 latency added per request", p50.format(" ms"), gated=False, note=note),
        Figure("proxy: p99 latency added per request", p99.format(" ms"), gated=False),
        Figure(
            "proxy: throughput proxied / direct (1 client)",
            ratio.format("x"),
            gated=False,
            note="" if counted == sent else f"the mock counted {counted} requests, the clients sent {sent}",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.proxy_overhead", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--client", required=True, metavar="URL", help="send to this loopback base URL")
    parser.add_argument("--requests", type=int, default=200, metavar="N")
    args = parser.parse_args(argv)
    if not args.client.startswith(("http://127.0.0.1:", "http://[::1]:")):
        parser.error("--client takes a loopback URL, e.g. http://127.0.0.1:8080")
    return _client(args.client, args.requests)


if __name__ == "__main__":
    raise SystemExit(main())
