"""Response headers the documentation does not mention but which change what an HTTP client does (D36).

The pages document no response header at all (S1-S4 show bodies only), so every header is an
undocumented extra; most are inert (``Date``, ``Server``, ``Content-Length``). The ones below are not:
HTTP gives them a meaning a client, proxy or cache acts on — follow a URL, wait, store a cookie,
retire an endpoint, decode the body — so a target that sends them where the docs are silent makes
clients behave in ways the documentation never announced. Each rule says when its header means
something and what: the deviation names the header and that meaning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from conformance.checks.base import CheckContext, register
from conformance.model import credentials
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange

__all__ = ["HEADER_RULES", "HeaderRule", "check_meaningful_headers"]

# the request as recorded names no Accept-Encoding when the client library adds its own (httpx offers
# gzip and deflate, and br or zstd when their decoders are installed): then only a coding no client
# library decodes is one the request cannot have offered
DEFAULT_ACCEPTED_CODINGS = frozenset({"gzip", "x-gzip", "deflate", "br", "zstd", "identity"})


@dataclass(frozen=True)
class HeaderRule:
    """``name`` (lower case) is flagged when ``applies(status, value, exchange)``; ``meaning`` says why."""

    name: str
    display: str
    meaning: str
    source: str
    applies: Callable[[int, str, Exchange], bool]
    severity: Callable[[int], Severity] = lambda status: Severity.WARNING


def _always(status: int, value: str, exchange: Exchange) -> bool:
    return True


def _location_applies(status: int, value: str, exchange: Exchange) -> bool:
    return not 300 <= status < 400  # on a 3xx Location is the redirect itself (status_documented judges it)


def _location_severity(status: int) -> Severity:
    # on a 201 Location names the created resource, as HTTP defines: an inert extra (info, D8/D36)
    return Severity.INFO if status == 201 else Severity.WARNING


def _retry_after_applies(status: int, value: str, exchange: Exchange) -> bool:
    return status not in (413, 429, 503) and not 300 <= status < 400


def _www_authenticate_applies(status: int, value: str, exchange: Exchange) -> bool:
    return status != 401  # a 401 must carry a challenge (RFC 9110 §11.6.1)


def _content_encoding_applies(status: int, value: str, exchange: Exchange) -> bool:
    asked = ",".join(v for k, v in exchange.request.headers if k.lower() == "accept-encoding")
    accepted = (
        {part.split(";")[0].strip().lower() for part in asked.split(",") if part.strip()}
        if asked
        else set(DEFAULT_ACCEPTED_CODINGS)
    ) | {"identity"}
    codings = [part.strip().lower() for part in value.split(",") if part.strip()]
    return "*" not in accepted and any(coding not in accepted for coding in codings)


HEADER_RULES: tuple[HeaderRule, ...] = (
    HeaderRule(
        "location",
        "Location",
        "points the client at another resource: on a 201 the created one, elsewhere no meaning the "
        "documentation gives, yet clients and proxies follow or record it",
        "RFC 9110 §10.2.2",
        _location_applies,
        _location_severity,
    ),
    HeaderRule(
        "content-location",
        "Content-Location",
        "says the body is a representation of another resource, which a cache may store under that URL",
        "RFC 9110 §8.7",
        _always,
    ),
    HeaderRule(
        "refresh",
        "Refresh",
        "tells a user agent to reload or navigate after a delay",
        "HTML Living Standard, refresh",
        _always,
    ),
    HeaderRule(
        "retry-after",
        "Retry-After",
        "tells the client to wait before repeating a request that was neither throttled nor refused as "
        "unavailable",
        "RFC 9110 §10.2.3",
        _retry_after_applies,
    ),
    HeaderRule(
        "set-cookie",
        "Set-Cookie",
        "starts session state the token-authenticated API never mentions (S6); a client with a cookie jar "
        "sends it back with every later request",
        "RFC 6265 §4.1; S6 (token authentication)",
        _always,
    ),
    HeaderRule(
        "www-authenticate",
        "WWW-Authenticate",
        "challenges the client for credentials on an answer that is not 401",
        "RFC 9110 §11.6.1",
        _www_authenticate_applies,
    ),
    HeaderRule(
        "deprecation",
        "Deprecation",
        "announces that the endpoint is deprecated, which no page says",
        "RFC 9745",
        _always,
    ),
    HeaderRule(
        "sunset",
        "Sunset",
        "announces a date after which the endpoint stops answering, which no page says",
        "RFC 8594",
        _always,
    ),
    HeaderRule(
        "content-encoding",
        "Content-Encoding",
        "encodes the body in a coding the request did not offer, so the client cannot read it as sent",
        "RFC 9110 §8.4, §12.5.3",
        _content_encoding_applies,
    ),
    HeaderRule(
        "clear-site-data",
        "Clear-Site-Data",
        "tells a user agent to delete its stored data for the origin",
        "W3C Clear Site Data",
        _always,
    ),
)


@register("meaningful_headers")
def check_meaningful_headers(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """Undocumented response headers that change what a client does: Location, Set-Cookie… (D36)."""
    response = exchange.response
    if response is None:
        return
    for rule in HEADER_RULES:
        value = response.headers.get(rule.name)
        if value is None or not rule.applies(response.status, value, exchange):
            continue
        value = credentials.header_value(rule.name, value)  # Set-Cookie: session=***REDACTED*** (D54)
        yield ctx.deviation(
            "meaningful_headers",
            exchange,
            severity=rule.severity(response.status),
            title=f"Undocumented {rule.display} header",
            detail=f"HTTP {response.status} carried {rule.display}: {value[:200]!r}. No page documents a "
            f"response header; this one {rule.meaning} ({rule.source}).",
            path=rule.display,
            expected=f"no {rule.display} header (none is documented)",
            actual=value,
            evidence=Evidence(source=f"S1-S4 document no response headers; {rule.source}", decision="D36"),
        )
