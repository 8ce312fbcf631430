"""The default gate's wall time before and after a git revision, side by side (issue 9's acceptance).

A temporary ``git worktree`` of the baseline revision runs ``python -m conformance.cli run`` (the flat layout;
``conformance.commands.cli`` where the revision already has it) with ``PYTHONPATH`` pointing at it,
interleaved with this tree's ``python -m conformance.commands.cli run``; both are whole processes with
default options
(the embedded mock). The worktree is removed afterwards, also when a run fails.

Before and after are shown as information; their paired ratio is gated loosely (at most 1.5x the
before): a simpler revision may spend some milliseconds, not half as much time again.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.processes import ROOT, compile_bytecode, run_timed, tool_env
from bench.settings import Settings
from bench.stats import paired_ratios, spread
from bench.table import Figure

__all__ = ["measure_baseline"]

TARGET_AFTER_OVER_BEFORE = 1.5
NAME = "default gate after / before"


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def _entry(tree: Path) -> str:
    return (
        "conformance.commands.cli"
        if (tree / "conformance" / "commands" / "cli.py").exists()
        else "conformance.cli"
    )


def _gate_wall(tree: Path, folder: Path, settings: Settings) -> float:
    folder.mkdir(parents=True)
    done = run_timed(
        [sys.executable, "-m", _entry(tree), "run"],
        cwd=folder,
        env=tool_env(tree),
        timeout_s=settings.timeout_s,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"the default gate of {tree} exited {done.returncode}: {done.stderr.strip()[-400:]}"
        )
    return done.wall_s


def measure_baseline(folder: Path, settings: Settings) -> list[Figure]:
    """Rounds of (baseline, this tree) default gates in alternating order; after/before paired per round."""
    rev = settings.baseline_rev
    resolved = _git("rev-parse", "--verify", "--short", f"{rev}^{{commit}}")
    if resolved.returncode != 0:
        return [
            Figure(
                NAME,
                f"not measured: {rev!r} is not a commit of {ROOT}",
                f"<= {TARGET_AFTER_OVER_BEFORE}x",
                None,
                note="pass --baseline-rev with a commit of this repository",
            )
        ]
    head = _git("rev-parse", "--short", "HEAD").stdout.strip()
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no").stdout.strip())
    tree = folder / f"baseline-{resolved.stdout.strip()}"
    added = _git("worktree", "add", "--detach", str(tree), rev)
    if added.returncode != 0:
        raise RuntimeError(f"git worktree add {tree} {rev} failed: {added.stderr.strip()}")
    before: list[float] = []
    after: list[float] = []
    try:
        compile_bytecode(tree)  # both sides start from cached bytecode
        for index in range(settings.rounds):
            sides = [("before", tree), ("after", ROOT)]
            for name, where in sides if index % 2 == 0 else reversed(sides):
                wall = _gate_wall(where, folder / f"round-{index + 1}-{name}", settings)
                (before if name == "before" else after).append(wall)
            print(f"  round {index + 1}: before {before[-1]:.2f} s, after {after[-1]:.2f} s", flush=True)
    finally:
        _git("worktree", "remove", "--force", str(tree))
        _git("worktree", "prune")
    ratio = spread(paired_ratios(after, before))
    label = f"{resolved.stdout.strip()} -> {head}{' + uncommitted changes' if dirty else ''}"
    return [
        Figure(
            f"default gate wall, before ({resolved.stdout.strip()})", spread(before).format(" s"), gated=False
        ),
        Figure(f"default gate wall, after ({head})", spread(after).format(" s"), gated=False),
        Figure(
            NAME,
            ratio.format("x"),
            f"<= {TARGET_AFTER_OVER_BEFORE}x",
            ratio.median <= TARGET_AFTER_OVER_BEFORE,
            note=f"{label}; whole processes, interleaved",
        ),
    ]
