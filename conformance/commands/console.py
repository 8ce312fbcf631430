"""What a run prints: live progress while it sends, the distinct problems when it ends.

On a terminal the progress is a `rich` bar (cases done, sends used of the budget, deviations so
far, time left); in a CI log (not a TTY) it is plain lines, one per phase and at most one every
few seconds inside a long phase; ``--quiet`` prints none. The closing summary lists distinct
problems (``conformance.model.problems``), the same rows and counts as the report's top table.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from conformance.engine.run.progress import ProgressTick
from conformance.model.problems import against_baseline, distinct_problems, problem_status
from conformance.model.results import RunResults

__all__ = ["MAX_PROBLEM_LINES", "PlainProgress", "make_progress", "problem_lines", "summary_lines"]

MAX_PROBLEM_LINES = 12  # distinct problems listed at the end; the rest are counted in one line
PLAIN_INTERVAL_S = 10.0  # at most one plain progress line this often inside a phase


def _eta(started: float, done: int, total: int, now: float) -> str:
    if done <= 0 or done >= total:
        return "0 s"
    left = (now - started) / done * (total - done)
    return f"{left:.0f} s" if left < 90 else f"{left / 60:.0f} min"


class PlainProgress:
    """Plain progress lines for logs: one per finished phase, and one every ``interval`` seconds."""

    def __init__(self, stream: TextIO, *, interval: float = PLAIN_INTERVAL_S) -> None:
        self.stream = stream
        self.interval = interval
        self.started = time.monotonic()
        self.last_line = self.started
        self.phase = ""
        self.last: ProgressTick | None = None

    def _line(self, tick: ProgressTick, phase_done: bool) -> None:
        label = f"{tick.phase} done" if phase_done else tick.phase
        eta = _eta(self.started, tick.done, tick.total, time.monotonic())
        print(
            f"  {label:<16} {tick.done:>5}/{tick.total} cases  sends {tick.sends_used}/{tick.send_budget}"
            f"  deviations {tick.deviations}  ETA {eta}",
            file=self.stream,
            flush=True,
        )
        self.last_line = time.monotonic()

    def __call__(self, tick: ProgressTick) -> None:
        if self.last is not None and tick.phase != self.phase:
            self._line(self.last, phase_done=True)
        self.phase, self.last = tick.phase, tick
        if tick.done >= tick.total:
            self._line(tick, phase_done=True)
        elif time.monotonic() - self.last_line >= self.interval:
            self._line(tick, phase_done=False)

    def close(self) -> None:
        """Nothing to tear down: every line is already out."""


class RichProgress:
    """A live `rich` bar on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("{task.fields[phase]:<11}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("sends {task.fields[sends]}"),
            TextColumn("deviations {task.fields[deviations]}"),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self._task: Any = None

    def __call__(self, tick: ProgressTick) -> None:
        sends = f"{tick.sends_used}/{tick.send_budget}"
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task(
                "run", total=tick.total, phase=tick.phase, sends=sends, deviations=tick.deviations
            )
        self._progress.update(
            self._task, completed=tick.done, phase=tick.phase, sends=sends, deviations=tick.deviations
        )

    def close(self) -> None:
        if self._task is not None:
            self._progress.stop()


class _Silent:
    def __call__(self, tick: ProgressTick) -> None:
        return None

    def close(self) -> None:
        return None


def make_progress(quiet: bool, stream: TextIO | None = None) -> PlainProgress | RichProgress | _Silent:
    """The progress display for this console: none, plain lines, or a live bar."""
    out = sys.stderr if stream is None else stream
    if quiet:
        return _Silent()
    if out.isatty():
        return RichProgress(out)
    return PlainProgress(out)


def problem_lines(results: RunResults, limit: int = MAX_PROBLEM_LINES) -> list[str]:
    """The distinct problems, worst first: severity, check, title, path, count (and baseline status)."""
    problems = distinct_problems(results.deviations)
    persisting = set(results.baseline.persisting) if results.baseline is not None else None
    lines = []
    for problem in problems[:limit]:
        status = "" if persisting is None else f" [{problem_status(problem, persisting)}]"
        lines.append(
            f"  {problem.severity.value:<7} {problem.check:<20} {problem.title} at {problem.path}"
            f" ×{problem.count}{status}"
        )
    if len(problems) > limit:
        rest = problems[limit:]
        lines.append(
            f"  … and {len(rest)} more distinct problems ({sum(p.count for p in rest)} deviations); "
            "see report.html"
        )
    return lines


def summary_lines(results: RunResults) -> list[str]:
    """The distinct-problem block of the closing summary (its first line counts them)."""
    problems = distinct_problems(results.deviations)
    counts = results.counts()
    head = (
        f"distinct problems: {len(problems)} ({counts['error']} error, {counts['warning']} warning, "
        f"{counts['info']} info deviations)"
    )
    if results.baseline is not None:
        split = against_baseline(problems, results.baseline.persisting, results.baseline.fixed)
        head += (
            f"; against the baseline: {len(split.new)} new, {len(split.persisting)} persisting, "
            f"{len(split.fixed)} fixed problems"
        )
    return [head, *problem_lines(results)]
