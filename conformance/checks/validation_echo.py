"""Run-level check that the validation envelope's ``fields.<location>.value`` echoes the rejected value (D29).

``params.to`` names the ``TO`` parameter (S1), so locations match parameters case-insensitively. A
null (or empty) value for a parameter that was sent is judged only when the run shows that the target
reads that parameter name: some request carrying it was accepted. A target that reads other names
(the lowercase variant) rightly reports them missing; that refusal is ``valid_data_rejected``'s.

A long rejected value echoed cut to its first characters (at least ``MIN_CUT_ECHO``, the rest left
out, an ellipsis allowed) is faithful as far as it goes: no client is misled, so it is **info**
(D63), where a null, empty or different value stays an error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from conformance.checks.base import CheckContext, register_run_check
from conformance.model.cases import Expectation
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange

__all__ = ["MIN_CUT_ECHO", "check_field_value_echo", "cut_echo", "echoes", "names_read"]

MIN_CUT_ECHO = 16  # a shorter prefix of a rejected number could be read as another number
_ELLIPSES = ("…", "...")


def _sent(exchange: Exchange, name: str) -> list[tuple[str, str]]:
    """Every (name, value) sent for a query parameter, matched case-insensitively (given twice: both)."""
    wanted = name.lower()
    return [(key, value) for key, value in exchange.request.query if key.lower() == wanted]


def names_read(exchanges: Sequence[Exchange]) -> set[str]:
    """Query parameter names, exactly as sent, of the requests the target accepted (2xx)."""
    return {
        key
        for exchange in exchanges
        if exchange.response is not None and 200 <= exchange.response.status < 300
        for key, _ in exchange.request.query
    }


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


def cut_echo(value: Any, sent: list[str]) -> bool:
    """``value`` is one sent value cut short: a proper prefix of at least ``MIN_CUT_ECHO`` characters,
    with or without an ellipsis after it."""
    if not isinstance(value, str):
        return False
    kept = next((value[: -len(mark)] for mark in _ELLIPSES if value.endswith(mark)), value)
    return len(kept) >= MIN_CUT_ECHO and any(len(s) > len(kept) and s.startswith(kept) for s in sent)


@register_run_check("field_value_echo")
def check_field_value_echo(ctx: CheckContext, exchanges: Sequence[Exchange]) -> Iterator[Deviation]:
    """Validation errors echo the rejected value in fields.*.value (D29)."""
    read = names_read(exchanges)
    for exchange in exchanges:
        if exchange.case.repeat_of is None:
            yield from _judge(ctx, exchange, read)


def _judge(ctx: CheckContext, exchange: Exchange, read: set[str]) -> Iterator[Deviation]:
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
        pairs = _sent(exchange, name)
        sent = [value for _, value in pairs]
        if echoes(entry["value"], sent):
            continue
        if entry["value"] in (None, "") and not any(key in read for key, _ in pairs):
            continue  # the target never accepted this name: it may read another one (D3)
        cut = cut_echo(entry["value"], sent)
        yield ctx.deviation(
            "field_value_echo",
            exchange,
            severity=Severity.INFO if cut else Severity.ERROR,
            title="fields.*.value is the rejected value cut short"
            if cut
            else "fields.*.value is not the rejected value",
            detail=f"{case.kind}: fields[{str(location)!r}].value is {entry['value']!r}, but "
            + (f"{name} was sent as {sent[0]!r}." if sent else f"no {name} was sent (null expected).")
            + (
                f" It is the first {len(str(entry['value']))} characters of it: faithful, shortened (D63)."
                if cut
                else ""
            ),
            path=f"$.fields['{location}'].value",
            expected=sent[0] if len(sent) == 1 else (sent or None),
            actual=entry["value"],
            evidence=Evidence(
                source="S1 error example: TO=qwerty123456789 -> fields['params.to'].value 'qwerty123456789'",
                decision="D29",
            ),
        )
