"""The check of how a target reads a request body that is not JSON, or JSON sent as another type (D69).

The cells (``engine/generation/strict_body.py``) are valid sends from the unleased sender in a
documented JSON body form, spelt as no JSON text is (``NaN``, a repeated member, a trailing comma,
single quotes, bare names, a comment, bytes that are not UTF-8) or sent under ``text/plain`` or
``application/x-www-form-urlencoded``. A strict reader refuses them before the send is read: any 4xx
but the lease refusal. The lease refusal (404) or a 2xx shows the body was read as a send.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.checks.base import CheckContext, is_validation_template, register
from conformance.model.cases import Expectation
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange
from conformance.model.http import RATE_LIMITED

__all__ = ["check_strict_request_body"]

LEASE_REFUSAL = 404
_EVIDENCE = "RFC 8259 §§2, 4, 6, 7, 8.1; RFC 7493 §2.3; S3 Content-Type: application/json"


def _declared_type(exchange: Exchange) -> str:
    """The media type the case set instead of JSON's, or '' when the body went as application/json."""
    return next((v for k, v in exchange.case.extra_headers.items() if k.lower() == "content-type"), "")


@register("strict_request_body")
def check_strict_request_body(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """A body that is not JSON, or JSON sent as another media type, is refused before the send is read."""
    response = exchange.response
    case = exchange.case
    if response is None or case.expectation is not Expectation.NOT_JSON or response.status == RATE_LIMITED:
        return
    status = response.status
    declared = _declared_type(exchange)
    what = f"A JSON body sent as {declared}" if declared else "A request body that is not JSON"
    severity = case.severity
    if status == LEASE_REFUSAL or 200 <= status < 300:
        read = status == LEASE_REFUSAL
        title = f"{what} {'was read as a send' if read else 'was accepted'}"
        reached = (
            "the unleased sender's refusal (404) shows the body was read as a send"
            if read
            else "the send was accepted"
        )
        risk = (
            "A web page may post this media type to any site without a CORS preflight, so a server that "
            "reads it as JSON takes sends from pages the user visits."
            if declared
            else "Parsers disagree on such text (which of two repeated members counts, what NaN is), so a "
            "gateway that checks one reading lets another through to the send."
        )
        detail = f"{case.kind}: answered HTTP {status}; {reached}. {risk}"
    elif status >= 500 and not is_validation_template(response.json_or_none()):  # D11's 500 is a refusal
        severity = Severity.WARNING
        title = f"{what} made the server fail"
        detail = (
            f"{case.kind}: answered HTTP {status}. A client's malformed request is a 4xx; clients retry "
            "a 5xx, and this request will never succeed."
        )
    else:
        return
    yield ctx.deviation(
        "strict_request_body",
        exchange,
        severity=severity,
        title=title,
        detail=detail,
        expected="a 4xx refusal before the send is read (400, or 415 for the media type)",
        actual=f"HTTP {status}",
        evidence=Evidence(source=case.evidence or _EVIDENCE, decision="D69"),
    )
