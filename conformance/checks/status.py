"""Checks of the status code against what the case's documented outcome demands."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from conformance.checks.base import CheckContext, is_validation_template, register
from conformance.model.cases import Expectation
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange
from conformance.model.http import RATE_LIMITED

__all__ = [
    "check_auth_enforced",
    "check_negative_data_accepted",
    "check_rejection_status",
    "check_status_documented",
    "check_valid_data_rejected",
]

EXPECTED_STATUS = {
    Expectation.VALIDATION: 400,
    Expectation.AUTH: 401,
    Expectation.NOT_FOUND: 404,
    Expectation.EITHER: 400,  # the refusal it may get (D34); a 2xx is the other documented outcome
}
# the lease refusal: to a request without valid credentials, it shows the request got past authentication
PAST_AUTHENTICATION = 404
DOCUMENTED_REFUSALS = frozenset(EXPECTED_STATUS.values())  # what an Expectation.REFUSED case may get (D18)


def _is_success(status: int) -> bool:
    return 200 <= status < 300


def _summary(exchange: Exchange) -> str:
    response = exchange.response
    assert response is not None
    body = response.json_or_none()
    if isinstance(body, Mapping):
        message = body.get("message")
        fields = body.get("fields")
        parts = [f"message={message!r}"] if message is not None else []
        if isinstance(fields, Mapping):
            parts.append("fields=" + ",".join(sorted(map(str, fields))))
        return f"HTTP {response.status} " + " ".join(parts)
    return f"HTTP {response.status}"


@register("status_documented")
def check_status_documented(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """The status code is one the documentation lists for POST /rest/sms."""
    response = exchange.response
    if response is None or response.status in ctx.contract.documented_statuses:
        return
    if response.status == RATE_LIMITED:
        if "retry-after" not in response.headers:
            yield ctx.deviation(
                "status_documented",
                exchange,
                severity=Severity.INFO,
                title="HTTP 429 without Retry-After",
                detail="Rate limits are undocumented (D16); a 429 should say when to retry.",
                expected="Retry-After header",
                actual="absent",
                evidence=Evidence(source="notes §4.5, §7.16", decision="D16"),
            )
        return
    if exchange.case.expectation.rejects and not _is_success(response.status):
        return  # D25: a refusal's status is judged once, by rejection_status, at the severity D11/D12 give it
    yield ctx.deviation(
        "status_documented",
        exchange,
        severity=Severity.ERROR,
        title="Undocumented status code",
        detail=f"HTTP {response.status} is not among the documented statuses "
        f"{', '.join(map(str, ctx.contract.documented_statuses))}.",
        expected=f"one of {list(ctx.contract.documented_statuses)}",
        actual=response.status,
        evidence=Evidence(source="S1 response tabs", decision="D6"),
        spec_pointer="#/paths/~1rest~1sms/post/responses",
    )


@register("negative_data_accepted")
def check_negative_data_accepted(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """A request the documentation says must be rejected (bad data, unleased sender) got a 2xx."""
    response = exchange.response
    case = exchange.case
    if response is None or not _is_success(response.status):
        return
    if case.expectation is Expectation.VALIDATION:
        names = ", ".join(case.invalid_params) or "parameters"
        yield ctx.deviation(
            "negative_data_accepted",
            exchange,
            severity=case.severity,
            title="Invalid request was accepted",
            detail=f"{case.kind}: invalid {names} answered HTTP {response.status}; the documented answer is "
            "the validation-error envelope (D11).",
            expected="HTTP 400 validation error",
            actual=f"HTTP {response.status}",
        )
    elif case.expectation is Expectation.REFUSED:
        sender = exchange.sent.get("FROM")
        if "FROM" in case.invalid_params:  # the sender itself is misspelt (D4)
            title = "A sender that is not a valid number was accepted"
            sent = f"FROM={sender!r} is not a Number as documented (D4) and"
        else:  # sent from the unleased sender, its defect elsewhere (D18)
            title = "Request from an unleased sender with invalid data was accepted"
            sent = f"sent from the unleased FROM={sender!r} (negative-only, D18) and"
        yield ctx.deviation(
            "negative_data_accepted",
            exchange,
            severity=case.severity,
            title=title,
            detail=f"{case.kind}: {sent} answered HTTP {response.status}; any documented refusal "
            "(400, 401, 404) was expected.",
            expected="HTTP 400, 401 or 404",
            actual=f"HTTP {response.status}",
        )
    elif case.expectation is Expectation.NOT_FOUND:
        yield ctx.deviation(
            "negative_data_accepted",
            exchange,
            severity=case.severity,
            title="Unleased sender was accepted",
            detail=f"FROM={exchange.sent.get('FROM')!r} is not leased by this account, yet the send "
            f"answered HTTP {response.status}.",
            expected="HTTP 404 TNLease and SMSCampaign not found",
            actual=f"HTTP {response.status}",
        )


@register("auth_enforced")
def check_auth_enforced(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """A request without valid credentials is refused."""
    response = exchange.response
    case = exchange.case
    if response is None or case.expectation is not Expectation.AUTH:
        return
    if _is_success(response.status):
        yield ctx.deviation(
            "auth_enforced",
            exchange,
            severity=case.severity,
            title="Request without valid credentials was accepted",
            detail=f"{case.kind}: answered HTTP {response.status}; X-Auth-Token is required (S1).",
            expected="HTTP 401",
            actual=f"HTTP {response.status}",
        )
    elif response.status == PAST_AUTHENTICATION:
        yield ctx.deviation(
            "auth_enforced",
            exchange,
            severity=Severity.WARNING,
            title="Request without valid credentials got past authentication to the lease check",
            detail=f"{case.kind}: answered HTTP 404, the refusal of an account's unleased sender, so the "
            "credentials were taken as an account's or not asked for. A confirmation from the leased "
            "sender decides whether it sends (D57).",
            expected="HTTP 401",
            actual="HTTP 404",
            evidence=Evidence(source=case.evidence or "S1", decision="D57"),
        )


@register("valid_data_rejected")
def check_valid_data_rejected(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """A request that follows the documentation was refused."""
    response = exchange.response
    case = exchange.case
    if response is None or case.expectation is not Expectation.SUCCESS:
        return
    if _is_success(response.status) or response.status == RATE_LIMITED:
        return
    yield ctx.deviation(
        "valid_data_rejected",
        exchange,
        severity=case.severity,
        title="Valid request was rejected",
        detail=f"{case.kind}: a documented request got {_summary(exchange)}.",
        expected="HTTP 200 or 201",
        actual=_summary(exchange),
    )


_TEMPLATE_NOTE = " It matches the seed's error template (HTTP 500 with fields), documented variant."
_TEMPLATE_EVIDENCE = Evidence(
    source="S1 error tabs (status 500)", decision="D11", variant="validation-as-500"
)


def _validation_as_500(ctx: CheckContext, exchange: Exchange, what: str) -> Deviation:
    """A refusal answered as the seed's template, HTTP 500 with fields: the documented variant (D11)."""
    return ctx.deviation(
        "rejection_status",
        exchange,
        severity=Severity.WARNING,
        title="validation rejection answered with an unexpected status",
        detail=f"{what} {_summary(exchange)}.{_TEMPLATE_NOTE}",
        expected="HTTP 400, 401 or 404",
        actual="HTTP 500",
        evidence=_TEMPLATE_EVIDENCE,
    )


