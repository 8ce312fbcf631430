"""The report's view model: pure functions from ``RunResults`` to plain, ordered data.

Templates only lay this out; every decision (verdict wording, grouping, caps, order)
is made here, so it can be tested without rendering HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.model.coverage import coverage_note
from conformance.model.deviations import Deviation
from conformance.model.results import Crash, PhaseStats, RunResults
from reports.groups import (
    SectionSpec,
    SectionView,
    SeverityCount,
    build_sections,
    check_descriptions,
    severity_counts,
)
from reports.lifecycle import LifecycleView, lifecycle_view
from reports.problem_table import ProblemRow, RunFact, problem_rows, run_facts
from reports.vendor import DocPage

__all__ = [
    "BaselineSummary",
    "CheckRow",
    "PhaseRow",
    "ReportView",
    "build_view",
    "format_duration",
    "plural",
    "verdict_text",
]


@dataclass(frozen=True)
class PhaseRow:
    name: str
    cases: int
    sent: int
    skipped: int
    statuses: str


@dataclass(frozen=True)
class CheckRow:
    id: str
    description: str
    counts: tuple[SeverityCount, ...]
    total: int
    new: int | None  # None without a baseline


@dataclass(frozen=True)
class BaselineSummary:
    label: str
    new: int
    persisting: int
    fixed: int


@dataclass(frozen=True)
class ReportView:
    """Everything the page shows, in display order."""

    title: str
    verdict: str  # "pass" | "fail" | "incomplete"
    verdict_text: str
    gate_text: str
    partial: bool
    partial_reason: str
    target_name: str
    target_url: str
    target_kind: str
    auth_method: str
    spec_title: str
    spec_version: str
    spec_sha256: str
    seed: int
    started_at: str
    finished_at: str
    duration: str
    throttled: str  # "" when the target never answered 429
    fail_on: str
    command: str
    tool_version: str
    phases: tuple[PhaseRow, ...]
    total_cases: int  # stats.cases: the cases generated (the console's and junit.xml's figure)
    total_requests: int | None  # stats.sent: HTTP requests that left, probes, repeats, 429 re-sends too
    counts: tuple[SeverityCount, ...]
    total: int
    clean: bool
    baseline: BaselineSummary | None
    checks: tuple[CheckRow, ...]
    sections: tuple[SectionView, ...]
    crashes: tuple[Crash, ...]
    problems: tuple[ProblemRow, ...] = ()  # the distinct problems, the page's first table
    facts: tuple[RunFact, ...] = ()  # every recorded option that shaped the run
    reproduce: str = ""  # one command that reproduces the run
    lifecycle: LifecycleView | None = None  # the followed messages (stats.lifecycle), None when none

    @property
    def open_problems(self) -> int:
        """Distinct problems present in this run (fixed ones excluded)."""
        return sum(1 for row in self.problems if row.status != "fixed")

    def problems_with_status(self, status: str) -> int:
        """Distinct problems that are new / persisting / fixed against the baseline."""
        return sum(1 for row in self.problems if row.status == status)

    @property
    def severities(self) -> tuple[str, ...]:
        return tuple(c.severity for c in self.counts)


def plural(count: int, noun: str) -> str:
    """``1 deviation`` / ``3 deviations``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def format_duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def verdict_text(results: RunResults) -> str:
    """One sentence that says why the gate passed or failed, and how much of the run was sent (D55)."""
    note = coverage_note(results.stats.get("coverage") or {})
    if note and not results.partial:
        return f"{_verdict_sentence(results)}. Partial coverage: {note}"
    return _verdict_sentence(results)


def _verdict_sentence(results: RunResults) -> str:
    gating = len(results.gating())
    threshold = results.fail_on.value
    total = len(results.deviations)
    if results.partial:
        found = f"{plural(gating, 'deviation')} at or above {threshold} in the cases sent so far"
        return f"Incomplete run, not a pass: {results.partial_reason or 'stopped early'}; {found}"
    if results.baseline is not None:
        if gating:
            return f"{plural(gating, 'new deviation')} at or above {threshold} since the baseline"
        return f"No new deviations at or above {threshold} since the baseline"
    if gating:
        return f"{plural(gating, 'deviation')} at or above {threshold}"
    if total == 0:
        return "No deviations: every checked response matched the documented contract"
    return f"No deviations at or above {threshold} ({total} below the threshold)"


