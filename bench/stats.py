"""Statistics of interleaved rounds: per-pair ratios, median and min-max, never a ratio of medians."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Spread", "paired_ratios", "spread"]


@dataclass(frozen=True)
class Spread:
    """Median and range of one figure over its rounds."""

    median: float
    low: float
    high: float
    rounds: int

    def format(self, unit: str = "", digits: int = 2) -> str:
        """``1.23x (1.10-1.40, 5 rounds)``; a single round shows no range."""
        value = f"{self.median:.{digits}f}{unit}"
        if self.rounds == 1:
            return f"{value} (1 round)"
        return f"{value} ({self.low:.{digits}f}-{self.high:.{digits}f}, {self.rounds} rounds)"


def spread(values: Sequence[float]) -> Spread:
    """The median, minimum and maximum of ``values`` (at least one)."""
    if not values:
        raise ValueError("spread() needs at least one value; no round produced this figure")
    return Spread(statistics.median(values), min(values), max(values), len(values))


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """``numerators[i] / denominators[i]`` for each round i: both sides of a pair ran side by side."""
    if len(numerators) != len(denominators):
        raise ValueError(f"unpaired rounds: {len(numerators)} vs {len(denominators)} values")
    if any(d <= 0 for d in denominators):
        raise ValueError(f"a denominator is not positive: {list(denominators)}")
    return [n / d for n, d in zip(numerators, denominators, strict=True)]
