"""Deviations: what a check reports when a target departs from the documented contract.

Plain frozen data with ``to_dict``/``from_dict``; no pytest, no schemathesis.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Deviation", "Evidence", "Severity", "normalise_path"]


class Severity(enum.Enum):
    """How strongly the documentation supports the expectation that was broken."""

    ERROR = "error"  # breaks what the docs state plainly
    WARNING = "warning"  # matches another documented variant, or the docs are ambiguous
    INFO = "info"  # undocumented extras

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]

    def at_least(self, threshold: Severity) -> bool:
        return self.rank >= threshold.rank

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value.lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {value!r}; choose one of: {choices}") from None


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


def normalise_path(path: str) -> str:
    """A JSON path with array indices folded, so ``$.a[3].b`` and ``$.a[0].b`` group together."""
    return _INDEX.sub("[*]", path)


@dataclass(frozen=True)
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

    @property
    def key(self) -> str:
        """Stable identity for de-duplication and baseline matching."""
        raw = "\x1f".join([self.check, self.operation, self.title, normalise_path(self.path), self.phase])
        return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
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
            "request": dict(self.request),
            "response": dict(self.response),
            "curl": self.curl,
            "seed": self.seed,
            "other_response": dict(self.other_response),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Deviation:
        return cls(
            check=str(data["check"]),
            severity=Severity.parse(str(data["severity"])),
            title=str(data["title"]),
            detail=str(data.get("detail", "")),
            operation=str(data.get("operation", "POST /rest/sms")),
            path=str(data.get("path", "$")),
            expected=str(data.get("expected", "")),
            actual=str(data.get("actual", "")),
            spec_pointer=str(data.get("spec_pointer", "")),
            evidence=Evidence.from_dict(data.get("evidence") or {"source": ""}),
            case_id=str(data.get("case_id", "")),
            phase=str(data.get("phase", "")),
            request=dict(data.get("request") or {}),
            response=dict(data.get("response") or {}),
            curl=str(data.get("curl", "")),
            seed=data.get("seed"),
            other_response=dict(data.get("other_response") or {}),
        )
