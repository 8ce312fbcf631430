"""Deviations: what a check reports when a target departs from the documented contract.

Plain frozen data; results.json's form of them is ``results_codec``. No pytest, no schemathesis.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ABSENT",
    "Deviation",
    "Evidence",
    "Severity",
    "normalise_path",
    "severity_rank",
    "worst_severity",
]


ABSENT = "(absent)"  # a deviation's ``actual`` when the member it is about is missing


class Severity(enum.Enum):
    """How strongly the documentation supports the expectation that was broken."""

    ERROR = "error"  # breaks what the docs state plainly
    WARNING = "warning"  # matches another documented variant, or the docs are ambiguous
    INFO = "info"  # undocumented extras

    @property
    def rank(self) -> int:
        return _RANKS[self._value_]

    def at_least(self, threshold: Severity) -> bool:
        return _RANKS[self._value_] >= _RANKS[threshold._value_]

    def names_at_least(self) -> frozenset[str]:
        """The values of every severity at or above this one (a membership test for many deviations)."""
        return frozenset(value for value, rank in _RANKS.items() if rank >= _RANKS[self._value_])

    @classmethod
    def parse(cls, value: str) -> Severity:
        found = _BY_VALUE.get(value)
        if found is not None:
            return found
        try:
            return cls(value.lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {value!r}; choose one of: {choices}") from None


_RANKS = {"error": 3, "warning": 2, "info": 1}
_BY_VALUE = {s.value: s for s in Severity}
_WORST_FIRST = sorted(Severity, key=lambda s: -_RANKS[s.value])


def severity_rank(deviation: Deviation) -> int:
    """``deviation.severity.rank`` without the enum's property machinery (a sort key for many)."""
    return _RANKS[deviation.severity._value_]  # a str key: its hash is cached, an enum's is a Python call


def worst_severity(deviations: Iterable[Deviation]) -> Severity:
    """The worst severity among ``deviations`` (at least one); one set, not a rank per deviation."""
    present = {d.severity._value_ for d in deviations}
    return next(s for s in _WORST_FIRST if s._value_ in present)


@dataclass(frozen=True)
class Evidence:
    """Where the expectation comes from: a documented page, a DECISIONS entry, a variant."""

    source: str  # e.g. "S1 200 tab" or "notes §4.5"
    decision: str | None = None  # e.g. "D11"
    variant: str | None = None  # id of a documented variant the target matches, if any


_INDEX = re.compile(r"\[\d+\]")


@functools.lru_cache(maxsize=65_536)  # a run has few distinct paths, each seen by many deviations
def normalise_path(path: str) -> str:
    """A JSON path with array indices folded, so ``$.a[3].b`` and ``$.a[0].b`` group together."""
    return _INDEX.sub("[*]", path)


@dataclass(frozen=True, slots=True)  # slots: 100,000 of them in a big run's report (D44)
class Deviation:
    """One departure of one response from the contract.

    ``title`` is fixed per kind of problem (it is the grouping key); ``detail`` carries
    the specifics. ``key`` is stable across runs: it ignores every volatile value.
    """

    check: str
    severity: Severity
    title: str
    detail: str
    operation: str = "POST /rest/sms"
    path: str = "$"
    expected: str = ""
    actual: str = ""
    spec_pointer: str = ""
    evidence: Evidence = field(default_factory=lambda: Evidence(source=""))
    case_id: str = ""
    phase: str = ""
    request: Mapping[str, Any] = field(default_factory=dict)  # redacted
    response: Mapping[str, Any] = field(default_factory=dict)  # redacted, body truncated
    curl: str = ""
    seed: int | None = None
    # differential runs: the other target's response to the same request (redacted), else empty
    other_response: Mapping[str, Any] = field(default_factory=dict)
    _key: str | None = field(default=None, init=False, repr=False, compare=False)  # ``key``, once known

    @property
    def key(self) -> str:
        """Stable identity for de-duplication and baseline matching (computed once per deviation)."""
        cached = self._key
        if cached is None:
            raw = "\x1f".join([self.check, self.operation, self.title, normalise_path(self.path), self.phase])
            cached = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]
            object.__setattr__(self, "_key", cached)
        return cached
