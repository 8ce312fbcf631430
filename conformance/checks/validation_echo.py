"""The validation envelope's ``fields.<location>.value`` echoes the value that was rejected (D29)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from conformance.checks.base import CheckContext, register
from conformance.model.cases import Expectation
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange

__all__ = ["check_field_value_echo", "echoes"]


def _sent_values(exchange: Exchange, name: str) -> list[str]:
    """Every value sent for a query parameter, matched case-insensitively (given twice: both)."""
    wanted = name.lower()
    return [value for key, value in exchange.request.query if key.lower() == wanted]


def echoes(value: Any, sent: list[str]) -> bool:
    """``value`` is one of the values sent (a JSON integer counts for its digits), or, when nothing
    was sent, null or the empty string."""
    if not sent:
        return value is None or value == ""
    if isinstance(value, list):
        return [str(v) for v in value] == sent
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) in sent
    return isinstance(value, str) and value in sent


@register("field_value_echo")
def check_field_value_echo(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """Validation errors echo the rejected value in fields.*.value (D29)."""
    response = exchange.response
    case = exchange.case
    if response is None or case.expectation is not Expectation.VALIDATION or case.body is not None:
        return
    if 200 <= response.status < 300:
        return
    body = response.json_or_none()
    fields = body.get("fields") if isinstance(body, Mapping) else None
    if not isinstance(fields, Mapping):
        return
    for location, entry in fields.items():
        if not isinstance(entry, Mapping) or "value" not in entry:
            continue  # the envelope's shape is error_envelope's and response_schema's concern
        name = str(location).rsplit(".", 1)[-1]
        sent = _sent_values(exchange, name)
        if echoes(entry["value"], sent):
            continue
        yield ctx.deviation(
            "field_value_echo",
            exchange,
            severity=Severity.ERROR,
            title="fields.*.value is not the rejected value",
            detail=f"{case.kind}: fields[{str(location)!r}].value is {entry['value']!r}, but "
            + (f"{name} was sent as {sent[0]!r}." if sent else f"no {name} was sent (null expected)."),
            path=f"$.fields['{location}'].value",
            expected=sent[0] if len(sent) == 1 else (sent or None),
            actual=entry["value"],
            evidence=Evidence(
                source="S1 error example: TO=qwerty123456789 -> fields['params.to'].value 'qwerty123456789'",
                decision="D29",
            ),
        )
