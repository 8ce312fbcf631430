"""Deviations: what a check reports when a target departs from the documented contract.

Plain frozen data with ``to_dict``/``from_dict``; no pytest, no schemathesis.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from conformance.model.jsontext import nests_within

__all__ = [
    "EXCHANGE_FIELDS",
    "Deviation",
    "Evidence",
    "Severity",
    "normalise_path",
    "severity_rank",
    "worst_severity",
]

# the fields a deviation shares with every other deviation of the same exchange: stored once per exchange
# in results.json (its ``exchanges`` table, D44), referred to from each deviation by ``exchange`` (an index)
EXCHANGE_FIELDS = ("request", "response", "curl", "other_response")


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

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "decision": self.decision, "variant": self.variant}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        return cls(source=str(data["source"]), decision=data.get("decision"), variant=data.get("variant"))


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

    def exchange_dict(self) -> dict[str, Any]:
        """The evidence this deviation shares with the other deviations of its exchange."""
        return {
            "request": dict(self.request),
            "response": dict(self.response),
            "curl": self.curl,
            "other_response": dict(self.other_response),
        }

    def to_dict(self, *, exchange: int | None = None) -> dict[str, Any]:
        """The JSON form; with ``exchange``, a reference to that row of the exchanges table instead of
        the request, response, curl and other response inline."""
        if exchange is not None:
            return {**self._own_dict(), "exchange": exchange}
        return {**self._own_dict(), **self.exchange_dict()}

    def _own_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "check": self.check,
            "severity": self.severity.value,
            "title": self.title,
            "detail": self.detail,
            "operation": self.operation,
            "path": self.path,
            "expected": self.expected,
            "actual": self.actual,
            "spec_pointer": self.spec_pointer,
            "evidence": self.evidence.to_dict(),
            "case_id": self.case_id,
            "phase": self.phase,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], exchanges: Sequence[Mapping[str, Any]] | None = None
    ) -> Deviation:
        """Read the JSON form; a deviation that refers to ``exchanges`` shares that row's mappings
        (one copy in memory per exchange, however many deviations it has).

        Built for 100,000 deviations: strings that repeat (check, title, operation…) are interned,
        equal evidence is one object, and the instance is filled in one step (it is frozen, so
        ``__init__`` would set each field through ``object.__setattr__``). With ``exchanges`` (a
        results file of version 2 or later) the stored ``key`` is taken as it is: that writer
        computed it with this same function.
        """
        values = _own_fields(data)
        reference = data.get("exchange")
        if reference is not None:
            if exchanges is None or type(reference) is not int or not 0 <= reference < len(exchanges):
                raise ValueError(
                    f"deviation refers to exchange {reference!r}, which the exchanges table lacks"
                )
            shared = exchanges[reference]
            values["request"] = _mapping(shared.get("request"))
            values["response"] = _mapping(shared.get("response"))
            values["curl"] = _plain(shared.get("curl", ""))
            values["other_response"] = _mapping(shared.get("other_response"))
        else:  # inline (version 1, or written by hand): bounded here, as no table walk saw it
            values["request"] = dict(_mapping(data.get("request"), nested=True))
            values["response"] = dict(_mapping(data.get("response"), nested=True))
            values["curl"] = _plain(data.get("curl", ""))
            values["other_response"] = dict(_mapping(data.get("other_response"), nested=True))
        stored_key = data.get("key")
        if exchanges is not None and type(stored_key) is str:
            values["_key"] = stored_key
        return cls.build(values)

    @classmethod
    def build(cls, values: Mapping[str, Any]) -> Deviation:
        """A deviation from every field's value (and optionally ``_key``, its stored key), in one step:
        for readers of many (``__init__`` of a frozen dataclass sets each field through
        ``object.__setattr__``). The caller has checked the values' types."""
        return _BUILD(cls, values)


_EVIDENCE_DEPTH = 3  # request -> headers -> value


def _mapping(value: Any, *, nested: bool = False) -> Mapping[str, Any]:
    if not value:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {type(value).__name__}")
    if nested and not nests_within(value, _EVIDENCE_DEPTH):
        raise ValueError(f"request/response evidence nests deeper than {_EVIDENCE_DEPTH} levels")
    return value


@functools.lru_cache(maxsize=4096)
def _evidence(source: str, decision: str | None, variant: str | None) -> Evidence:
    return Evidence(source, decision, variant)


def _text(value: Any) -> str:
    """A string field: interned when it is one (the same titles and checks recur thousands of times)."""
    if type(value) is str:
        return sys.intern(value)
    return _plain(value)


def _plain(value: Any) -> str:
    """A string field read as it is; never a container (nothing read from a file nests through here)."""
    if type(value) is str:
        return value
    if isinstance(value, (dict, list, tuple)):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return str(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    return value


def _own_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    evidence = data.get("evidence") or {"source": ""}
    if not isinstance(evidence, dict):
        raise ValueError(f"evidence must be an object, got {type(evidence).__name__}")
    decision, variant = evidence.get("decision"), evidence.get("variant")
    return {
        "check": _text(data["check"]),
        "severity": Severity.parse(_plain(data["severity"])),
        "title": _text(data["title"]),
        "detail": _plain(data.get("detail", "")),
        "operation": _text(data.get("operation", "POST /rest/sms")),
        "path": _text(data.get("path", "$")),
        "expected": _text(data.get("expected", "")),
        "actual": _plain(data.get("actual", "")),
        "spec_pointer": _text(data.get("spec_pointer", "")),
        "evidence": _evidence(
            _text(evidence["source"]),
            None if decision is None else _text(decision),
            None if variant is None else _text(variant),
        ),
        "case_id": _plain(data.get("case_id", "")),
        "phase": _text(data.get("phase", "")),
        "seed": _scalar(data.get("seed")),
    }


def _builder() -> Callable[[type[Deviation], Mapping[str, Any]], Deviation]:
    """``Deviation.build`` as one straight-line function: each slot set through its descriptor, no loop
    (100,000 deviations in a big run's report). ``_key`` is unknown unless given."""
    scope: dict[str, Any] = {"new": object.__new__, "MISSING": MISSING}
    lines = ["def build(cls, values):", "    get = values.get", "    item = new(cls)"]
    for f in fields(Deviation):
        scope[f"set_{f.name}"] = getattr(Deviation, f.name).__set__
        if f.name == "_key" or f.default is not MISSING:
            scope[f"default_{f.name}"] = None if f.name == "_key" else f.default
            lines.append(f"    set_{f.name}(item, get({f.name!r}, default_{f.name}))")
        elif callable(f.default_factory):
            scope[f"factory_{f.name}"] = f.default_factory
            lines.append(f"    value = get({f.name!r}, MISSING)")
            lines.append(f"    set_{f.name}(item, factory_{f.name}() if value is MISSING else value)")
        else:
            lines.append(f"    set_{f.name}(item, values[{f.name!r}])")
    lines.append("    return item")
    exec("\n".join(lines), scope)  # our own fixed source, made from the dataclass's fields
    built: Callable[[type[Deviation], Mapping[str, Any]], Deviation] = scope["build"]
    return built


_BUILD = _builder()
