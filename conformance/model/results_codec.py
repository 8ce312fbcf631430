"""The fast reader of a results.json of version 2: decoded straight into typed rows (D44).

A generic JSON parser builds a dict per deviation first (100,000 deviations: ~250 MB of dicts,
then copied into the model). Here msgspec keeps each deviation as a view of the text, decodes it
into a typed row (no dict, no garbage-collector tracking) and the row becomes a ``Deviation`` at
once, so only one row exists at a time. Only the bulk is typed:
the run's small parts stay generic JSON and go through ``RunResults.from_dict`` as before.

Anything this reader does not accept (another version, a field of the wrong type, bad JSON, a text
nested too deep) returns ``None``, and ``load_results`` reads the file with the generic bounded
reader, which gives the same value or the precise, documented error.
"""

from __future__ import annotations

import sys
from typing import Any

import msgspec

from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.jsontext import nests_within

__all__ = ["FastResults", "decode_v2"]

_EXCHANGE_ROW_DEPTH = 4  # row -> request -> headers -> value (``_row_within_depth``)


class _Evidence(msgspec.Struct, gc=False):
    source: str = ""
    decision: str | None = None
    variant: str | None = None


class _Deviation(msgspec.Struct, gc=False):
    check: str
    severity: str
    title: str
    detail: str = ""
    operation: str = "POST /rest/sms"
    path: str = "$"
    expected: str = ""
    actual: str = ""
    spec_pointer: str = ""
    evidence: _Evidence | None = None
    case_id: str = ""
    phase: str = ""
    seed: int | None = None
    key: str | None = None
    exchange: int | None = None


class _File(msgspec.Struct):
    """A version-2 file; every part but the bulk kept as generic JSON for ``RunResults.from_dict``."""

    schema_version: int
    run: dict[str, Any]
    target: dict[str, Any]
    tool: Any = None
    spec: Any = None
    phases: Any = None
    stats: Any = None
    counts: Any = None
    checks: Any = None
    crashes: Any = None
    baseline: Any = None
    invocation: Any = None
    deviations: list[msgspec.Raw] = []  # each decoded on its own, then freed: never all rows at once
    exchanges: list[dict[str, Any]] = []


class FastResults(msgspec.Struct):
    """What ``decode_v2`` read: the small parts as a dict, and the deviations already built."""

    data: dict[str, Any]
    deviations: tuple[Deviation, ...]


_DECODER = msgspec.json.Decoder(_File)
_ROW = msgspec.json.Decoder(_Deviation)
_DONE = msgspec.Raw(b"null")
_SEVERITIES = {s.value: s for s in Severity}
_SMALL_PARTS = ("tool", "spec", "phases", "stats", "counts", "checks", "crashes", "baseline", "invocation")


def decode_v2(raw: bytes, *, max_depth: int) -> FastResults | None:
    """``raw`` as a version-2 results file, or ``None`` when the generic reader must decide."""
    if b'"schema_version":2' not in raw[:64].replace(b" ", b""):
        return None  # the writer puts the version first; anything else is read generically
    try:
        decoded = _DECODER.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        return None
    data: dict[str, Any] = {"schema_version": decoded.schema_version, "run": decoded.run}
    data["target"] = decoded.target
    for name in _SMALL_PARTS:
        value = getattr(decoded, name)
        if value is not None:
            data[name] = value
    if not nests_within(data, max_depth):
        return None
    exchanges = decoded.exchanges
    if not all(_row_within_depth(row) for row in exchanges):
        return None
    data["exchanges"] = exchanges
    rows = decoded.deviations
    built: list[Deviation] = []
    try:
        for index, row in enumerate(rows):
            built.append(_deviation(_ROW.decode(row), exchanges))
            rows[index] = _DONE  # each row's view of the text dropped once built
    except (KeyError, ValueError, msgspec.DecodeError):
        return None
    deviations = tuple(built)
    return FastResults(data, deviations)


def _deviation(row: _Deviation, exchanges: list[dict[str, Any]]) -> Deviation:
    intern = sys.intern
    evidence = row.evidence or _Evidence()
    values: dict[str, Any] = {
        "check": intern(row.check),
        "severity": _SEVERITIES[row.severity],
        "title": intern(row.title),
        "detail": row.detail,
        "operation": intern(row.operation),
        "path": intern(row.path),
        "expected": intern(row.expected),
        "actual": row.actual,
        "spec_pointer": intern(row.spec_pointer),
        "evidence": _evidence(evidence.source, evidence.decision, evidence.variant),
        "case_id": row.case_id,
        "phase": intern(row.phase),
        "seed": row.seed,
    }
    if row.exchange is None or not 0 <= row.exchange < len(exchanges):
        raise ValueError("a deviation without its exchange: the generic reader decides")
    shared = exchanges[row.exchange]
    values["request"] = _mapping(shared.get("request"))
    values["response"] = _mapping(shared.get("response"))
    curl = shared.get("curl", "")
    if not isinstance(curl, str):
        raise ValueError("curl must be a string")
    values["curl"] = curl
    values["other_response"] = _mapping(shared.get("other_response"))
    if row.key is not None:
        values["_key"] = row.key
    return Deviation.build(values)


_EVIDENCE: dict[tuple[str, str | None, str | None], Evidence] = {}


def _evidence(source: str, decision: str | None, variant: str | None) -> Evidence:
    found = _EVIDENCE.get((source, decision, variant))
    if found is None:
        if len(_EVIDENCE) > 4096:
            _EVIDENCE.clear()
        found = _EVIDENCE[(source, decision, variant)] = Evidence(source, decision, variant)
    return found


def _members(value: Any) -> Any:
    kind = type(value)
    return value.values() if kind is dict else value if kind is list else ()


def _row_within_depth(row: dict[str, Any]) -> bool:
    """``nests_within(row, 4)`` unrolled (33,000 rows in a big run): containers at depth 2, 3 and 4 at
    most, so no container may sit inside one at depth 4."""
    for second in _members(row):
        for third in _members(second):
            for fourth in _members(third):
                for fifth in _members(fourth):
                    if type(fifth) in (dict, list):
                        return False
    return True


def _mapping(value: Any) -> dict[str, Any]:
    if not value:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {type(value).__name__}")
    return value
