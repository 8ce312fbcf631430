"""Checks of what a success payload says against what was sent (domain semantics)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.checks.base import CheckContext, register, success_payload
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.digits import integer_or_text, is_ascii_digits
from conformance.model.exchange import Exchange

__all__ = ["check_message_state", "check_response_time", "check_semantic_echo", "check_timestamps"]

DOCUMENTED_TYPE = {200: "smso", 201: "smsr"}
CLOCK_TOLERANCE = timedelta(hours=24)


def _digits(value: Any) -> str | None:
    """A member's ASCII digits (a JSON integer or a string of digits), else None; never raises."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return str(value) if value >= 0 else None
        except ValueError:  # more digits than Python converts to text (sys.get_int_max_str_digits)
            return None
    if isinstance(value, str) and is_ascii_digits(value):
        return value
    return None


def _echoes(param: str, echoed: Any, sent: list[str]) -> bool:
    """The payload member names one of the values sent: FROM as the same digits, TO as the same integer
    (D15: ``to`` is an integer, so ``0014155550100`` and ``14155550100`` are one destination)."""
    digits = _digits(echoed)
    if digits is None:
        return False
    if param == "TO":
        # the same integer, compared as digit strings: int() refuses values longer than 4,300 digits
        number = digits.lstrip("0")
        return any(is_ascii_digits(value) and value.lstrip("0") == number for value in sent)
    return digits in sent


def _describe_text_difference(sent: str, echoed: Any) -> str:
    if not isinstance(echoed, str):
        return f"echoed a {type(echoed).__name__}, not a string"
    kind = "non-ASCII " if not sent.isascii() else ""
    for index, (a, b) in enumerate(zip(sent, echoed, strict=False)):
        if a != b:
            return (
                f"{kind}text differs at character {index}: sent {a!r} (U+{ord(a):04X}), "
                f"echoed {b!r} (U+{ord(b):04X}); lengths {len(sent)} vs {len(echoed)}"
            )
    return f"{kind}text lengths differ: sent {len(sent)} characters, echoed {len(echoed)}"


