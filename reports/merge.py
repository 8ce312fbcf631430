"""Merging the shards of one run (same spec, same seed) into one ``RunResults``."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from conformance.model.deviations import Deviation
from conformance.model.results import BaselineComparison, PhaseStats, ResultsError, RunResults

__all__ = ["MergeError", "merge_results", "merge_stats"]

# Stats whose name says they are an extreme or an average: summing them would lie.
_MAX_WORDS = ("max", "peak", "p50", "p90", "p95", "p99", "mean", "avg", "average", "median")
_MIN_WORDS = ("min",)


class MergeError(ResultsError):
    """Results that are not shards of one run (a ``ValueError``, like every ``ResultsError``)."""


def _deviation_order(deviation: Deviation) -> tuple[str, str, str, str, str]:
    return (deviation.check, deviation.path, deviation.title, deviation.case_id, deviation.key)


def _instant(value: str) -> float | None:
    """Seconds since the epoch of an ISO 8601 timestamp (naive ones read as UTC), or None."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _earliest(values: Sequence[str]) -> str:
    timed = [(t, v) for v in values if (t := _instant(v)) is not None]
    return min(timed)[1] if timed else min(values)


def _latest(values: Sequence[str]) -> str:
    timed = [(t, v) for v in values if (t := _instant(v)) is not None]
    return max(timed)[1] if timed else max(values)


def _part_order(part: RunResults) -> tuple[float, str, str, str, str]:
    started = _instant(part.started_at)
    tiebreak = msgspec.json.encode([part.phases, part.crashes], order="deterministic").decode()
    return (
        float("inf") if started is None else started,
        part.started_at,
        part.finished_at,
        part.target.base_url,
        tiebreak,
    )


def _check_same(parts: Sequence[RunResults]) -> None:
    first = parts[0]
    sha = first.spec.get("sha256", "")
    for index, part in enumerate(parts[1:], start=2):
        if part.spec.get("sha256", "") != sha:
            raise MergeError(
                f"cannot merge: part {index} was run against spec sha256 {part.spec.get('sha256', '')!r} "
                f"but part 1 against {sha!r}; only shards of one run (same spec file) can be merged"
            )
        if part.seed != first.seed:
            raise MergeError(
                f"cannot merge: part {index} used seed {part.seed} but part 1 used seed {first.seed}; "
                "only shards of one run (same --seed) can be merged"
            )
        if part.fail_on is not first.fail_on:
            raise MergeError(
                f"cannot merge: part {index} gates on {part.fail_on.value!r} but part 1 on "
                f"{first.fail_on.value!r}; re-run the shards with the same --fail-on"
            )


def _merge_number(key: str, values: list[Any]) -> Any:
    name = key.lower()
    if any(word in name for word in _MIN_WORDS) and not any(word in name for word in _MAX_WORDS):
        return min(values)
    if any(word in name for word in _MAX_WORDS):
        return max(values)  # a conservative bound, not an exact merge
    return sum(values)


