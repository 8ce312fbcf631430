"""When documented requests are refused, try the same values in the other documented request forms.

DECISIONS D2/D3: a target that refuses the canonical query (`FROM`, `TO`, `Message`) but accepts
the same values as lowercase query names or as a documented JSON body follows another documented
variant, so its refusals are warnings naming that variant, not errors. Each refused case is
re-sent in the variant form (within the send budget); only the cases the variant form rescues are
downgraded, so a refusal for another reason (a length limit, say) stays an error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from conformance.contract.variants import Variant
from conformance.model.cases import Case, Expectation
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange

__all__ = ["PROBE_PHASE", "downgrade_rescued", "request_variants", "variant_case"]

PROBE_PHASE = "variants"
# the checks whose errors a variant form can explain: the request was refused, or refused for the wrong reason
CHECKS = frozenset({"valid_data_rejected", "rejection_status"})
EXPECTED_STATUS = {Expectation.VALIDATION: 400, Expectation.AUTH: 401, Expectation.NOT_FOUND: 404}
ROLES = {"sender": "FROM", "destination": "TO", "text": "Message"}


def request_variants(variants: Iterable[Variant]) -> list[Variant]:
    """The documented request forms, the closest to the canonical one (same location) first."""
    found = [v for v in variants if v.kind == "request" and isinstance(v.data.get("request"), Mapping)]
    return sorted(found, key=lambda v: (v.data["request"].get("location") != "query", v.id))


def _encode(variant: Variant, role: str, value: str) -> Any:
    request = variant.data["request"]
    style = (request.get("number_format_overrides") or {}).get(role, request.get("number_format", "digits"))
    if role == "text":
        return value
    if style == "integer":
        return int(value)
    if style == "e164-plus":
        return f"+{value}"
    return value


def variant_case(case: Case, variant: Variant) -> Case:
    """The same sender, destination and text in the variant's names, location and number format."""
    request = variant.data["request"]
    values = {role: case.params[name] for role, name in ROLES.items() if name in case.params}
    fields = {request["names"][role]: _encode(variant, role, value) for role, value in values.items()}
    probe = replace(
        case,
        id=f"{case.id}~{variant.id}",
        phase=PROBE_PHASE,
        kind=f"{case.kind}, as documented variant {variant.id}",
        evidence=variant.evidence,
        decision=variant.decision,
    )
    if request.get("location") == "query":
        return replace(probe, params={k: str(v) for k, v in fields.items()}, body=None)
    return replace(probe, params={}, body=json.dumps(fields, ensure_ascii=False).encode())


@dataclass(frozen=True)
class _Rescue:
    variant: Variant
    status: int


def _as_documented(exchange: Exchange) -> bool:
    """The variant form got the outcome the case's documentation demands."""
    response = exchange.response
    if response is None:
        return False
    if exchange.case.expectation is Expectation.SUCCESS:
        return 200 <= response.status < 300
    if exchange.case.expectation is Expectation.REFUSED:
        return response.status in EXPECTED_STATUS.values()
    return response.status == EXPECTED_STATUS[exchange.case.expectation]


def downgrade_rescued(
    deviations: Sequence[Deviation],
    cases: Mapping[str, Case],
    variants: Sequence[Variant],
    send: Callable[[Case], Exchange | None],
) -> list[Deviation]:
    """Deviations with every refusal that a documented variant form rescues turned into a warning.

    ``send`` returns None when the budget allows no more requests.
    """
    refused = [
        d for d in deviations if d.check in CHECKS and d.severity is Severity.ERROR and d.case_id in cases
    ]
    if not refused or not variants:
        return list(deviations)
    first = cases[refused[0].case_id]
    chosen: Variant | None = None
    for variant in variants:
        exchange = send(variant_case(first, variant))
        if exchange is None:
            return list(deviations)
        if _as_documented(exchange):
            chosen = variant
            break
    if chosen is None:
        return list(deviations)
    rescued: dict[str, _Rescue] = {}
    for case_id in dict.fromkeys(d.case_id for d in refused):
        exchange = send(variant_case(cases[case_id], chosen))
        if exchange is None:
            break
        if _as_documented(exchange) and exchange.response is not None:
            rescued[case_id] = _Rescue(chosen, exchange.response.status)
    return [_downgraded(d, rescued[d.case_id]) if _rescuable(d, rescued) else d for d in deviations]


def _rescuable(deviation: Deviation, rescued: Mapping[str, _Rescue]) -> bool:
    return deviation.check in CHECKS and deviation.severity is Severity.ERROR and deviation.case_id in rescued


def _downgraded(deviation: Deviation, rescue: _Rescue) -> Deviation:
    variant = rescue.variant
    return replace(
        deviation,
        severity=Severity.WARNING,
        title=f"{deviation.title}; as documented variant '{variant.id}' it got the documented answer",
        detail=(
            f"{deviation.detail} The same values sent as documented variant '{variant.title}' got "
            f"HTTP {rescue.status}, so the target follows that variant ({variant.decision})."
        ),
        evidence=Evidence(source=variant.evidence, decision=variant.decision, variant=variant.id),
    )
