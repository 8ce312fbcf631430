"""The report's top of page: one row per distinct problem, and the facts that reproduce the run.

Rows come from ``conformance.model.problems`` (the same function the console uses, so both show
the same problems and counts); each row links to the group that holds its deviations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.model.problems import Problem, against_baseline, distinct_problems
from conformance.model.results import RunResults
from reports.groups import group_anchor

__all__ = ["ProblemRow", "RunFact", "problem_rows", "run_facts"]


@dataclass(frozen=True)
class ProblemRow:
    id: str
    severity: str
    check: str
    title: str
    path: str
    count: int
    status: str  # "new" | "persisting" | "fixed" | "" (no baseline)
    first_case_id: str
    anchor: str  # id of the group holding its deviations


@dataclass(frozen=True)
class RunFact:
    label: str
    value: str
    mono: bool = True


def _row(problem: Problem, status: str, section: str) -> ProblemRow:
    return ProblemRow(
        id=problem.id,
        severity=problem.severity.value,
        check=problem.check,
        title=problem.title,
        path=problem.path,
        count=problem.count,
        status=status,
        first_case_id=problem.first_case_id,
        anchor=group_anchor(section, problem.check, problem.path),
    )


def problem_rows(results: RunResults) -> tuple[ProblemRow, ...]:
    """Every distinct problem, worst first; with a baseline, new, persisting, then the fixed ones.

    The anchors follow the report's sections: "deviations" without a baseline; with one, a
    problem links into "persisting" if any of its deviations was there before, else "new".
    """
    problems = distinct_problems(results.deviations)
    comparison = results.baseline
    if comparison is None:
        return tuple(_row(p, "", "deviations") for p in problems)
    persisting_keys = set(comparison.persisting)
    split = against_baseline(problems, persisting_keys, comparison.fixed)
    # the section of a group follows its deviations' keys: a problem may straddle both, link to the first
    new_keys = set(comparison.new)
    rows = []
    for problem in problems:
        status = "persisting" if problem in split.persisting else "new"
        section = "new" if problem.keys[0] in new_keys else "persisting"
        rows.append(_row(problem, status, section))
    rows.extend(_row(p, "fixed", "fixed") for p in split.fixed)
    return tuple(rows)


def _listed(values: Any) -> str:
    return ", ".join(str(v) for v in values) if values else "–"


def run_facts(invocation: Mapping[str, Any]) -> tuple[RunFact, ...]:
    """The recorded options of the run, as label/value pairs (empty for results without them)."""
    if not invocation:
        return ()
    profile = invocation.get("profile") or {}
    source = str(profile.get("source", ""))
    digest = profile.get("sha256")
    facts = [
        RunFact("Command line", str(invocation.get("command_line", ""))),
        RunFact("Profile", f"{invocation.get('profile_ref', '')} ({source})" if source else "–"),
    ]
    if digest:
        facts.append(RunFact("Profile sha256", str(digest)))
    facts += [
        RunFact("Max examples", str(invocation.get("max_examples", ""))),
        RunFact("Phases", _listed(invocation.get("phases"))),
        RunFact(
            "Checks",
            _listed(invocation.get("checks")) if invocation.get("checks_filtered") else "all",
        ),
        RunFact("Mock faults", _listed(invocation.get("mock_faults"))),
        RunFact("Negative only", "yes" if invocation.get("negative_only") else "no", mono=False),
        RunFact(
            "Versions",
            f"tool {invocation.get('tool_version', '')}, spec {invocation.get('spec_version', '')}, "
            f"Python {invocation.get('python', '')}",
            mono=False,
        ),
    ]
    return tuple(facts)