def _phase_row(phase: PhaseStats) -> PhaseRow:
    statuses = ", ".join(f"{code}×{n}" for code, n in sorted(phase.status_counts.items()))
    return PhaseRow(phase.name, phase.cases, phase.sent, phase.skipped, statuses)


def _check_rows(results: RunResults, new_keys: set[str] | None) -> tuple[CheckRow, ...]:
    by_check: dict[str, list[Deviation]] = {}
    for deviation in results.deviations:
        by_check.setdefault(deviation.check, []).append(deviation)
    rows = []
    for check, description in check_descriptions(results).items():
        members = by_check.get(check, [])
        new = None if new_keys is None else sum(1 for d in members if d.key in new_keys)
        rows.append(CheckRow(check, description, severity_counts(members), len(members), new))
    return tuple(rows)


def _section_specs(results: RunResults) -> list[SectionSpec]:
    comparison = results.baseline
    if comparison is None:
        return [SectionSpec("deviations", "Deviations", "Every deviation of this run.", results.deviations)]
    new_keys = set(comparison.new)  # the same test as RunResults.gating(), so sections match the verdict
    new = [d for d in results.deviations if d.key in new_keys]
    persisting = [d for d in results.deviations if d.key not in new_keys]
    return [
        SectionSpec("new", "New", "Not in the baseline: these decide the gate.", new, "new"),
        SectionSpec("persisting", "Persisting", "Already in the baseline.", persisting, "persisting"),
        SectionSpec("fixed", "Fixed", "In the baseline, gone in this run.", comparison.fixed, "fixed"),
    ]


def build_view(
    results: RunResults, *, examples_per_group: int = 5, pages: Mapping[str, DocPage] | None = None
) -> ReportView:
    """The whole page as plain data."""
    if examples_per_group < 1:
        raise ValueError(f"examples_per_group must be at least 1, not {examples_per_group}")
    comparison = results.baseline
    specs = _section_specs(results)
    baseline = None
    if comparison is not None:
        baseline = BaselineSummary(
            comparison.baseline, len(specs[0].deviations), len(specs[1].deviations), len(comparison.fixed)
        )
    threshold = results.fail_on.value
    gate = f"fails on {'new ' if comparison is not None else ''}deviations at or above {threshold}"
    spec = results.spec
    return ReportView(
        title=f"Conformance report: {results.target.name}",
        verdict=results.verdict,
        verdict_text=verdict_text(results),
        gate_text=gate,
        partial=results.partial,
        partial_reason=results.partial_reason,
        target_name=results.target.name,
        target_url=results.target.base_url,
        target_kind="live service" if results.target.live else "test target",
        auth_method=results.target.auth_method,
        spec_title=spec.get("title", ""),
        spec_version=spec.get("version", ""),
        spec_sha256=spec.get("sha256", ""),
        seed=results.seed,
        started_at=results.started_at,
        finished_at=results.finished_at,
        duration=format_duration(results.duration_s),
        throttled=results.throttled,
        fail_on=threshold,
        command=results.command,
        tool_version=results.tool_version,
        phases=tuple(_phase_row(p) for p in results.phases),
        total_cases=int(results.stats.get("cases", 0) or 0),
        total_requests=_int_or_none(results.stats.get("sent")),
        counts=severity_counts(results.deviations),
        total=len(results.deviations),
        clean=not results.deviations and not results.partial,
        baseline=baseline,
        checks=_check_rows(results, None if comparison is None else set(comparison.new)),
        sections=build_sections(
            specs, descriptions=check_descriptions(results), examples_per_group=examples_per_group
        ),
        crashes=results.crashes,
        problems=problem_rows(results, pages),
        facts=run_facts(results.invocation),
        reproduce=str(results.invocation.get("reproduce", "")),
        lifecycle=lifecycle_view(results.stats),
    )


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
