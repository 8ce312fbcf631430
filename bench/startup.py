"""Whole-process figures that need no target: ``--version`` start-up, and ``report`` of a big results.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.processes import run_timed, tool_env
from bench.settings import Settings
from bench.stats import paired_ratios, spread
from bench.table import Figure

__all__ = ["measure_report", "measure_version"]

TARGET_VERSION_RATIO = 10.0
TARGET_REPORT_S = 3.0
TARGET_REPORT_MIB = 300.0
CLI = (sys.executable, "-m", "conformance.commands.cli")


def measure_version(folder: Path, settings: Settings) -> list[Figure]:
    """``opentact-conformance --version`` over a bare ``python -c pass``, both whole processes, paired."""
    bare: list[float] = []
    version: list[float] = []
    for index in range(settings.rounds):
        pair = [("bare", [sys.executable, "-c", "pass"]), ("version", [*CLI, "--version"])]
        for name, command in pair if index % 2 == 0 else reversed(pair):
            done = run_timed(command, cwd=folder, env=tool_env(), timeout_s=settings.timeout_s)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-400:]}")
            (bare if name == "bare" else version).append(done.wall_s)
    ratio = spread(paired_ratios(version, bare))
    return [
        Figure(
            "--version, whole process",
            spread(version).format(" s", 3),
            gated=False,
            note=f"bare `python -c pass`: {spread(bare).format(' s', 3)}",
        ),
        Figure(
            "--version / bare interpreter",
            ratio.format("x", 1),
            f"<= {TARGET_VERSION_RATIO:g}x",
            ratio.median <= TARGET_VERSION_RATIO,
        ),
    ]


def measure_report(folder: Path, settings: Settings) -> list[Figure]:
    """``opentact-conformance report FILE`` of N deviations: wall, peak RSS; a fresh wrapper per round."""
    count = settings.report_deviations
    results = folder / "results.json"
    made = run_timed(
        [sys.executable, "-m", "bench.results_fixture", str(results), str(count)],
        cwd=folder,
        env=tool_env(),
        timeout_s=settings.timeout_s,
    )
    if made.returncode != 0:
        raise RuntimeError(f"could not write the {count}-deviation results.json: {made.stderr[-400:]}")
    size_mb = results.stat().st_size / 1e6
    walls: list[float] = []
    peaks: list[float] = []
    for _ in range(settings.rounds):
        command = [
            sys.executable,
            "-m",
            "bench.peak_rss",
            "--",
            *CLI,
            "report",
            str(results),
            "--out",
            str(folder / "out"),
        ]
        done = run_timed(command, cwd=folder, env=tool_env(), timeout_s=settings.timeout_s)
        measured = json.loads(done.stdout)
        if done.returncode != 0 or measured["returncode"] != 0:
            raise RuntimeError(f"report exited {measured['returncode']}: {measured['stderr_tail']}")
        walls.append(float(measured["wall_s"]))
        peaks.append(float(measured["peak_rss_mib"]))
    wall, peak = spread(walls), spread(peaks)
    name = f"report of {count:,} deviations ({size_mb:.0f} MB)"
    return [
        Figure(
            f"{name}, wall", wall.format(" s"), f"<= {TARGET_REPORT_S:g} s", wall.median <= TARGET_REPORT_S
        ),
        Figure(
            f"{name}, peak RSS",
            peak.format(" MiB", 0),
            f"<= {TARGET_REPORT_MIB:g} MiB",
            peak.median <= TARGET_REPORT_MIB,
        ),
    ]