@register("semantic_echo")
def check_semantic_echo(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """The payload describes the message that was sent: to, from, message and tn.tn echo the request."""
    payload = success_payload(exchange)
    if payload is None or not exchange.case.expectation.may_succeed:
        return
    sent = exchange.sent
    evidence = Evidence(
        source="S1 parameters vs payload; example inconsistencies not copied (D15)", decision="D15"
    )
    sent_from, sent_text = sent.get("FROM"), sent.get("Message")
    for param, member, role in (("TO", "to", "destination"), ("FROM", "from", "sender")):
        values = [value for name, value in exchange.request.query if name == param]
        if values and member in payload and not _echoes(param, payload[member], values):
            shown = values[0] if len(values) == 1 else " or ".join(values)
            yield ctx.deviation(
                "semantic_echo",
                exchange,
                severity=Severity.ERROR,
                title=f"payload.{member} is not the {role} that was sent",
                detail=f"sent {param}={shown}, payload.{member}={payload[member]!r}",
                path=f"$.payload.{member}",
                expected=shown,
                actual=payload[member],
                evidence=evidence,
            )
    if sent_text is not None and "message" in payload and payload["message"] != sent_text:
        yield ctx.deviation(
            "semantic_echo",
            exchange,
            severity=Severity.ERROR,
            title="payload.message is not the text that was sent",
            detail=_describe_text_difference(sent_text, payload["message"]),
            path="$.payload.message",
            expected=sent_text,
            actual=payload["message"],
            evidence=evidence,
        )
    tn = payload.get("tn")
    if sent_from is not None and isinstance(tn, Mapping) and "tn" in tn and _digits(tn["tn"]) != sent_from:
        yield ctx.deviation(
            "semantic_echo",
            exchange,
            severity=Severity.ERROR,
            title="payload.tn.tn is not the sender",
            detail=f"sent FROM={sent_from}, payload.tn.tn={tn['tn']!r}",
            path="$.payload.tn.tn",
            expected=integer_or_text(sent_from),
            actual=tn["tn"],
            evidence=evidence,
        )


@register("message_state")
def check_message_state(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """A fresh message is 'created', undelivered, not automated, typed as documented (D6, D9)."""
    payload = success_payload(exchange)
    if payload is None or exchange.response is None:
        return
    status = exchange.response.status
    documented = DOCUMENTED_TYPE.get(status)
    kind = payload.get("type")
    if documented is not None and kind in DOCUMENTED_TYPE.values() and kind != documented:
        yield ctx.deviation(
            "message_state",
            exchange,
            severity=Severity.WARNING,
            title="payload.type does not match the type documented for this status",
            detail=f"HTTP {status} is documented with type {documented!r}; got {kind!r}.",
            path="$.payload.type",
            expected=documented,
            actual=kind,
            evidence=Evidence(source=f"S1 {status} tab", decision="D6"),
        )
    if "state" in payload and payload["state"] != "created":
        yield ctx.deviation(
            "message_state",
            exchange,
            severity=Severity.WARNING,
            title="A fresh message is not in state 'created'",
            detail=f"state={payload['state']!r} right after the send.",
            path="$.payload.state",
            expected="created",
            actual=payload["state"],
            evidence=Evidence(source="S1, S2, S3 examples: state created", decision="D9"),
        )
    if payload.get("automated") is True:
        yield ctx.deviation(
            "message_state",
            exchange,
            severity=Severity.WARNING,
            title="A fresh message is reported as automated",
            detail="automated=true in the response to a message sent through the API right now.",
            path="$.payload.automated",
            expected=False,
            actual=True,
            evidence=Evidence(source="S1, S2, S3 examples: automated false", decision="D9"),
        )
    if payload.get("delivered") is True:
        yield ctx.deviation(
            "message_state",
            exchange,
            severity=Severity.WARNING,
            title="A fresh message is reported as delivered",
            detail="delivered=true in the send response; delivery is reported later by events (S10).",
            path="$.payload.delivered",
            expected=False,
            actual=True,
            evidence=Evidence(source="S1, S2, S3 examples: delivered false; S10 events", decision="D9"),
        )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@register("timestamps")
def check_timestamps(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """Timestamps are ordered (created <= modified, lease before message) and near the time of the send."""
    payload = success_payload(exchange)
    if payload is None:
        return
    evidence = Evidence(source="S1 created_on/modified_on", decision="D10")
    created = _parse_time(payload.get("created_on"))
    modified = _parse_time(payload.get("modified_on"))
    if created is not None and modified is not None and modified < created:
        yield ctx.deviation(
            "timestamps",
            exchange,
            severity=Severity.ERROR,
            title="modified_on is earlier than created_on",
            detail=f"created_on={payload['created_on']}, modified_on={payload['modified_on']}",
            path="$.payload.modified_on",
            expected=f">= {payload['created_on']}",
            actual=payload["modified_on"],
            evidence=evidence,
        )
    if (
        created is not None
        and exchange.sent_at is not None
        and abs(created - exchange.sent_at) > CLOCK_TOLERANCE
    ):
        yield ctx.deviation(
            "timestamps",
            exchange,
            severity=Severity.WARNING,
            title="created_on is far from the time of the send",
            detail=f"created_on={payload['created_on']}; the request went out at "
            f"{exchange.sent_at.isoformat(timespec='milliseconds')} (tolerance 24 h for clock skew).",
            path="$.payload.created_on",
            expected="within 24 h of the request",
            actual=payload["created_on"],
            evidence=evidence,
        )
    tn = payload.get("tn")
    lease_created = _parse_time(tn.get("created_on")) if isinstance(tn, Mapping) else None
    if lease_created is not None and created is not None and lease_created > created:
        yield ctx.deviation(
            "timestamps",
            exchange,
            severity=Severity.WARNING,
            title="The sender's lease is newer than the message",
            detail=f"tn.created_on={tn['created_on']} is after created_on={payload['created_on']}"  # type: ignore[index]
            "; a message can only be sent from an existing lease.",
            path="$.payload.tn.created_on",
            expected=f"<= {payload['created_on']}",
            actual=tn["created_on"],  # type: ignore[index]
            evidence=evidence,
        )


@register("response_time")
def check_response_time(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """The response came within the profile's latency budget (optional; warning; not the race burst's).

    A request of the race burst is not judged: it was sent under load on purpose (D59)."""
    response = exchange.response
    budget = ctx.latency_budget_ms
    if response is None or budget is None or response.elapsed_ms <= budget or exchange.case.in_burst:
        return
    yield ctx.deviation(
        "response_time",
        exchange,
        severity=Severity.WARNING,
        title="Response slower than the latency budget",
        detail=f"{response.elapsed_ms:.0f} ms against a budget of {budget:.0f} ms.",
        path="elapsed",
        expected=f"<= {budget:.0f} ms",
        actual=f"{response.elapsed_ms:.0f} ms",
        evidence=Evidence(source="profile latency_budget_ms (no documented latency)"),
    )
