"""The documented request forms (spec/variants, kind request): the same values in another form's names,
location and number format (D2, D3). The variant probe re-sends refused requests in them; the
authentication matrix sends every credential state in each (D57)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from conformance.engine.phases import PROBE_PHASE
from conformance.model.cases import Case
from conformance.model.digits import integer_or_text

if TYPE_CHECKING:
    from conformance.contract.variants import Variant

__all__ = ["ROLES", "in_form", "request_variants", "variant_case"]

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
        # a value that is no integer (an empty or lettered number of a refused case) goes as sent
        return integer_or_text(value)
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


def in_form(case: Case, variant: Variant) -> Case:
    """The case in the variant's form, keeping its own id, phase and wording (not the variant probe's)."""
    wire = variant_case(case, variant)
    return replace(
        wire, id=case.id, phase=case.phase, kind=case.kind, evidence=case.evidence, decision=case.decision
    )
