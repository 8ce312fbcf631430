"""Run-level check that equal requests get the same kind of answer (an intermittent target).

The runner sends a few requests twice on purpose (``case.repeat_of``): every request that got a
5xx or no answer (up to a bound), and one of each documented outcome; requests that happen to be
equal in the generated cases are compared too. Two requests are equal when method, URL, headers
and body are byte for byte the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

from conformance.checks.base import CheckContext, register_run_check
from conformance.checks.run_level import with_other
from conformance.model.cases import Expectation
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange, RecordedRequest
from conformance.model.http import RATE_LIMITED

__all__ = [
    "ACCOUNT_STATE_STATUSES",
    "Outcome",
    "check_equal_requests_same_outcome",
    "expected_and_actual",
    "outcome_of",
]

# S9: "Insufficient Balance" 405 and "Country Permission Violation" 406 depend on the account,
# which may change during a run, not on the request.
ACCOUNT_STATE_STATUSES = frozenset({405, 406})
DOCUMENTED_SUCCESS = frozenset({200, 201})

Outcome = tuple[object, ...]


def outcome_of(exchange: Exchange) -> Outcome:
    """What kind of answer this was: status, media type, body kind, success flag, fields keys."""
    response = exchange.response
    if response is None:
        return ("no response",)
    media = response.content_type.split(";", 1)[0].strip().lower()
    body = response.json_or_none()
    if isinstance(body, Mapping):
        fields = body.get("fields")
        keys = tuple(sorted(map(str, fields))) if isinstance(fields, Mapping) else None
        return (response.status, media, "json", body.get("success"), keys)
    kind = "empty" if not response.body else ("json" if body is not None else "text")
    return (response.status, media, kind)


def describe_outcome(outcome: Outcome) -> str:
    if outcome == ("no response",):
        return "no response"
    status, media, kind, *rest = outcome
    text = f"HTTP {status} {media or '(no content type)'} {kind}"
    if rest:
        success, keys = rest
        text += f" success={success!r}" + (f" fields={keys!r}" if keys else "")
    return text


_DOCUMENTED_STATUSES = {
    Expectation.SUCCESS: DOCUMENTED_SUCCESS,
    Expectation.VALIDATION: frozenset({400}),
    Expectation.AUTH: frozenset({401}),
    Expectation.NOT_FOUND: frozenset({404}),
    Expectation.EITHER: DOCUMENTED_SUCCESS | {400},
    Expectation.REFUSED: frozenset({400, 401, 404}),
}


def _documented(expectation: Expectation, outcome: Outcome) -> bool:
    return outcome[0] in _DOCUMENTED_STATUSES.get(expectation, frozenset())


def expected_and_actual(expectation: Expectation, first: Outcome, other: Outcome) -> tuple[str, str]:
    """What the docs promise and what came instead: the documented answer is the expected one, whichever
    send got it; when both or neither are documented, the promise is the same answer both times."""
    if _documented(expectation, first) and not _documented(expectation, other):
        return describe_outcome(first), describe_outcome(other)
    if _documented(expectation, other) and not _documented(expectation, first):
        return describe_outcome(other), describe_outcome(first)
    return (
        "the same answer to the same request",
        f"first {describe_outcome(first)}, then {describe_outcome(other)}",
    )


def _severity(first: Outcome, other: Outcome) -> Severity:
    statuses = {first[0], other[0]}
    if statuses & ACCOUNT_STATE_STATUSES:
        return Severity.WARNING  # a lifecycle refusal may start mid-run (S9)
    if statuses <= DOCUMENTED_SUCCESS and first[1:] == other[1:]:
        return Severity.WARNING  # 200 vs 201: what selects them is undocumented (D6)
    return Severity.ERROR


@register_run_check("equal_requests_same_outcome", repeats=True)
def check_equal_requests_same_outcome(
    ctx: CheckContext, exchanges: Sequence[Exchange]
) -> Iterator[Deviation]:
    """Equal requests get the same kind of answer: status, content type, envelope and fields (D27)."""
    groups: dict[RecordedRequest, list[Exchange]] = defaultdict(list)
    for exchange in exchanges:
        if exchange.response is not None and exchange.response.status == RATE_LIMITED:
            continue  # not processed (D16): throttling says nothing about the request
        groups[exchange.request].append(exchange)
    for group in groups.values():
        if len(group) < 2:
            continue
        first = group[0]
        before = outcome_of(first)
        for other in group[1:]:
            after = outcome_of(other)
            if after == before:
                continue
            expected, actual = expected_and_actual(first.case.expectation, before, after)
            deviation = ctx.deviation(
                "equal_requests_same_outcome",
                first,
                severity=_severity(before, after),
                title="Equal requests got different answers",
                detail=f"the same request was sent as {first.case.id} and {other.case.id}: first "
                f"{describe_outcome(before)}, then {describe_outcome(after)}. The documented outcome "
                "depends on the request; an answer that changes is intermittent.",
                path="$",
                expected=expected,
                actual=actual,
                evidence=Evidence(
                    source=first.case.evidence or "S1 response tabs: one outcome per kind of request",
                    decision="D27",
                ),
            )
            yield with_other(ctx, deviation, other)