@register("rejection_status")
def check_rejection_status(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """A rejected request got the status documented (or decided) for its kind of problem."""
    response = exchange.response
    case = exchange.case
    if response is None or (
        case.expectation not in EXPECTED_STATUS and case.expectation is not Expectation.REFUSED
    ):
        return
    status = response.status
    if case.expectation is Expectation.REFUSED:
        if status == 500 and is_validation_template(response.json_or_none()):
            yield _validation_as_500(ctx, exchange, f"{case.kind}: expected a documented refusal, got")
        elif not (_is_success(status) or status in (*DOCUMENTED_REFUSALS, RATE_LIMITED)):
            yield ctx.deviation(
                "rejection_status",
                exchange,
                severity=Severity.ERROR,
                title="refused rejection answered with an unexpected status",
                detail=f"{case.kind}: expected a documented refusal (HTTP 400, 401 or 404), got "
                f"{_summary(exchange)}.",
                expected="HTTP 400, 401 or 404",
                actual=f"HTTP {status}",
                evidence=Evidence(source=case.evidence or "S1", decision="D18"),
            )
        return
    expected = EXPECTED_STATUS[case.expectation]
    validation = case.expectation in (Expectation.VALIDATION, Expectation.EITHER)
    if _is_success(status) or status in (expected, RATE_LIMITED):
        return
    if case.expectation is Expectation.AUTH and status == PAST_AUTHENTICATION:
        return  # auth_enforced's verdict: the request got past authentication (D57)
    severity = Severity.ERROR
    evidence = Evidence(source=case.evidence or "S1", decision="D11")
    note = ""
    if validation and status == 500 and is_validation_template(response.json_or_none()):
        severity = Severity.WARNING
        note = _TEMPLATE_NOTE
        evidence = _TEMPLATE_EVIDENCE
    elif validation and status == 404 and "FROM" in case.invalid_params:
        severity = Severity.WARNING
        note = (
            " The malformed sender was treated as an unleased one;"
            " the docs do not say which check runs first."
        )
    elif case.expectation is Expectation.AUTH and 400 <= status < 500:
        severity = Severity.WARNING
        note = " The missing-auth status is undocumented; 401 is inferred (D12)."
        evidence = Evidence(source="notes §4.5 (inferred)", decision="D12")
    yield ctx.deviation(
        "rejection_status",
        exchange,
        severity=severity,
        # a repeated parameter's refusal (D34) is a validation refusal: one problem, one title
        title=f"{'validation' if validation else case.expectation.value} rejection answered with an "
        "unexpected status",
        detail=f"{case.kind}: expected HTTP {expected}, got {_summary(exchange)}.{note}",
        expected=f"HTTP {expected}",
        actual=f"HTTP {status}",
        evidence=evidence,
    )
