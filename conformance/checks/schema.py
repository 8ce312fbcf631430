"""Checks of response bodies against the documented schemas."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from conformance.checks.base import CheckContext, register
from conformance.checks.schema_wording import word_problem
from conformance.contract.schemas import SchemaProblem
from conformance.contract.variants import ResponseVariant, explanations
from conformance.model.cases import Expectation
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange

__all__ = ["check_response_schema", "check_undocumented_fields"]

_MAX_PROBLEMS = 10


def _json_body(exchange: Exchange) -> Any:
    response = exchange.response
    if response is None or not response.body:
        return None
    return response.json_or_none()


@register("response_schema")
def check_response_schema(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """Every JSON response validates against the schema documented for its status (jsonschema)."""
    response = exchange.response
    body = _json_body(exchange)
    if response is None or body is None or response.status not in ctx.contract.documented_statuses:
        return
    problems = [p for p in ctx.contract.validate(response.status, body) if not _names_the_body(exchange, p)]
    if not problems:
        return
    explaining = explanations(ctx.variants, response.status, body, [p.path for p in problems])
    for problem in problems[:_MAX_PROBLEMS]:
        if explaining[problem.path]:
            yield _variant_deviation(ctx, exchange, body, explaining[problem.path], problem)
        else:
            yield _schema_error(ctx, exchange, body, problem)


def _names_the_body(exchange: Exchange, problem: SchemaProblem) -> bool:
    """A refusal of a body that is not JSON whose ``fields`` names the body, not a parameter: the docs key
    ``fields`` by parameter (S1, ``params.to``) and show no refusal of a body, so the name is free (D69)."""
    return exchange.case.expectation is Expectation.NOT_JSON and problem.schema_pointer.endswith(
        "/fields/propertyNames/pattern"
    )


def _schema_error(ctx: CheckContext, exchange: Exchange, body: Any, problem: SchemaProblem) -> Deviation:
    status = exchange.response.status if exchange.response is not None else 0
    inferred = ctx.contract.inferred(status)
    words = word_problem(problem, body)
    return ctx.deviation(
        "response_schema",
        exchange,
        # D25: a body the docs never show (the inferred 401) cannot break them plainly
        severity=Severity.WARNING if inferred else Severity.ERROR,
        title=words.title,
        detail=f"HTTP {status} body: {problem.message} (schema {problem.schema_pointer})"
        + (" The expected body is itself inferred (D12, D25)." if inferred else ""),
        path=words.path,
        expected=words.expected,
        actual=words.actual,
        evidence=Evidence(source=f"spec response {status}", decision="D25" if inferred else None),
    )


def _variant_deviation(
    ctx: CheckContext,
    exchange: Exchange,
    body: Any,
    explaining: list[ResponseVariant],
    problem: SchemaProblem,
) -> Deviation:
    """A warning: this member breaks the canonical schema the way a variant the body shows does (D23)."""
    variant = explaining[0].variant
    also = [v.variant.id for v in explaining[1:]]
    words = word_problem(problem, body)
    status = exchange.response.status if exchange.response is not None else 0
    return ctx.deviation(
        "response_schema",
        exchange,
        severity=Severity.WARNING,
        title=f"HTTP {status} body matches documented variant '{variant.id}'",
        detail=(
            f"{problem.path} breaks the canonical schema ({problem.message}) as the documented variant "
            f"'{variant.title}' shows it (D23)."
            + (f" Also consistent with: {', '.join(also)}." if also else "")
        ),
        path=problem.path,
        expected=f"{words.expected} (the API reference)",  # what the reference documents, in words
        actual=words.actual,
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
    answer = "a success" if 200 <= response.status < 300 else "an error"
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
                # the kind of answer, not its status: one member is one finding on 200, 201 or 202 (D23)
                title=f"Undocumented member in {answer} body",
                detail=f"'{member}' at {where} of an HTTP {response.status} body is not in the documented "
                f"{schema_name}.{note}",
                path=f"{where}.{member}",
                expected=f"members of {schema_name}",
                actual=node[member],
                evidence=Evidence(source="S1 examples (D8)", decision="D8", variant=variant),
            )
