"""Baseline matching: which deviations of a run are new, persisting or fixed."""

from __future__ import annotations

from conformance.model.deviations import Deviation
from conformance.model.results import BaselineComparison, RunResults

__all__ = ["compare"]


def _first_by_key(deviations: tuple[Deviation, ...]) -> dict[str, Deviation]:
    first: dict[str, Deviation] = {}
    for deviation in deviations:
        first.setdefault(deviation.key, deviation)
    return first


def compare(baseline: RunResults, current: RunResults, *, label: str) -> BaselineComparison:
    """Match ``current`` against ``baseline`` by ``Deviation.key`` (which ignores volatile values).

    ``new`` and ``persisting`` are keys of ``current`` in first-seen order; ``fixed`` holds one
    baseline deviation per key that no longer occurs, in baseline order.
    """
    before = _first_by_key(baseline.deviations)
    now = _first_by_key(current.deviations)
    return BaselineComparison(
        baseline=label,
        new=tuple(key for key in now if key not in before),
        persisting=tuple(key for key in now if key in before),
        fixed=tuple(deviation for key, deviation in before.items() if key not in now),
    )
