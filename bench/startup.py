"""Whole-process figures: ``--version`` and ``--help`` start-up, and ``report`` of a big results.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.processes import run_timed, tool_env
from bench.settings import Settings
from bench.stats import paired_ratios, spread
from bench.table import Figure

__all__ = ["measure_report", "measure_startup"]

TARGET_STARTUP_S = 0.5  # what a person typing --help or --version notices
CLI = (sys.executable, "-m", "conformance.commands.cli")
STARTUP_COMMANDS = {"--version": [*CLI, "--version"], "--help": [*CLI, "--help"]}


def measure_startup(folder: Path, settings: Settings) -> list[Figure]:
    """``--version`` and ``--help``, whole processes, interleaved with a bare ``python -c pass``.

    The target is absolute (median wall under ``TARGET_STARTUP_S``); the ratio to the bare interpreter
    is shown as information (it tells the tool's own share apart from the machine's)."""
    sides = {"bare": [sys.executable, "-c", "pass"], **STARTUP_COMMANDS}
    walls: dict[str, list[float]] = {name: [] for name in sides}
    order = list(sides)
    for index in range(settings.rounds):
        for name in order[index % len(order) :] + order[: index % len(order)]:
            command = sides[name]
            done = run_timed(command, cwd=folder, env=tool_env(), timeout_s=settings.timeout_s)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-400:]}")
            walls[name].append(done.wall_s)
    bare = walls["bare"]
    figures = []
    for name in STARTUP_COMMANDS:
        wall = spread(walls[name])
        ratio = spread(paired_ratios(walls[name], bare))
        figures.append(
            Figure(
                f"{name}, whole process",
                wall.format(" s", 3),
                f"< {TARGET_STARTUP_S:g} s",
                wall.median < TARGET_STARTUP_S,
                note=f"{ratio.format('x', 1)} a bare `python -c pass` ({spread(bare).format(' s', 3)}): "
                "information",
            )
        )
    return figures


def measure_report(folder: Path, settings: Settings) -> list[Figure]:
    """``opentact-conformance report FILE`` of N deviations: wall, peak RSS (information); a fresh wrapper
    per round."""
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
        Figure(f"{name}, wall", wall.format(" s"), gated=False),
        Figure(f"{name}, peak RSS", peak.format(" MiB", 0), gated=False),
    ]
