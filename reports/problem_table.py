"""The report's top of page: one row per distinct problem, and the facts that reproduce the run.

Rows come from ``conformance.model.problems`` (the same function the console uses, so both show
the same problems and counts); each row links to the group that holds its deviations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.model.deviations import Deviation
from conformance.model.problems import Problem, against_baseline, distinct_problems, problem_id
from conformance.model.results import RunResults
from reports.groups import group_anchor
from reports.vendor import DocLink, DocPage, doc_links

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
    docs: tuple[DocLink, ...] = ()  # the public pages behind the expectation (given the cited pages)


@dataclass(frozen=True)
class RunFact:
    label: str
    value: str
    mono: bool = True


def _row(problem: Problem, status: str, section: str, docs: tuple[DocLink, ...] = ()) -> ProblemRow:
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
        docs=docs,
    )


def _evidence(deviations: Iterable[Deviation]) -> dict[str, str]:
    """The evidence text of each problem's first deviation."""
    first: dict[str, str] = {}
    seen: set[tuple[str, str, str]] = set()
    for deviation in deviations:
        fields = (deviation.check, deviation.title, deviation.path)
        if fields not in seen:
            seen.add(fields)
            first.setdefault(problem_id(deviation), deviation.evidence.source)
    return first


def problem_rows(results: RunResults, pages: Mapping[str, DocPage] | None = None) -> tuple[ProblemRow, ...]:
    """Every distinct problem, worst first; with a baseline, new, persisting, then the fixed ones.

    The anchors follow the report's sections: "deviations" without a baseline; with one, a
    problem links into "persisting" if any of its deviations was there before, else "new".
    Given the cited pages, each row links the documentation its expectation comes from.
    """
    problems = distinct_problems(results.deviations)
    comparison = results.baseline
    evidence = _evidence((*results.deviations, *(comparison.fixed if comparison else ())))

    def docs(problem: Problem) -> tuple[DocLink, ...]:
        return doc_links(evidence.get(problem.id, ""), pages) if pages else ()

    if comparison is None:
        return tuple(_row(p, "", "deviations", docs(p)) for p in problems)
    persisting_keys = set(comparison.persisting)
    split = against_baseline(problems, persisting_keys, comparison.fixed)
    # the section of a group follows its deviations' keys: a problem may straddle both, link to the first
    new_keys = set(comparison.new)
    rows = []
    for problem in problems:
        status = "persisting" if problem in split.persisting else "new"
        section = "new" if problem.keys[0] in new_keys else "persisting"
        rows.append(_row(problem, status, section, docs(problem)))
    rows.extend(_row(p, "fixed", "fixed", docs(p)) for p in split.fixed)
    return tuple(rows)


def _listed(values: Any) -> str:
    return ", ".join(str(v) for v in values) if values else "–"


def run_facts(invocation: Mapping[str, Any]) -> tuple[RunFact, ...]:
    """The recorded options of the run, as label/value pairs (empty for results without them)."""
    if "command_line" not in invocation:  # none recorded, or only a reproduce line (diff)
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
