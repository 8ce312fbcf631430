"""Distinct problems: the deviations of a run folded into what a person has to fix.

A run can report one broken member 140 times (once per response). A *problem* is one kind of
departure at one place: the same check, the same fixed title and the same (index-folded) JSON
path, whatever the phase or case. The console, the report's top table and the history page all
count problems with this one function, so their numbers agree.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from conformance.model.deviations import Deviation, Severity, normalise_path, worst_severity

__all__ = [
    "BaselineProblems",
    "Problem",
    "against_baseline",
    "distinct_problems",
    "fixed_problems",
    "problem_id",
    "problem_status",
]


def problem_id(deviation: Deviation) -> str:
    """The problem a deviation belongs to: check, title and normalised path (no phase, no case)."""
    return _problem_id(deviation.check, deviation.title, normalise_path(deviation.path))


@functools.lru_cache(maxsize=65_536)  # many deviations, few problems
def _problem_id(check: str, title: str, path: str) -> str:
    raw = "\x1f".join([check, title, path])
    return "p-" + hashlib.sha256(raw.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Problem:
    """One distinct problem of a run, with how often it occurred and where to see it first."""

    id: str
    check: str
    title: str
    path: str  # normalised: $.fields[*].message
    severity: Severity  # the worst severity among its deviations
    count: int
    first_case_id: str
    first_phase: str
    keys: tuple[str, ...]  # the deviation keys it covers (baseline matching), first-seen order

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "check": self.check,
            "severity": self.severity.value,
            "title": self.title,
            "path": self.path,
            "count": self.count,
            "first_case_id": self.first_case_id,
        }


def _order(problem: Problem) -> tuple[int, int, str, str, str]:
    return (-problem.severity.rank, -problem.count, problem.check, problem.path, problem.title)


def distinct_problems(deviations: Iterable[Deviation]) -> tuple[Problem, ...]:
    """One ``Problem`` per (check, title, normalised path); worst and most frequent first."""
    members: dict[str, list[Deviation]] = {}
    ids: dict[tuple[str, str, str], str] = {}  # problem id per raw (check, title, path): computed once
    for deviation in deviations:
        fields = (deviation.check, deviation.title, deviation.path)
        pid = ids.get(fields)
        if pid is None:
            pid = ids[fields] = problem_id(deviation)
        members.setdefault(pid, []).append(deviation)
    problems = []
    for pid, found in members.items():
        first = found[0]
        keys = dict.fromkeys(d.key for d in found)
        problems.append(
            Problem(
                id=pid,
                check=first.check,
                title=first.title,
                path=normalise_path(first.path),
                severity=worst_severity(found),
                count=len(found),
                first_case_id=first.case_id,
                first_phase=first.phase,
                keys=tuple(keys),
            )
        )
    return tuple(sorted(problems, key=_order))


def problem_status(problem: Problem, persisting_keys: Collection[str]) -> str:
    """Against a baseline: ``persisting`` if any of its deviations was already there, else ``new``."""
    return "persisting" if any(key in persisting_keys for key in problem.keys) else "new"


def fixed_problems(current: Iterable[Problem], fixed: Iterable[Deviation]) -> tuple[Problem, ...]:
    """Problems of the baseline's fixed deviations that no longer occur at all."""
    now = {problem.id for problem in current}
    return tuple(p for p in distinct_problems(fixed) if p.id not in now)


@dataclass(frozen=True)
class BaselineProblems:
    """The distinct problems of a run against a baseline, counted as problems (not deviations)."""

    new: tuple[Problem, ...]
    persisting: tuple[Problem, ...]
    fixed: tuple[Problem, ...]


def against_baseline(
    problems: Iterable[Problem], persisting_keys: Collection[str], fixed: Iterable[Deviation]
) -> BaselineProblems:
    """Split ``problems`` into new and persisting, and name the baseline's problems now gone."""
    listed = tuple(problems)
    keys = set(persisting_keys)
    return BaselineProblems(
        new=tuple(p for p in listed if problem_status(p, keys) == "new"),
        persisting=tuple(p for p in listed if problem_status(p, keys) == "persisting"),
        fixed=fixed_problems(listed, fixed),
    )
