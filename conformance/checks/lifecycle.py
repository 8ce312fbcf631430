"""Life-cycle checks: what the lookup (S4, D66) shows of each accepted send later (D67, D68).

Each function judges every message the life-cycle phase followed and gives at most one deviation per
message, at the read where the rule first breaks. The severities are those of D66-D68: a lost message,
a changed one and an unguarded lookup are errors; what only the older GitBook (S4) or examples on
several pages show is a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from conformance.checks.base import CheckContext, register_lifecycle_check
from conformance.checks.run_level import parse_time
from conformance.checks.schema_wording import word_problem
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange
from conformance.model.lifecycle import ORDER, TERMINAL, FollowedMessage, Lifecycle, seconds_between

__all__ = [
    "check_delivered",
    "check_envelope",
    "check_foreign_message",
    "check_found",
    "check_lookup_auth",
    "check_reference_id",
    "check_state_order",
    "check_stored_as_sent",
    "check_timestamps",
]

# what the send answered and the lookup must still show; `from` and `type` only when the lookup has them
KEPT_MEMBERS = ("uuid", "message", "thread", "to")
KEPT_WHEN_SHOWN = ("from", "type")
_S4 = "S4 GetSMSByUUID (older GitBook)"


def _deviation(
    ctx: CheckContext,
    check: str,
    exchange: Exchange,
    *,
    follows: Exchange,
    severity: Severity,
    title: str,
    detail: str,
    decision: str = "D67",
    source: str = _S4,
    path: str = "$.payload",
    expected: Any = "",
    actual: Any = "",
) -> Deviation:
    found = ctx.deviation(
        check,
        exchange,
        severity=severity,
        title=title,
        detail=detail,
        path=path,
        expected=expected,
        actual=actual,
        evidence=Evidence(source=source, decision=decision),
        spec_pointer=ctx.contract.lookup_pointer,
    )
    # in the phase of the send it follows, as a run-level finding is in its exchange's: the pytest
    # route's test of that phase fails on it
    return replace(found, phase=follows.case.phase)


def _status(exchange: Exchange) -> str:
    return "no answer" if exchange.response is None else str(exchange.response.status)


def _comparable(value: Any) -> str:
    """A member as compared across the send and the lookup: ``to`` 987654321 and "987654321" agree (D66)."""
    return str(value).removeprefix("+") if isinstance(value, (int, str)) else repr(value)


@register_lifecycle_check("lifecycle_found")
def check_found(ctx: CheckContext, lifecycle: Lifecycle) -> Iterator[Deviation]:
    """Every accepted send is found by the lookup under the uuid it returned, and stays found (D67)."""
    if lifecycle.all_not_found():  # the route (S4, older GitBook) may not exist here: not evaluated (D66)
        return
    for message in lifecycle.messages:
        found = [read for read, _ in message.found()]
        if not found:
            last = message.reads[-1].response if message.reads else None
            # lost: still not found at the deadline, the last answer a plain 404 (a 429, a 5xx or no
            # answer says nothing about the message)
            if message.ended == "deadline" and last is not None and last.status == 404:
                yield _lost(ctx, message)
            continue
        later = message.reads[message.reads.index(found[0]) :]
        gone = next((r for r in later if r.response is not None and r.response.status == 404), None)
        if gone is not None:
            yield _deviation(
                ctx,
                "lifecycle_found",
                gone,
                follows=message.send,
                severity=Severity.ERROR,
                title="A message found once is no longer found",
                detail=f"The message {message.uuid} of case {message.send.case.id} was found, then a later "
                "lookup answered 404.",
                expected="200",
                actual="404",
            )


def _lost(ctx: CheckContext, message: FollowedMessage) -> Deviation:
    last = message.reads[-1]
    statuses = sorted({_status(read) for read in message.reads})
    waited = seconds_between(message.send, last)
    return _deviation(
        ctx,
        "lifecycle_found",
        last,
        follows=message.send,
        severity=Severity.ERROR,
        title="An accepted send is never found: the SMS was silently dropped",
        detail=f"The send of case {message.send.case.id} answered {_status(message.send)} with uuid "
        f"{message.uuid}; {len(message.reads)} lookup(s) over {waited:.2f} s answered {', '.join(statuses)}, "
        "while other messages of the run were found.",
        expected="200 with the message",
        actual=", ".join(statuses),
    )


@register_lifecycle_check("lifecycle_stored_as_sent")
def check_stored_as_sent(ctx: CheckContext, lifecycle: Lifecycle) -> Iterator[Deviation]:
    """The stored message is the one sent: uuid, text, thread, to (from, type when shown) as sent (D67)."""
    for message in lifecycle.messages:
        sent = message.sent
        for read, payload in message.found():
            members = [*KEPT_MEMBERS, *(m for m in KEPT_WHEN_SHOWN if m in payload)]
            differing = [
                m for m in members if m in sent and _comparable(payload.get(m)) != _comparable(sent[m])
            ]
            if differing:
                yield _deviation(
                    ctx,
                    "lifecycle_stored_as_sent",
                    read,
                    follows=message.send,
                    severity=Severity.ERROR,
                    title="The stored message differs from the one sent",
                    detail=f"The lookup of {message.uuid} shows {', '.join(differing)} other than the send "
                    f"of case {message.send.case.id} answered.",
                    path=f"$.payload.{differing[0]}",
                    expected={m: sent.get(m) for m in differing},
                    actual={m: payload.get(m) for m in differing},
                )
                break


@register_lifecycle_check("lifecycle_state_order")
def check_state_order(ctx: CheckContext, lifecycle: Lifecycle) -> Iterator[Deviation]:
    """A message's state only moves forward: created -> sending -> success, or to failed (D67)."""
    for message in lifecycle.messages:
        previous = str(message.sent.get("state", ""))
        for read, payload in message.found():
            state = str(payload.get("state", ""))
            if state in ORDER and previous in ORDER and _goes_back(previous, state):
                yield _deviation(
                    ctx,
                    "lifecycle_state_order",
                    read,
                    follows=message.send,
                    severity=Severity.WARNING,
                    title="The state goes back",
                    detail=f"The message {message.uuid} read {previous!r}, then {state!r}; outbound states "
                    "go created -> sending -> success (or failed) and never back (S1, S4, S10).",
                    source="S1 created; S4 sending; S10 success",
                    path="$.payload.state",
                    expected=f"{previous} or later",
                    actual=state,
                )
                break
            if state in ORDER:
                previous = state


