"""Run-level checks of identity across sends: uuids, threads, the sender's lease, the automated flag.

Each receives every checked exchange of the run in the order they were sent (deliberate re-sends,
``case.repeat_of`` set, come last). A finding that involves several exchanges is reported on the
earliest of them, with the other one's response as ``other_response``; a finding about one exchange
is reported on it, except on a deliberate re-send (its original was judged already).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from conformance.checks.base import CheckContext, register_run_check, success_payload
from conformance.model.cases import Expectation
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange

__all__ = [
    "check_automated_consistent",
    "check_lease_live",
    "check_thread_per_pair",
    "check_uuid_unique",
    "parse_time",
    "success_payload",
    "with_other",
]


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 timestamp as an aware datetime (naive read as UTC), else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def with_other(ctx: CheckContext, deviation: Deviation, other: Exchange) -> Deviation:
    """The deviation with the other exchange's (redacted) response beside its own."""
    if other.response is not None:
        return replace(deviation, other_response=other.response.to_dict(ctx.secrets))
    return replace(deviation, other_response={"error": other.error or "no response"})


def _payloads(exchanges: Sequence[Exchange]) -> list[tuple[Exchange, Mapping[str, Any]]]:
    return [(e, p) for e in exchanges if (p := success_payload(e)) is not None]


@register_run_check("uuid_unique", repeats=True)
def check_uuid_unique(ctx: CheckContext, exchanges: Sequence[Exchange]) -> Iterator[Deviation]:
    """No two sends of the run share a payload.uuid: each message has its own identifier (D26)."""
    by_uuid: dict[str, list[Exchange]] = defaultdict(list)
    for exchange, payload in _payloads(exchanges):
        uuid = payload.get("uuid")
        if isinstance(uuid, str) and uuid:
            by_uuid[uuid.lower()].append(exchange)
    for uuid, group in by_uuid.items():
        if len(group) < 2:
            continue
        first, second = group[0], group[1]
        cases = ", ".join(e.case.id for e in group[:6]) + (" …" if len(group) > 6 else "")
        deviation = ctx.deviation(
            "uuid_unique",
            first,
            severity=Severity.ERROR,
            title="Two sends got the same payload.uuid",
            detail=f"uuid {uuid} was answered to {len(group)} accepted sends ({cases}); "
            "a message's uuid identifies it (GET /rest/sms/outbound/{uuid}).",
            path="$.payload.uuid",
            expected="a uuid no other send of the run got",
            actual=uuid,
            evidence=Evidence(source="S1 payload.uuid; S4 GetSMSByUUID", decision="D26"),
        )
        yield with_other(ctx, deviation, second)


def _pair(exchange: Exchange) -> tuple[str, str] | None:
    sent = exchange.sent
    sender, to = sent.get("FROM"), sent.get("TO")
    return (sender, to) if sender and to else None


@register_run_check("thread_per_pair", repeats=True)
def check_thread_per_pair(ctx: CheckContext, exchanges: Sequence[Exchange]) -> Iterator[Deviation]:
    """Sends between the same sender and destination carry the same thread (D28)."""
    by_pair: dict[tuple[str, str], list[tuple[Exchange, str]]] = defaultdict(list)
    for exchange, payload in _payloads(exchanges):
        pair = _pair(exchange)
        thread = payload.get("thread")
        if exchange.case.expectation is Expectation.SUCCESS and pair and isinstance(thread, str):
            by_pair[pair].append((exchange, thread))
    for (sender, to), group in by_pair.items():
        first, thread = group[0]
        other = next(((e, t) for e, t in group[1:] if t != thread), None)
        if other is None:
            continue
        threads = len({t for _, t in group})
        deviation = ctx.deviation(
            "thread_per_pair",
            first,
            severity=Severity.WARNING,
            title="Sends between the same two numbers are in different threads",
            detail=f"FROM={sender} TO={to}: {len(group)} sends, {threads} different threads "
            f"({thread} here, {other[1]} for {other[0].case.id}).",
            path="$.payload.thread",
            expected=thread,
            actual=other[1],
            evidence=Evidence(source="S1, S3, S10 payload.thread (a conversation thread)", decision="D28"),
        )
        yield with_other(ctx, deviation, other[0])