def merge_stats(stats: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Counters summed (nested mappings too), extremes/averages bounded, booleans or-ed,
    lists concatenated without repeats; other values kept when equal, else listed."""
    keys: dict[str, None] = {}
    for mapping in stats:
        keys.update(dict.fromkeys(mapping))
    merged: dict[str, Any] = {}
    for key in keys:
        values = [m[key] for m in stats if key in m]
        if all(isinstance(v, bool) for v in values):
            merged[key] = any(values)
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            merged[key] = _merge_number(key, values)
        elif all(isinstance(v, Mapping) for v in values):
            merged[key] = merge_stats(values)
        elif all(isinstance(v, list) for v in values):
            seen: list[Any] = []
            for value in values:
                seen.extend(item for item in value if item not in seen)
            merged[key] = seen
        else:
            distinct: list[Any] = []
            for value in values:
                if value not in distinct:
                    distinct.append(value)
            merged[key] = distinct[0] if len(distinct) == 1 else distinct
    return merged


def _merge_phases(parts: Sequence[RunResults]) -> tuple[PhaseStats, ...]:
    phases: dict[str, PhaseStats] = {}
    for part in parts:
        for phase in part.phases:
            known = phases.get(phase.name)
            if known is None:
                phases[phase.name] = PhaseStats(
                    phase.name,
                    phase.cases,
                    phase.sent,
                    phase.skipped,
                    dict(phase.status_counts),
                    phase.classes,
                )
                continue
            statuses = dict(known.status_counts)
            for status, count in phase.status_counts.items():
                statuses[status] = statuses.get(status, 0) + count
            phases[phase.name] = PhaseStats(
                phase.name,
                known.cases + phase.cases,
                known.sent + phase.sent,
                known.skipped + phase.skipped,
                statuses,
                tuple(sorted({*known.classes, *phase.classes})),
            )
    return tuple(phases.values())


def _merge_baseline(
    parts: Sequence[RunResults], deviations: Sequence[Deviation]
) -> BaselineComparison | None:
    comparisons = [part.baseline for part in parts]
    if all(c is None for c in comparisons):
        return None
    labels = {c.baseline for c in comparisons if c is not None}
    if any(c is None for c in comparisons) or len(labels) != 1:
        raise MergeError(
            "cannot merge: the shards were not all compared with the same baseline; run every shard "
            "with the same --baseline, or merge without it and compare with `report OLD NEW`"
        )
    present = [c for c in comparisons if c is not None]
    new_keys = set().union(*(c.new for c in present))
    keys = list(dict.fromkeys(d.key for d in deviations))
    # A shard's fixed = baseline keys absent from that shard; absent from the whole run = in every shard's.
    still_fixed = set.intersection(*({d.key for d in c.fixed} for c in present))
    fixed: dict[str, Deviation] = {}
    for comparison in present:
        for deviation in comparison.fixed:
            if deviation.key in still_fixed:
                fixed.setdefault(deviation.key, deviation)
    return BaselineComparison(
        baseline=labels.pop(),
        new=tuple(k for k in keys if k in new_keys),
        persisting=tuple(k for k in keys if k not in new_keys),
        fixed=tuple(sorted(fixed.values(), key=_deviation_order)),
    )


def merge_results(parts: Sequence[RunResults]) -> RunResults:
    """One ``RunResults`` from the shards of one run; the result does not depend on their order."""
    if not parts:
        raise MergeError("cannot merge: no results files given")
    _check_same(parts)
    ordered = sorted(parts, key=_part_order)
    deviations = tuple(sorted((d for p in ordered for d in p.deviations), key=_deviation_order))
    checks: dict[str, str] = {}
    for part in ordered:
        for check, description in part.checks.items():
            checks.setdefault(check, description)
    reasons = list(dict.fromkeys(p.partial_reason for p in ordered if p.partial_reason))
    stats = merge_stats([p.stats for p in ordered])
    stats["merged_shards"] = len(parts)
    first = ordered[0]
    return RunResults(
        target=first.target,
        spec=dict(first.spec),
        seed=first.seed,
        started_at=_earliest([p.started_at for p in ordered]),
        finished_at=_latest([p.finished_at for p in ordered]),
        duration_s=max(p.duration_s for p in ordered),
        fail_on=first.fail_on,
        deviations=deviations,
        phases=_merge_phases(ordered),
        crashes=tuple(c for p in ordered for c in p.crashes),
        checks=dict(sorted(checks.items())),
        stats=stats,
        partial=any(p.partial for p in ordered),
        partial_reason="; ".join(reasons),
        baseline=_merge_baseline(ordered, deviations),
        command=first.command,
        tool_version=first.tool_version,
        invocation=_merged_invocation(first.invocation),
    )


def _merged_invocation(invocation: Mapping[str, Any]) -> dict[str, Any]:
    """The shards' recorded options as one run's: no shard, and a reproduce command without --shard."""
    merged = dict(invocation)
    if merged.get("shard"):
        words = shlex.split(str(merged.get("reproduce", "")))
        if "--shard" in words:
            at = words.index("--shard")
            del words[at : at + 2]
        merged["shard"] = None
        merged["reproduce"] = shlex.join(words)
    return merged
