"""Checks of response bodies against the documented schemas."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from conformance.checks.base import CheckContext, register
from conformance.checks.schema_wording import word_problem
from conformance.contract.schemas import SchemaProblem
from conformance.contract.variants import ResponseVariant
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange

__all__ = ["check_response_schema", "check_undocumented_fields"]

_MAX_PROBLEMS = 10


def _json_body(exchange: Exchange) -> Any:
    response = exchange.response
    if response is None or not response.body:
        return None
    return response.json_or_none()


def _value_at(body: Any, path: str) -> Any:
    node = body
    for part in path.lstrip("$").split(".")[1:] if path != "$" else []:
        if isinstance(node, Mapping):
            node = node.get(part)
        else:
            return None
    return node


@register("response_schema")
def check_response_schema(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """Every JSON response validates against the schema documented for its status (jsonschema)."""
    response = exchange.response
    body = _json_body(exchange)
    if response is None or body is None or response.status not in ctx.contract.documented_statuses:
        return
    problems = list(ctx.contract.validate(response.status, body))
    if not problems:
        return
    matching = [
        v
        for v in ctx.variants
        if v.applies_to(response.status) and not list(v.contract.validate(response.status, body))
    ]
    if matching:
        yield _variant_deviation(ctx, exchange, body, matching, problems[0])
        return
    for problem in problems[:_MAX_PROBLEMS]:
        words = word_problem(problem, body)
        yield ctx.deviation(
            "response_schema",
            exchange,
            severity=Severity.ERROR,
            title=words.title,
            detail=f"HTTP {response.status} body: {problem.message} (schema {problem.schema_pointer})",
            path=words.path,
            expected=words.expected,
            actual=words.actual,
            evidence=Evidence(source=f"spec response {response.status}", decision=None),
        )


def _variant_deviation(
    ctx: CheckContext, exchange: Exchange, body: Any, matching: list[ResponseVariant], first: SchemaProblem
) -> Deviation:
    """A warning: the body breaks the canonical schema but fits a documented variant (the narrowest)."""
    variant = matching[0].variant
    also = [v.variant.id for v in matching[1:]]
    status = exchange.response.status if exchange.response is not None else 0
    return ctx.deviation(
        "response_schema",
        exchange,
        severity=Severity.WARNING,
        title=f"HTTP {status} body matches documented variant '{variant.id}'",
        detail=(
            f"The body breaks the canonical schema ({first.path}: {first.message}) but matches the "
            f"documented variant '{variant.title}'."
            + (f" Also consistent with: {', '.join(also)}." if also else "")
        ),
        path=first.path,
        expected=f"canonical schema ({first.validator})",
        actual=_value_at(body, first.path),
        evidence=Evidence(source=variant.evidence, decision=variant.decision, variant=variant.id),
    )


def _documented_members(ctx: CheckContext, schema_name: str) -> frozenset[str]:
    schema = ctx.contract.document["components"]["schemas"][schema_name]
    names = set(schema.get("properties", {}))
    for part in schema.get("allOf", ()):
        ref = part.get("$ref", "")
        if ref:
            names |= _documented_members(ctx, ref.rsplit("/", 1)[-1])
        names |= set(part.get("properties", {}))
    return frozenset(names)


def _variant_with_member(ctx: CheckContext, schema_name: str, member: str) -> str | None:
    for variant in ctx.variants:
        schemas = variant.contract.document["components"]["schemas"]
        if member in schemas.get(schema_name, {}).get("properties", {}):
            return str(variant.variant.id)
    return None


@register("undocumented_fields")
def check_undocumented_fields(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """Members the documentation does not mention (info; names the variant page that shows them, if any)."""
    response = exchange.response
    body = _json_body(exchange)
    if response is None or not isinstance(body, Mapping):
        return
    if 200 <= response.status < 300:
        payload = body.get("payload")
        places: list[tuple[str, Any, str]] = [
            ("$", body, "SmsSendResponse"),
            ("$.payload", payload, "SmsPayload"),
        ]
        if isinstance(payload, Mapping):
            places.append(("$.payload.tn", payload.get("tn"), "TN"))
    else:
        places = [("$", body, "ErrorEnvelope")]
    for where, node, schema_name in places:
        if not isinstance(node, Mapping):
            continue
        documented = _documented_members(ctx, schema_name)
        for member in sorted(set(node) - documented):
            variant = _variant_with_member(ctx, schema_name, member)
            note = f" It appears in documented variant '{variant}'." if variant else ""
            yield ctx.deviation(
                "undocumented_fields",
                exchange,
                severity=Severity.INFO,
                title=f"Undocumented member in HTTP {response.status} body",
                detail=f"'{member}' at {where} is not in the documented {schema_name}.{note}",
                path=f"{where}.{member}",
                expected=f"members of {schema_name}",
                actual=node[member],
                evidence=Evidence(source="S1 examples (D8)", decision="D8", variant=variant),
            )