def _goes_back(previous: str, state: str) -> bool:
    if previous in TERMINAL:
        return state != previous
    return ORDER[state] < ORDER[previous]


@register_lifecycle_check("lifecycle_delivered")
def check_delivered(ctx: CheckContext, lifecycle: Lifecycle) -> Iterator[Deviation]:
    """delivered is true only once the state is success (D67; S10's delivered event follows the sent one)."""
    for message, read, payload in _first_reads(lifecycle, _delivered_early):
        yield _deviation(
            ctx,
            "lifecycle_delivered",
            read,
            follows=message.send,
            severity=Severity.WARNING,
            title="delivered is true before the state is success",
            detail=f"The message {message.uuid} reads delivered: true in state "
            f"{payload.get('state')!r}; delivery follows success (S10).",
            source="S10 sent, then delivered events",
            path="$.payload.delivered",
            expected="false before state success",
            actual=True,
        )


def _delivered_early(payload: Mapping[str, Any]) -> bool:
    return payload.get("delivered") is True and payload.get("state") != "success"


def _first_reads(
    lifecycle: Lifecycle, breaks: Callable[[Mapping[str, Any]], bool]
) -> Iterator[tuple[FollowedMessage, Exchange, Mapping[str, Any]]]:
    """Each message's first read whose payload ``breaks`` the rule: one finding per message."""
    for message in lifecycle.messages:
        hit = next(((read, p) for read, p in message.found() if breaks(p)), None)
        if hit is not None:
            yield message, *hit


@register_lifecycle_check("lifecycle_reference_id")
def check_reference_id(ctx: CheckContext, lifecycle: Lifecycle) -> Iterator[Deviation]:
    """reference_id is set once the message is sending (D67; S3 null, S4 set)."""
    for message, read, payload in _first_reads(lifecycle, _reference_missing):
        reference = payload.get("reference_id")
        yield _deviation(
            ctx,
            "lifecycle_reference_id",
            read,
            follows=message.send,
            severity=Severity.WARNING,
            title="reference_id is missing once sending",
            detail=f"The message {message.uuid} reads state {payload.get('state')!r} with "
            f"reference_id {reference!r}; S4 shows it set once sending starts.",
            source="S3 reference_id null; S4 reference_id set (older GitBook)",
            path="$.payload.reference_id",
            expected="a non-empty string",
            actual=reference,
        )


