"""The history of a vendor: many runs on one page, as a distinct problems × runs matrix.

Runs are ordered by start time. For each distinct problem (``conformance.model.problems``) the
page says in which run it was first seen, last seen, when it was fixed (absent after being seen)
and when it came back (present again after a fix), with its count in every run; a small inline
SVG chart shows the per-run number of distinct problems by severity. Pure view model: no HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from conformance.model.deviations import Severity
from conformance.model.problems import Problem, distinct_problems
from conformance.model.results import RunResults

__all__ = ["Bar", "HistoryCell", "HistoryRow", "HistoryRun", "HistoryView", "build_history"]

SEVERITY_ORDER = ("error", "warning", "info")
CHART_HEIGHT = 120  # px of the bars' area
BAR_WIDTH = 28
BAR_GAP = 18


@dataclass(frozen=True)
class HistoryRun:
    index: int  # 1-based, in time order
    label: str  # "#3"
    source: str  # the results file
    started_at: str
    target: str
    verdict: str
    partial: bool
    deviations: int
    problems: int
    by_severity: tuple[tuple[str, int], ...]  # distinct problems per severity


@dataclass(frozen=True)
class HistoryCell:
    count: int  # deviations of the problem in that run; 0 when absent
    event: str  # "new" | "fixed" | "back" | "" (present as before, or still absent)


@dataclass(frozen=True)
class HistoryRow:
    id: str
    severity: str
    check: str
    title: str
    path: str
    cells: tuple[HistoryCell, ...]
    first_seen: str  # run label
    last_seen: str
    fixed_in: str  # label of the run where it last disappeared, "" if never
    came_back_in: str  # label of the run where it last reappeared, "" if never
    state: str  # "open" | "fixed" (absent in the newest run)


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    severity: str
    label: str  # tooltip text


@dataclass(frozen=True)
class HistoryView:
    title: str
    runs: tuple[HistoryRun, ...]
    rows: tuple[HistoryRow, ...]
    bars: tuple[Bar, ...]
    chart_width: int
    chart_height: int
    chart_labels: tuple[tuple[int, str], ...]  # (x of the bar's centre, run label)

    @property
    def open_problems(self) -> int:
        return sum(1 for row in self.rows if row.state == "open")


def _run(index: int, source: str, results: RunResults, problems: Sequence[Problem]) -> HistoryRun:
    per_severity = {name: 0 for name in SEVERITY_ORDER}
    for problem in problems:
        per_severity[problem.severity.value] += 1
    return HistoryRun(
        index=index,
        label=f"#{index}",
        source=source,
        started_at=results.started_at,
        target=results.target.name,
        verdict="partial" if results.partial else results.verdict,
        partial=results.partial,
        deviations=len(results.deviations),
        problems=len(problems),
        by_severity=tuple(per_severity.items()),
    )


def _row(problem: Problem, counts: Sequence[int], labels: Sequence[str]) -> HistoryRow:
    cells: list[HistoryCell] = []
    seen = False
    fixed_in = came_back_in = ""
    for position, count in enumerate(counts):
        before = counts[position - 1] if position else 0
        event = ""
        if count and not seen:
            event = "new"
        elif count and not before:
            event, came_back_in = "back", labels[position]
        elif seen and before and not count:
            event, fixed_in = "fixed", labels[position]
        seen = seen or bool(count)
        cells.append(HistoryCell(count, event))
    present = [labels[i] for i, count in enumerate(counts) if count]
    return HistoryRow(
        id=problem.id,
        severity=problem.severity.value,
        check=problem.check,
        title=problem.title,
        path=problem.path,
        cells=tuple(cells),
        first_seen=present[0],
        last_seen=present[-1],
        fixed_in=fixed_in,
        came_back_in=came_back_in,
        state="open" if counts[-1] else "fixed",
    )


def _bars(runs: Sequence[HistoryRun]) -> tuple[tuple[Bar, ...], int]:
    tallest = max((run.problems for run in runs), default=0) or 1
    bars: list[Bar] = []
    for position, run in enumerate(runs):
        x = BAR_GAP + position * (BAR_WIDTH + BAR_GAP)
        bottom = CHART_HEIGHT
        for severity, count in run.by_severity:
            if not count:
                continue
            height = max(2, round(count / tallest * (CHART_HEIGHT - 10)))
            bottom -= height
            label = f"{run.label}: {count} {severity} problem{'s' if count != 1 else ''}"
            bars.append(Bar(x, bottom, BAR_WIDTH, height, severity, label))
    return tuple(bars), BAR_GAP + len(runs) * (BAR_WIDTH + BAR_GAP)


def _problem_order(item: tuple[Problem, int]) -> tuple[int, int, str, str]:
    problem, first_run = item
    return (first_run, -problem.severity.rank, problem.check, problem.path + problem.title)


def build_history(runs: Sequence[tuple[str, RunResults]]) -> HistoryView:
    """The page for ``(source, results)`` pairs, in any order (sorted by start time here)."""
    ordered = sorted(runs, key=lambda pair: pair[1].started_at)  # stable for equal times
    per_run = [{p.id: p for p in distinct_problems(results.deviations)} for _, results in ordered]
    history_runs = tuple(
        _run(i + 1, source, results, tuple(per_run[i].values()))
        for i, (source, results) in enumerate(ordered)
    )
    labels = [run.label for run in history_runs]
    first: dict[str, tuple[Problem, int]] = {}
    worst: dict[str, Severity] = {}
    for index, problems in enumerate(per_run):
        for pid, problem in problems.items():
            first.setdefault(pid, (problem, index))
            if pid not in worst or problem.severity.rank > worst[pid].rank:
                worst[pid] = problem.severity
    rows = []
    for problem, _ in sorted(first.values(), key=_problem_order):
        counts = [problems[problem.id].count if problem.id in problems else 0 for problems in per_run]
        rows.append(replace(_row(problem, counts, labels), severity=worst[problem.id].value))
    bars, width = _bars(history_runs)
    targets = sorted({run.target for run in history_runs})
    return HistoryView(
        title=f"Conformance history: {', '.join(targets)}",
        runs=history_runs,
        rows=tuple(rows),
        bars=bars,
        chart_width=width,
        chart_height=CHART_HEIGHT,
        chart_labels=tuple(
            (BAR_GAP + i * (BAR_WIDTH + BAR_GAP) + BAR_WIDTH // 2, run.label)
            for i, run in enumerate(history_runs)
        ),
    )
