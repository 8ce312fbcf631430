"""What a run prints: live progress while it sends, the distinct problems when it ends.

On a terminal the progress is a `rich` bar (cases done, sends used of the budget, deviations so
far, time left once the rate is measured); in a CI log (not a TTY) it is plain lines, one per phase
and at most one every few seconds inside a long phase; ``--quiet`` prints none. The closing summary
counts the cases and requests (the figures of results.json, report.html and junit.xml) and lists
distinct problems (``conformance.model.problems``), the same rows and counts as the report's top
table.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from conformance.engine.phases import LIFECYCLE_PHASE
from conformance.engine.run.progress import ProgressTick
from conformance.model.deviations import ABSENT
from conformance.model.problems import against_baseline, distinct_problems, problem_id, problem_status
from conformance.model.results import RunResults

__all__ = [
    "MAX_PROBLEM_LINES",
    "Eta",
    "PlainProgress",
    "figures_line",
    "make_progress",
    "problem_lines",
    "summary_lines",
]

MAX_PROBLEM_LINES = 12  # distinct problems listed at the end; the rest are counted in one line
PLAIN_INTERVAL_S = 10.0  # at most one plain progress line this often inside a phase
ETA_MIN_CASES = 5  # cases measured (after the first) before an ETA is shown
ETA_MIN_SECONDS = 1.0  # and seconds measured


class Eta:
    """Time left, from the rate measured since the first case finished (generation, start-up and the
    mock's start are not in it). None until :data:`ETA_MIN_CASES` more cases are done and
    :data:`ETA_MIN_SECONDS` have passed: an estimate from the first one or two cases is noise."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._first: tuple[float, int] | None = None

    def update(self, done: int, total: int) -> str:
        """``"ETA 12 s"``, ``"ETA 3 min"``, or ``""`` while the rate is not yet known."""
        now = self._clock()
        if self._first is None:
            self._first = (now, done)
            return ""
        since, first_done = self._first
        measured, elapsed = done - first_done, now - since
        if done >= total:
            return "ETA 0 s"
        if measured < ETA_MIN_CASES or elapsed < ETA_MIN_SECONDS:
            return ""
        left = elapsed / measured * (total - done)
        return f"ETA {left:.0f} s" if left < 90 else f"ETA {left / 60:.0f} min"


class PlainProgress:
    """Plain progress lines for logs: one per finished phase, and one every ``interval`` seconds."""

    def __init__(self, stream: TextIO, *, interval: float = PLAIN_INTERVAL_S) -> None:
        self.stream = stream
        self.interval = interval
        self.eta = Eta()
        self.last_line = time.monotonic()
        self.phase = ""
        self.last: ProgressTick | None = None
        self.last_eta = ""

    def _line(self, tick: ProgressTick, phase_done: bool, eta: str) -> None:
        label = f"{tick.phase} done" if phase_done else tick.phase
        print(
            f"  {label:<16} {tick.done:>5}/{tick.total} cases  sends {tick.sends_used}/{tick.send_budget}"
            f"  deviations {tick.deviations}" + (f"  {eta}" if eta else ""),
            file=self.stream,
            flush=True,
        )
        self.last_line = time.monotonic()

    def __call__(self, tick: ProgressTick) -> None:
        eta = self.eta.update(tick.done, tick.total)
        if self.last is not None and tick.phase != self.phase:
            self._line(self.last, phase_done=True, eta=self.last_eta)
        self.phase, self.last, self.last_eta = tick.phase, tick, eta
        if tick.done >= tick.total:
            self._line(tick, phase_done=True, eta=eta)
        elif time.monotonic() - self.last_line >= self.interval:
            self._line(tick, phase_done=False, eta=eta)

    def close(self) -> None:
        """Nothing to tear down: every line is already out."""


class RichProgress:
    """A live `rich` bar on a terminal (through the redacting console stream, which passes each
    ``\\r``-ended frame on as it comes)."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("{task.fields[phase]:<11}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("cases  sends {task.fields[sends]}"),
            TextColumn("deviations {task.fields[deviations]}"),
            TextColumn("{task.fields[eta]}"),
            console=Console(file=stream),
            transient=False,
        )
        self._task: Any = None
        self._eta = Eta()

    def __call__(self, tick: ProgressTick) -> None:
        sends = f"{tick.sends_used}/{tick.send_budget}"
        eta = self._eta.update(tick.done, tick.total)
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task(
                "run", total=tick.total, phase=tick.phase, sends=sends, deviations=tick.deviations, eta=eta
            )
        self._progress.update(
            self._task,
            completed=tick.done,
            phase=tick.phase,
            sends=sends,
            deviations=tick.deviations,
            eta=eta,
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
    shown = {problem.id for problem in problems[:limit]}
    actual: dict[str, str] = {}  # what the target did, from the first deviation of each problem shown
    for deviation in results.deviations:
        if deviation.actual and len(actual) < len(shown):
            pid = problem_id(deviation)
            if pid in shown:
                actual.setdefault(pid, deviation.actual)
    lines = []
    for problem in problems[:limit]:
        status = "" if persisting is None else f" [{problem_status(problem, persisting)}]"
        lines.append(
            f"  {problem.severity.value:<7} {problem.check:<20} {problem.title} at {problem.path}"
            f" ×{problem.count}{status}{_got(actual.get(problem.id, ''))}"
        )
    if len(problems) > limit:
        rest = problems[limit:]
        lines.append(
            f"  … and {len(rest)} more distinct problems ({sum(p.count for p in rest)} deviations); "
            "see report.html"
        )
    return lines


def _got(actual: str, limit: int = 60) -> str:
    """`` (got text/html; charset=utf-8)``: what the target did instead, on one short line."""
    text = " ".join(actual.split())
    if not text or text == ABSENT:  # "… is missing" already says what came back
        return ""
    return f" (got {text if len(text) <= limit else text[: limit - 1] + '…'})"


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


def figures_line(results: RunResults, total_s: float | None) -> str:
    """The summary's first line: the run's cases and requests (``stats.cases``, ``stats.sent``, the
    figures report.html's header and junit.xml's properties show; how many of the requests were
    life-cycle lookups), the seed, the time spent sending
    and, given, the whole command's time."""
    cases, requests = results.stats.get("cases", 0), results.stats.get("sent", 0)
    reads = sum(phase.sent for phase in results.phases if phase.name == LIFECYCLE_PHASE)
    # the life-cycle reads follow the messages in time, so their number moves with the target's pace
    of_them = f" ({reads} of them lookups)" if reads else ""
    took = f"sent in {results.duration_s:.1f} s" + (f", total {total_s:.1f} s" if total_s is not None else "")
    return (
        f"target {results.target.name} — {cases} cases, {requests} requests{of_them}, "
        f"seed {results.seed}; {took}"
    )