def _reference_missing(payload: Mapping[str, Any]) -> bool:
    reference = payload.get("reference_id")
    return payload.get("state") in ("sending", "success") and not (isinstance(reference, str) and reference)


@register_lifecycle_check("lifecycle_timestamps")
def check_timestamps(ctx: CheckContext, lifecycle: Lifecycle) -> Iterator[Deviation]:
    """created_on never changes and modified_on never goes back, from the send's answer on (D67)."""
    for message in lifecycle.messages:
        found = _timestamp_problem(message)
        if found is not None:
            read, member, expected, actual = found
            yield _deviation(
                ctx,
                "lifecycle_timestamps",
                read,
                follows=message.send,
                severity=Severity.WARNING,
                title="created_on changed" if member == "created_on" else "modified_on went back",
                detail=f"The message {message.uuid} reads {member} {actual}, after {expected}.",
                source="S4 modified_on advanced, created_on kept (older GitBook)",
                path=f"$.payload.{member}",
                expected=expected,
                actual=actual,
            )


def _timestamp_problem(message: FollowedMessage) -> tuple[Exchange, str, str, str] | None:
    created = message.sent.get("created_on")
    previous: Mapping[str, Any] = message.sent
    for read, payload in message.found():
        if created is not None and payload.get("created_on") != created:
            return read, "created_on", str(created), str(payload.get("created_on"))
        before, now = parse_time(previous.get("modified_on")), parse_time(payload.get("modified_on"))
        if before is not None and now is not None and now < before:
            return read, "modified_on", str(previous.get("modified_on")), str(payload.get("modified_on"))
        if now is not None:
            previous = payload
    return None


@register_lifecycle_check("lifecycle_envelope")
def check_envelope(ctx: CheckContext, lifecycle: Lifecycle) -> Iterator[Deviation]:
    """The lookup answers in the documented envelope with S4's members (D66; older GitBook: warning)."""
    for message in lifecycle.messages:
        for read in message.reads:
            response = read.response
            if response is None or not 200 <= response.status < 300:
                continue
            body = response.json_or_none()
            problems = list(ctx.contract.validate_lookup(body))
            if problems:
                worded = word_problem(problems[0], body)  # fixed per kind and place: one problem
                yield _deviation(
                    ctx,
                    "lifecycle_envelope",
                    read,
                    follows=message.send,
                    severity=Severity.WARNING,
                    decision="D66",
                    title=f"The message lookup's answer: {worded.title}",
                    detail=f"HTTP {response.status} body of the lookup: "
                    + "; ".join(p.message for p in problems[:5]),
                    path=worded.path,
                    expected=worded.expected,
                    actual=worded.actual,
                )
                break


@register_lifecycle_check("lifecycle_lookup_auth")
def check_lookup_auth(ctx: CheckContext, lifecycle: Lifecycle) -> Iterator[Deviation]:
    """The lookup refuses a request without credentials (D68; S6: every route needs a token)."""
    probe = lifecycle.anonymous
    if probe is not None and probe.response is not None and 200 <= probe.response.status < 300:
        yield _deviation(
            ctx,
            "lifecycle_lookup_auth",
            probe,
            follows=lifecycle.messages[0].send,
            severity=Severity.ERROR,
            decision="D68",
            source="S6 authentication; S4 Authorization header",
            title="The lookup shows a message without any credential",
            detail=f"GET {probe.request.path} without a token answered {probe.response.status}: anyone "
            "who learns a uuid reads the message.",
            expected="401",
            actual=probe.response.status,
        )


@register_lifecycle_check("lifecycle_foreign_message")
def check_foreign_message(ctx: CheckContext, lifecycle: Lifecycle) -> Iterator[Deviation]:
    """Another account's token cannot read this account's message (D68)."""
    probe = lifecycle.foreign
    if probe is not None and probe.response is not None and 200 <= probe.response.status < 300:
        yield _deviation(
            ctx,
            "lifecycle_foreign_message",
            probe,
            follows=lifecycle.messages[0].send,
            severity=Severity.ERROR,
            decision="D68",
            source="S4 GetSMSByUUID; S6 authentication",
            title="Another account reads this account's message",
            detail=f"GET {probe.request.path} with the second account's token answered "
            f"{probe.response.status}.",
            expected="404 (or 403)",
            actual=probe.response.status,
        )