@register_run_check("lease_live")
def check_lease_live(ctx: CheckContext, exchanges: Sequence[Exchange]) -> Iterator[Deviation]:
    """The lease that just sent is live and one lease: tn.deleted_on null, tn.created_on stable (D30)."""
    evidence = Evidence(source="S1 and S10 tn.deleted_on null; S13, S14 a send needs a lease", decision="D30")
    created: dict[str, list[tuple[Exchange, str]]] = defaultdict(list)
    for exchange, payload in _payloads(exchanges):
        tn = payload.get("tn")
        if not isinstance(tn, Mapping):
            continue
        deleted = tn.get("deleted_on")
        if deleted is not None and exchange.case.repeat_of is None:
            yield _deleted_lease(ctx, exchange, deleted, evidence)
        number, since = tn.get("tn"), tn.get("created_on")
        if isinstance(number, int | str) and not isinstance(number, bool) and isinstance(since, str):
            created[str(number)].append((exchange, since))
    for number, group in created.items():
        first, since = group[0]
        other = next(((e, s) for e, s in group[1:] if s != since), None)
        if other is None:
            continue
        deviation = ctx.deviation(
            "lease_live",
            first,
            severity=Severity.WARNING,
            title="The same sender's lease has different created_on values",
            detail=f"tn {number}: tn.created_on {since} here, {other[1]} for {other[0].case.id}; "
            "a lease is created once, before it sends.",
            path="$.payload.tn.created_on",
            expected=since,
            actual=other[1],
            evidence=evidence,
        )
        yield with_other(ctx, deviation, other[0])


def _deleted_lease(ctx: CheckContext, exchange: Exchange, deleted: Any, evidence: Evidence) -> Deviation:
    when = parse_time(deleted)
    sent_at = exchange.sent_at
    scheduled = when is not None and sent_at is not None and when > sent_at
    return ctx.deviation(
        "lease_live",
        exchange,
        severity=Severity.WARNING if scheduled else Severity.ERROR,
        title="The lease that sent is marked for deletion"
        if scheduled
        else "The lease that sent is reported deleted",
        detail=f"tn.deleted_on={deleted!r} in the answer to a send from that lease"
        + (" (a time after the send)." if scheduled else "; a deleted lease cannot send (404 documented)."),
        path="$.payload.tn.deleted_on",
        expected=None,
        actual=deleted,
        evidence=evidence,
    )


@register_run_check("automated_consistent")
def check_automated_consistent(ctx: CheckContext, exchanges: Sequence[Exchange]) -> Iterator[Deviation]:
    """Every send of the run reports the same automated flag, the documented false (D31)."""
    flags = [(e, p["automated"]) for e, p in _payloads(exchanges) if isinstance(p.get("automated"), bool)]
    counts = Counter(flag for _, flag in flags)
    if len(counts) < 2:
        return
    usual = counts[True] > counts[False]
    odd = next(i for i, (_, flag) in enumerate(flags) if flag is not usual)
    first_usual = next(i for i, (_, flag) in enumerate(flags) if flag is usual)
    earliest, other = sorted((odd, first_usual))  # reported on the earliest: never a repeat
    deviation = ctx.deviation(
        "automated_consistent",
        flags[earliest][0],
        severity=Severity.WARNING,
        title="payload.automated differs between sends of the same kind",
        detail=f"automated was false in {counts[False]} and true in {counts[True]} answers to API sends "
        f"made the same way (first different: {flags[odd][0].case.id}); a fresh API send is documented "
        "automated: false.",
        path="$.payload.automated",
        expected=usual,
        actual=not usual,
        evidence=Evidence(source="S1, S2, S3 examples: automated false", decision="D31"),
    )
    yield with_other(ctx, deviation, flags[other][0])
