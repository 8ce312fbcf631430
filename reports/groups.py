"""Grouping for the report's view model.

Deviations are grouped by (check, normalised JSON path); a group carries its counts per
severity and a capped list of examples, so the page size depends on the number of groups,
never on the number of deviations.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from conformance.model.deviations import Deviation, Severity, normalise_path, severity_rank, worst_severity
from conformance.model.results import RunResults
from reports.examples import ExampleView, build_example, example_weight

__all__ = [
    "EXAMPLE_BUDGET",
    "MAX_EXAMPLES_TOTAL",
    "MAX_GROUPS_PER_SECTION",
    "GroupView",
    "SectionSpec",
    "SectionView",
    "SeverityCount",
    "build_sections",
    "check_descriptions",
    "fill_examples",
    "group_anchor",
    "group_deviations",
    "pick_examples",
    "severity_counts",
]

MAX_GROUPS_PER_SECTION = 1000  # beyond this a section lists the rest as one line
MAX_EXAMPLES_TOTAL = 3000  # examples in the whole page; shrinks the per-group cap, never below 1
EXAMPLE_BUDGET = 6_000_000  # escaped characters of example text in the whole page (keeps it under 10 MB)
SEVERITIES: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))


@dataclass(frozen=True)
class SeverityCount:
    severity: str
    count: int


@dataclass(frozen=True)
class GroupView:
    """All deviations of one check at one (normalised) JSON path."""

    anchor: str
    check: str
    check_description: str
    path: str
    count: int
    counts: tuple[SeverityCount, ...]  # only severities that occur, worst first
    worst: str
    titles: tuple[tuple[str, int], ...]  # distinct titles with their counts, most frequent first
    operations: tuple[str, ...]
    examples: tuple[ExampleView, ...]
    open: bool = False

    @property
    def severities(self) -> str:
        """Space-separated severities present, for the client-side filter."""
        return " ".join(c.severity for c in self.counts)

    @property
    def not_shown(self) -> int:
        return self.count - len(self.examples)


@dataclass(frozen=True)
class SectionView:
    """A titled list of groups: all deviations, or the new / persisting / fixed ones."""

    id: str
    title: str
    description: str
    count: int
    groups: tuple[GroupView, ...]
    hidden_groups: int = 0  # groups beyond MAX_GROUPS_PER_SECTION
    hidden_deviations: int = 0


def severity_counts(deviations: Iterable[Deviation]) -> tuple[SeverityCount, ...]:
    """Counts for every severity, worst first (zeros included)."""
    counted = Counter(d.severity._value_ for d in deviations)  # a str key: an enum hashes in Python
    return tuple(SeverityCount(s.value, counted.get(s.value, 0)) for s in SEVERITIES)


def group_deviations(deviations: Iterable[Deviation]) -> dict[tuple[str, str], list[Deviation]]:
    """Deviations by (check, normalised path), each list in its original order."""
    groups: dict[tuple[str, str], list[Deviation]] = {}
    for deviation in deviations:
        groups.setdefault((deviation.check, normalise_path(deviation.path)), []).append(deviation)
    return groups


def pick_examples(deviations: Sequence[Deviation], limit: int) -> list[Deviation]:
    """Up to ``limit`` examples: worst severity first, one per distinct title before any repeat."""
    ranked = sorted(deviations, key=severity_rank, reverse=True)  # stable: keeps run order within a rank
    chosen: list[Deviation] = []
    seen_titles: set[str] = set()
    for deviation in ranked:
        if len(chosen) >= limit:
            return chosen
        if deviation.title not in seen_titles:
            seen_titles.add(deviation.title)
            chosen.append(deviation)
    picked = {id(d) for d in chosen}
    for deviation in ranked:
        if len(chosen) >= limit:
            break
        if id(deviation) not in picked:
            chosen.append(deviation)
    return chosen


def group_anchor(section: str, check: str, path: str) -> str:
    """The HTML id of a section's group of (check, normalised path)."""
    return "g-" + hashlib.sha1(f"{section}\x1f{check}\x1f{path}".encode()).hexdigest()[:12]


