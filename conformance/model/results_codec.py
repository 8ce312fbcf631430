"""The rows of results.json: a deviation and its exchange's evidence, as msgspec structs (D44).

These structs are the file's form: msgspec writes them and reads them back, typed, with a precise
error (``Expected `int`, got `str` - at `$.deviations[3].exchange```) for anything else. A row
becomes a ``Deviation`` at once. Version 2 stores each exchange's request, response and curl line
once (``ExchangeRow``, the ``exchanges`` table) and a deviation refers to it by index
(``ReferringRow``); version 1 carried them inline in every deviation (``InlineRow``).

The evidence maps are typed as what the suite records (a field is a scalar or a map of header
scalars), so no text, however nested, can make them deeper than that.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from collections.abc import Sequence
from typing import Any

import msgspec

from conformance.model.deviations import Deviation, Evidence, Severity

__all__ = [
    "DeviationRow",
    "EvidenceMap",
    "ExchangeRow",
    "ExchangeTable",
    "InlineRow",
    "ReferringRow",
    "read_deviations",
]

Scalar = str | int | float | bool | None
EvidenceMap = dict[str, Scalar | dict[str, Scalar]]  # a request or response: fields, headers a map


class ExchangeRow(msgspec.Struct, kw_only=True, gc=False):
    """What the deviations of one exchange share: stored once in version 2's ``exchanges`` table."""

    request: EvidenceMap = {}
    response: EvidenceMap = {}
    curl: str = ""
    other_response: EvidenceMap = {}  # differential runs: the other target's answer


class DeviationRow(msgspec.Struct, kw_only=True, gc=False):
    """A deviation's own fields, as both versions store them."""

    key: str | None = None
    check: str
    severity: Severity
    title: str
    detail: str = ""
    operation: str = "POST /rest/sms"
    path: str = "$"
    expected: str = ""
    actual: str = ""
    spec_pointer: str = ""
    evidence: Evidence = msgspec.field(default_factory=lambda: Evidence(source=""))
    case_id: str = ""
    phase: str = ""
    seed: int | None = None


class ReferringRow(DeviationRow, kw_only=True, gc=False):
    """Version 2: the evidence is row ``exchange`` of the ``exchanges`` table."""

    exchange: int


class InlineRow(DeviationRow, kw_only=True, gc=False):
    """Version 1: the evidence inline."""

    request: EvidenceMap = {}
    response: EvidenceMap = {}
    curl: str = ""
    other_response: EvidenceMap = {}


class ExchangeTable:
    """The ``exchanges`` table being written: each distinct evidence once, deviations as references.

    Deviations of one exchange (several checks firing on one answer) carry equal evidence; each
    distinct one gets the next index. Equal objects are recognised by identity first (the engine and
    ``load_results`` share them), then by content.
    """

    def __init__(self) -> None:
        self.rows: list[ExchangeRow] = []
        self._by_identity: dict[tuple[int, int, int, str], int] = {}
        self._by_content: dict[bytes, int] = {}
        self._alive: list[Deviation] = []  # keeps the identities above valid while the table lives

    def row(self, deviation: Deviation) -> ReferringRow:
        """``deviation`` as a row referring to its exchange (added to the table when new)."""
        return ReferringRow(
            key=deviation.key,
            check=deviation.check,
            severity=deviation.severity,
            title=deviation.title,
            detail=deviation.detail,
            operation=deviation.operation,
            path=deviation.path,
            expected=deviation.expected,
            actual=deviation.actual,
            spec_pointer=deviation.spec_pointer,
            evidence=deviation.evidence,
            case_id=deviation.case_id,
            phase=deviation.phase,
            seed=deviation.seed,
            exchange=self._index(deviation),
        )

    def _index(self, deviation: Deviation) -> int:
        identity = (
            id(deviation.request),
            id(deviation.response),
            id(deviation.other_response),
            deviation.curl,
        )
        found = self._by_identity.get(identity)
        if found is not None:
            return found
        row = ExchangeRow(
            request=dict(deviation.request),
            response=dict(deviation.response),
            curl=deviation.curl,
            other_response=dict(deviation.other_response),
        )
        # a digest, not the text: the table must not hold a second copy of every response it stores
        content = hashlib.sha256(msgspec.json.encode(row, order="sorted")).digest()
        found = self._by_content.get(content)
        if found is None:
            found = len(self.rows)
            self.rows.append(row)
            self._by_content[content] = found
        self._by_identity[identity] = found
        self._alive.append(deviation)
        return found


_ROWS: dict[int, msgspec.json.Decoder[Any]] = {
    1: msgspec.json.Decoder(InlineRow),
    2: msgspec.json.Decoder(ReferringRow),
}


def read_deviations(
    rows: Sequence[msgspec.Raw], version: int, exchanges: Sequence[ExchangeRow], where: str
) -> tuple[Deviation, ...]:
    """The deviations of ``rows`` (each the text of one row of file version ``version``, at JSON path
    ``where``), each row decoded and built at once: only one row exists at a time, never 100,000.

    A referring row shares its exchange's mappings (one copy in memory per exchange, however many
    deviations it has) and keeps its stored key (this same function computed it); an inline row's
    key is computed afresh. ``ValueError`` names the JSON path of anything wrong.
    """
    decode = _ROWS[version].decode
    built = []
    for index, text in enumerate(rows):
        try:
            row = decode(text)
        except msgspec.ValidationError as exc:
            raise ValueError(_at(str(exc), f"{where}[{index}]")) from None
        if isinstance(row, ReferringRow):
            if not 0 <= row.exchange < len(exchanges):
                raise ValueError(
                    f"{where}[{index}].exchange is {row.exchange}, a row the exchanges table lacks"
                )
            built.append(_deviation(row, exchanges[row.exchange], row.key))
        elif isinstance(row, InlineRow):
            shared = ExchangeRow(
                request=row.request, response=row.response, curl=row.curl, other_response=row.other_response
            )
            built.append(_deviation(row, shared, None))
    return tuple(built)


def _at(problem: str, where: str) -> str:
    """msgspec's message about one row, its path made the path in the whole file."""
    return problem.replace("`$", f"`{where}", 1) if " - at `$" in problem else f"{problem} - at `{where}`"


@functools.lru_cache(maxsize=4096)
def _shared(evidence: Evidence) -> Evidence:
    """One object per distinct evidence (100,000 deviations cite a few dozen)."""
    return evidence


def _deviation(row: DeviationRow, shared: ExchangeRow, key: str | None) -> Deviation:
    intern = sys.intern  # the same checks, titles and paths recur thousands of times
    deviation = Deviation(
        check=intern(row.check),
        severity=row.severity,
        title=intern(row.title),
        detail=row.detail,
        operation=intern(row.operation),
        path=intern(row.path),
        expected=intern(row.expected),
        actual=row.actual,
        spec_pointer=intern(row.spec_pointer),
        evidence=_shared(row.evidence),
        case_id=row.case_id,
        phase=intern(row.phase),
        request=shared.request,
        response=shared.response,
        curl=shared.curl,
        seed=row.seed,
        other_response=shared.other_response,
    )
    if key is not None:
        object.__setattr__(deviation, "_key", key)  # as ``key`` would cache it
    return deviation
