"""``python -m bench``: the speed figures, measured honestly, each printed with its target or as information.

    python -m bench                        # all figures, 5 interleaved rounds (~15 min on 2 cores)
    python -m bench --quick                # smoke run: 1 round, small sizes (not for the record)
    python -m bench --only startup hostile # some figures only
    python -m bench --rounds 7 --baseline-rev 1e51d83

Gated targets: the gate >= 3x schemathesis at the same request count; ``--help`` and ``--version`` under
0.5 s; the default gate at most 1.5x its wall time at ``--baseline-rev``; hostile JSON in linear time and
``check-traffic`` of a hostile HAR in a few seconds; >= 90 % of a 5/s rate limit against a 100 ms server.
The rest (the ratio to ``wrk``, ``report`` of a big results.json, the validating proxy's added latency)
is information: loopback milliseconds are not what a live run meets.

Rules: every timing is a whole, cold process (``python -m conformance.commands.cli``, ``schemathesis``,
``wrk``); every side talks to the same standalone mock (``python -m conformance.mock``, its own process);
requests are
counted at the server; ratios are taken pair by pair in interleaved rounds and shown as median (min-max).
The tree's bytecode is compiled first, as ``pip install`` does for an installed copy (a checkout under
``PYTHONDONTWRITEBYTECODE`` would compile every module of the tool in every timed process).
Exit 0 if every gated target is met, 1 naming the missed ones (after all figures are printed),
2 on bad options.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from importlib import metadata
from pathlib import Path

from bench.baseline import measure_baseline
from bench.hostile import measure_hostile
from bench.latency import measure_rate_limit
from bench.processes import compile_bytecode
from bench.proxy_overhead import measure_proxy_overhead
from bench.settings import FULL, QUICK, Settings
from bench.startup import measure_report, measure_startup
from bench.table import Figure, format_table, missed
from bench.throughput import measure_throughput

Measure = Callable[[Path, Settings], list[Figure]]
FIGURES: dict[str, tuple[Measure, str]] = {
    "throughput": (measure_throughput, "gate vs schemathesis (and wrk, information), same standalone mock"),
    "ratelimit": (measure_rate_limit, "default gate at rate_limit 5/s, 100 ms-latency loopback server"),
    "startup": (measure_startup, "--version and --help, whole processes"),
    "baseline": (measure_baseline, "default gate wall time before and after a revision"),
    "hostile": (measure_hostile, "hostile JSON parsed in linear time; check-traffic of a hostile HAR"),
    "report": (measure_report, "report of a results.json with many deviations: wall, peak RSS (information)"),
    "proxy": (
        measure_proxy_overhead,
        "validating proxy vs direct, same standalone mock: latency added, throughput (information)",
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.split("\n")[0],
        epilog="figures: " + "; ".join(f"{k}: {v[1]}" for k, v in FIGURES.items()),
    )
    parser.add_argument("--quick", action="store_true", help="1 round, small sizes: a smoke run")
    parser.add_argument("--rounds", type=int, help=f"interleaved rounds per pair (default {FULL.rounds})")
    parser.add_argument(
        "--only", nargs="+", choices=sorted(FIGURES), metavar="FIGURE", help="measure only these"
    )
    parser.add_argument(
        "--baseline-rev",
        default=FULL.baseline_rev,
        metavar="REV",
        help="revision for the before/after figure (default %(default)s)",
    )
    return parser


def _machine() -> str:
    versions = []
    for package in ("opentact-conformance", "schemathesis", "hypothesis"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} not installed")
    wrk = (
        subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
        if _which("wrk")
        else None
    )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{platform.machine()}, {len(os.sched_getaffinity(0))} usable cores, load average {load}; "
        f"Python {platform.python_version()}; {'; '.join(versions)}; "
        f"wrk {(wrk.stdout or wrk.stderr).split()[1] if wrk else 'not installed'}"
    )


def _which(name: str) -> bool:
    from shutil import which

    return which(name) is not None


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(
        f"python -m bench: stopped by signal {signum}; children stopped, temporary files removed"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    base = QUICK if args.quick else FULL
    try:
        rounds = base.rounds if args.rounds is None else args.rounds
        settings = replace(base, rounds=rounds, baseline_rev=args.baseline_rev)
    except ValueError as exc:
        _parser().error(str(exc))
    chosen = args.only or list(FIGURES)
    signal.signal(
        signal.SIGTERM, _stop
    )  # so every `with` stops its mock and the baseline worktree is removed
    started = time.perf_counter()
    print(
        f"python -m bench{' --quick' if args.quick else ''}: {', '.join(chosen)}; {settings.rounds} round(s)"
    )
    print(f"  {_machine()}", flush=True)
    if not _which("wrk"):
        print(
            "  wrk is not installed: the physical-limit figure (information) is skipped "
            "(apt-get install -y wrk)"
        )
    compile_bytecode()  # every timed process starts from cached bytecode, as an installed copy does
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="opentact-bench-") as temp:
        for name in chosen:
            measure, title = FIGURES[name]
            print(f"{name}: {title}", flush=True)
            folder = Path(temp) / name
            folder.mkdir()
            try:
                figures += measure(folder, settings)
            except (RuntimeError, OSError, subprocess.TimeoutExpired, ValueError) as exc:
                print(f"  {name} failed: {exc}", flush=True)
                figures.append(
                    Figure(
                        f"{name} (could not be measured)",
                        "failed: see the note",
                        "a measurement",
                        None,
                        note=" ".join(str(exc).split())[:300],
                    )
                )
    print()
    print(format_table(figures))
    print(f"(bench took {time.perf_counter() - started:.0f} s; targets judged on the median)")
    names = missed(figures)
    if names:
        print(f"targets missed: {'; '.join(names)}")
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