def _build_group(
    section: str,
    check: str,
    path: str,
    members: Sequence[Deviation],
    examples: Sequence[ExampleView],
    *,
    descriptions: dict[str, str],
) -> GroupView:
    counts = tuple(c for c in severity_counts(members) if c.count)
    titles: dict[str, int] = {}
    operations: dict[str, None] = {}
    for deviation in members:
        titles[deviation.title] = titles.get(deviation.title, 0) + 1
        operations.setdefault(deviation.operation)
    return GroupView(
        anchor=group_anchor(section, check, path),
        check=check,
        check_description=descriptions.get(check, ""),
        path=path,
        count=len(members),
        counts=counts,
        worst=counts[0].severity,
        titles=tuple(sorted(titles.items(), key=lambda item: (-item[1], item[0]))),
        operations=tuple(sorted(operations)),
        examples=tuple(examples),
    )


def fill_examples(picks: Sequence[tuple[Sequence[Deviation], str]], budget: int) -> list[list[ExampleView]]:
    """Examples for each group, breadth first (every group's 1st, then every 2nd, …) until the
    page's character budget is spent, so a huge run still shows one example for the top groups."""
    chosen: list[list[ExampleView]] = [[] for _ in picks]
    used = 0
    rounds = max((len(deviations) for deviations, _ in picks), default=0)
    for index in range(rounds):
        for slot, (deviations, status) in enumerate(picks):
            if index >= len(deviations):
                continue
            example = build_example(deviations[index], status)
            weight = example_weight(example)
            if used + weight > budget:
                return chosen
            used += weight
            chosen[slot].append(example)
    return chosen


def _group_order(item: tuple[tuple[str, str], list[Deviation]]) -> tuple[int, int, str, str]:
    (check, path), members = item
    return (-worst_severity(members).rank, -len(members), check, path)


@dataclass(frozen=True)
class SectionSpec:
    """What to put in a section before grouping."""

    id: str
    title: str
    description: str
    deviations: Sequence[Deviation]
    status: str = ""


def build_sections(
    specs: Sequence[SectionSpec],
    *,
    descriptions: dict[str, str],
    examples_per_group: int,
    budget: int | None = None,
) -> tuple[SectionView, ...]:
    """Group every section's deviations, most severe and most frequent groups first."""
    grouped = [sorted(group_deviations(spec.deviations).items(), key=_group_order) for spec in specs]
    shown = [items[:MAX_GROUPS_PER_SECTION] for items in grouped]
    total_groups = sum(len(items) for items in shown)
    limit = max(1, min(examples_per_group, MAX_EXAMPLES_TOTAL // max(1, total_groups)))
    picks = [
        (pick_examples(members, limit), spec.status)
        for spec, items in zip(specs, shown, strict=True)
        for _, members in items
    ]
    examples = iter(fill_examples(picks, EXAMPLE_BUDGET if budget is None else budget))
    sections: list[SectionView] = []
    first_open = True
    for spec, items, everything in zip(specs, shown, grouped, strict=True):
        groups: list[GroupView] = []
        for (check, path), members in items:
            group = _build_group(spec.id, check, path, members, next(examples), descriptions=descriptions)
            if first_open:
                group = replace(group, open=True)
                first_open = False
            groups.append(group)
        rest = everything[MAX_GROUPS_PER_SECTION:]
        sections.append(
            SectionView(
                id=spec.id,
                title=spec.title,
                description=spec.description,
                count=len(spec.deviations),
                groups=tuple(groups),
                hidden_groups=len(rest),
                hidden_deviations=sum(len(members) for _, members in rest),
            )
        )
    return tuple(sections)


def check_descriptions(results: RunResults) -> dict[str, str]:
    """Check id -> description for every check run or seen in a deviation."""
    descriptions = dict(results.checks)
    for deviation in results.deviations:
        descriptions.setdefault(deviation.check, "")
    return dict(sorted(descriptions.items()))
