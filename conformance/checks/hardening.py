"""Response headers that decide who else may read a send's answer: CORS and caching (D62).

A send's answer carries the message text, the sender and the destination numbers. No Opentact page
documents a response header, so nothing here is the documentation's; the expectations come from HTTP:
- ``cors_policy``: ``Access-Control-Allow-Credentials: true`` beside an ``Access-Control-Allow-Origin``
  that admits every page (``*``) or the opaque origin ``null`` (sandboxed frames, ``file:`` pages), or
  that repeats the request's own ``Origin``: a server configured to let any site's script read answers
  sent with the user's cookies (the Fetch standard's CORS protocol).
- ``shared_cache``: a 2xx that carries a message and that a shared cache may store and hand to someone
  else (RFC 9111): ``Cache-Control: public`` or ``s-maxage``, or explicit freshness (``max-age``,
  ``Expires``), without ``no-store`` or ``private``. The documented ``X-Auth-Token`` is not
  ``Authorization``, so RFC 9111 §3.5's rule against storing authenticated answers does not apply.
A response without these headers is not judged: what HTTP does by default is safe for a POST.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from conformance.checks.base import CheckContext, register, success_payload
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange

__all__ = ["cache_directives", "check_cors_policy", "check_shared_cache", "storable_by"]

OWASP_API8 = "OWASP API Security Top 10 2023, API8 Security Misconfiguration"


def _request_origin(exchange: Exchange) -> str:
    return next((value.strip() for name, value in exchange.request.headers if name.lower() == "origin"), "")


@register("cors_policy")
def check_cors_policy(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """CORS that lets any web page read an answer sent with the user's credentials (D62)."""
    response = exchange.response
    if response is None:
        return
    allowed = response.headers.get("access-control-allow-origin", "").strip()
    with_credentials = response.headers.get("access-control-allow-credentials", "").strip().lower() == "true"
    origin = _request_origin(exchange)
    if not with_credentials or not allowed:
        return
    if allowed == "*":
        who = "every origin (*)"
    elif allowed.lower() == "null":
        who = "the opaque origin null (sandboxed frames, file: pages)"
    elif origin and allowed == origin:
        who = f"the request's own Origin, repeated ({origin[:100]!r})"
    else:
        return
    yield ctx.deviation(
        "cors_policy",
        exchange,
        severity=Severity.WARNING,
        title="CORS admits any origin with credentials",
        detail=f"HTTP {response.status} allows {who} with Access-Control-Allow-Credentials: true. A page on "
        "any site may then ask for this answer with the user's cookies and read the message and its "
        "numbers; browsers refuse the '*' form, but a server configured so usually repeats the Origin.",
        path="Access-Control-Allow-Origin",
        expected="no credentialed CORS for every origin",
        actual=f"Access-Control-Allow-Origin: {allowed[:100]}; Access-Control-Allow-Credentials: true",
        evidence=Evidence(
            source=f"Fetch standard, CORS protocol (§3.2.3, §3.2.5); {OWASP_API8}; no Opentact page "
            "documents a response header",
            decision="D62",
        ),
    )


def cache_directives(value: str) -> dict[str, str]:
    """``Cache-Control``'s directives, names lower-cased, values unquoted (``""`` for none)."""
    directives: dict[str, str] = {}
    for part in value.split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            directives[name.strip().lower()] = argument.strip().strip('"')
    return directives


def _positive(argument: str) -> bool:
    return argument.isdigit() and int(argument) > 0


def storable_by(headers: Mapping[str, str]) -> list[str]:
    """What lets a shared cache store this response (RFC 9111 §3, §5.2.2): empty when nothing does."""
    directives = cache_directives(headers.get("cache-control", ""))
    if "no-store" in directives or "private" in directives:
        return []
    reasons = [f"Cache-Control: {name}" for name in ("public",) if name in directives]
    reasons += [
        f"Cache-Control: {n}={directives[n]}"
        for n in ("s-maxage", "max-age")
        if _positive(directives.get(n, ""))
    ]
    if "expires" in headers and "max-age" not in directives and "s-maxage" not in directives:
        reasons.append("Expires")
    return reasons


@register("shared_cache")
def check_shared_cache(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """A send's answer, with the message and its numbers, that a shared cache may store (D62)."""
    payload = success_payload(exchange)
    response = exchange.response
    if payload is None or response is None or "message" not in payload:
        return
    reasons = storable_by(response.headers)
    if not reasons:
        return
    yield ctx.deviation(
        "shared_cache",
        exchange,
        severity=Severity.WARNING,
        title="A shared cache may store the send's answer",
        detail=f"HTTP {response.status} carries the message and its numbers and allows shared caches to "
        f"store it ({'; '.join(reasons)}) without no-store or private: a proxy or CDN may keep it and "
        "answer another client with it.",
        path="Cache-Control",
        expected="Cache-Control: no-store (or private), or no freshness at all",
        actual="; ".join(reasons),
        evidence=Evidence(
            source=f"RFC 9111 §3, §3.5, §5.2.2.6-§5.2.2.10; {OWASP_API8}; no Opentact page documents a "
            "response header",
            decision="D62",
        ),
    )
