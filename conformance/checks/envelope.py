"""Checks of the error envelope: success:false, body status, fields, documented messages."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from conformance.checks.base import CheckContext, register
from conformance.model.cases import Expectation
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange

__all__ = ["check_error_envelope"]

NOT_FOUND_MESSAGE = "TNLease and SMSCampaign not found"


@register("error_envelope")
def check_error_envelope(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """Error responses use the documented envelope: success false, body status = HTTP status, fields."""
    response = exchange.response
    if response is None or 200 <= response.status < 300 or response.status == 429:
        return
    body = response.json_or_none()
    if not isinstance(body, Mapping):
        return
    status = response.status
    if body.get("success") is not False:
        yield ctx.deviation(
            "error_envelope",
            exchange,
            severity=ctx.body_severity(status),
            title="Error envelope does not say success: false",
            detail=f"HTTP {status} body has success={body.get('success')!r}.",
            path="$.success",
            expected=False,
            actual=body.get("success"),
            evidence=Evidence(source="S1 error and 404 examples", decision="D11"),
        )
    if "status" in body and body.get("status") != status:
        yield ctx.deviation(
            "error_envelope",
            exchange,
            severity=ctx.body_severity(status),
            title="Body status differs from the HTTP status",
            detail=f"HTTP {status} body says status={body.get('status')!r}.",
            path="$.status",
            expected=status,
            actual=body.get("status"),
            evidence=Evidence(source="S1 404 example (status 404)", decision="D11"),
        )
    case = exchange.case
    refused = case.expectation is Expectation.REFUSED  # negative-only, unleased sender (D18)
    validation = case.expectation in (Expectation.VALIDATION, Expectation.EITHER)
    # a 500 without a fields member is a server failure, not the validation-as-500 envelope: its status is
    # rejection_status's error, and the missing fields are that verdict's reason, not a second problem (D37)
    if (validation and (status == 400 or (status == 500 and "fields" in body))) or (
        refused and status == 400 and case.invalid_params
    ):
        yield from _validation_fields(ctx, exchange, body)
    if (case.expectation is Expectation.NOT_FOUND or refused) and status == 404:
        message = body.get("message")
        if message != NOT_FOUND_MESSAGE:
            yield ctx.deviation(
                "error_envelope",
                exchange,
                severity=Severity.WARNING,
                title="404 message differs from the documented text",
                detail=f"message={message!r}",
                path="$.message",
                expected=NOT_FOUND_MESSAGE,
                actual=message,
                evidence=Evidence(source="S1 404 tab", decision="D11"),
            )


def _validation_fields(
    ctx: CheckContext, exchange: Exchange, body: Mapping[str, object]
) -> Iterator[Deviation]:
    fields = body.get("fields")
    if not isinstance(fields, Mapping) or not fields:
        yield ctx.deviation(
            "error_envelope",
            exchange,
            severity=Severity.ERROR,
            title="Validation error without fields",
            detail=f"{exchange.case.kind}: the rejection does not say which parameter was wrong.",
            path="$.fields",
            expected="fields keyed like params.to",
            actual=fields,
            evidence=Evidence(source="S1 error example fields['params.to']", decision="D11"),
        )
        return
    named = {str(key).rsplit(".", 1)[-1].lower() for key in fields}
    missing = [p for p in exchange.case.invalid_params if p.lower() not in named]
    if missing:
        yield ctx.deviation(
            "error_envelope",
            exchange,
            severity=Severity.WARNING,
            title="Validation fields do not name the rejected parameter",
            detail=f"{exchange.case.kind}: fields {sorted(map(str, fields))} do not mention {missing}.",
            path="$.fields",
            expected=[f"params.{p.lower()}" for p in missing],
            actual=sorted(map(str, fields)),
            evidence=Evidence(source="S1 error example fields['params.to']", decision="D11"),
        )
