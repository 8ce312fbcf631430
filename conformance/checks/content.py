"""Checks of the response as bytes: transport, content type, JSON well-formedness."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from conformance.checks.base import CheckContext, register
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange
from conformance.model.jsontext import (
    DUPLICATE_MEMBER,
    NON_JSON_NUMBER,
    NUMBER_OUT_OF_RANGE,
    JSONTooDeepError,
    ParsedJSON,
)

__all__ = ["check_content_type", "check_json_body", "check_strict_json", "check_transport"]

JSON_MEDIA_TYPE = "application/json"


@register("transport")
def check_transport(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """The target answered: no reset connection, stall past the timeout, or cut-off body."""
    if exchange.error is not None:
        yield ctx.deviation(
            "transport",
            exchange,
            severity=Severity.ERROR,
            title="No complete response",
            detail=exchange.error,
            expected="an HTTP response",
            actual=exchange.error.split(":", 1)[0],
            evidence=Evidence(source="HTTP/1.1"),
        )
    elif exchange.response is not None and exchange.response.truncated:
        yield ctx.deviation(
            "transport",
            exchange,
            severity=Severity.ERROR,
            title="Response body larger than the client keeps",
            detail="The body exceeded the size limit and was cut; a send response is a few hundred bytes.",
            expected="a small JSON body",
            actual="body over the limit",
            evidence=Evidence(source="S1 examples"),
        )


@register("content_type")
def check_content_type(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """Every response with a body is labelled application/json (D14)."""
    response = exchange.response
    if response is None or not response.body:
        return
    media, _, parameters = response.content_type.partition(";")
    charset = _charset(parameters)
    if media.strip().lower() == JSON_MEDIA_TYPE and charset not in (None, "utf-8", "utf8"):
        yield ctx.deviation(
            "content_type",
            exchange,
            severity=Severity.ERROR,
            title="JSON response declares a charset other than UTF-8",
            detail=f"Content-Type {response.content_type!r}; JSON between systems is UTF-8 (RFC 8259).",
            path="Content-Type",
            expected="application/json (UTF-8)",
            actual=response.content_type,
            evidence=Evidence(source="RFC 8259 §8.1; S1 examples are JSON", decision="D14"),
        )
    if media.strip().lower() != JSON_MEDIA_TYPE:
        yield ctx.deviation(
            "content_type",
            exchange,
            severity=ctx.body_severity(response.status),
            title="Response is not labelled application/json",
            detail=f"HTTP {response.status} came with Content-Type {response.content_type or '(none)'!r}.",
            path="Content-Type",
            expected=JSON_MEDIA_TYPE,
            actual=response.content_type or "(none)",
            evidence=Evidence(
                source="S1 examples are JSON; S3 curl accept: application/json", decision="D14"
            ),
        )


def _charset(parameters: str) -> str | None:
    for part in parameters.split(";"):
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


@register("json_body")
def check_json_body(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """Every documented response carries a well-formed JSON body."""
    response = exchange.response
    if response is None or response.truncated:
        return
    if not response.body:
        if response.status in ctx.contract.documented_statuses:
            yield ctx.deviation(
                "json_body",
                exchange,
                severity=ctx.body_severity(response.status),
                title="Empty response body",
                detail=f"HTTP {response.status} is documented with a JSON body; the body was empty."
                + _inferred_note(ctx, response.status),
                expected="a JSON document",
                actual="(empty)",
                evidence=Evidence(source="S1 response tabs"),
            )
        return
    try:
        parsed = response.parsed()
    except JSONTooDeepError as exc:
        yield ctx.deviation(
            "json_body",
            exchange,
            severity=Severity.ERROR,
            title="Response body nested too deep to check",
            detail=f"HTTP {response.status}: {exc}. The documented bodies are a few levels deep; "
            "the body was not parsed, so the checks of its content did not run (D20).",
            expected=f"a JSON document nested at most {exc.limit} levels deep",
            actual=f"nested {exc.depth}+ levels deep",
            evidence=Evidence(source="S1 response tabs", decision="D20"),
        )
        return
    except ValueError as exc:
        yield ctx.deviation(
            "json_body",
            exchange,
            severity=ctx.body_severity(response.status),
            title="Response body is not valid JSON",
            detail=f"HTTP {response.status}: {type(exc).__name__}: {exc}"
            + _inferred_note(ctx, response.status),
            expected="a JSON document",
            actual=response.body[:200].decode("utf-8", "replace"),
            evidence=Evidence(source="S1 response tabs"),
        )
    else:
        if parsed.lone_surrogates:
            yield ctx.deviation(
                "json_body",
                exchange,
                severity=Severity.WARNING,
                title="Response body holds unpaired UTF-16 surrogates",
                detail=f"HTTP {response.status}: {parsed.lone_surrogates} \\uD800-\\uDFFF escape(s) without "
                "their pair; no Unicode text can hold them, so they were replaced by U+FFFD before "
                "any check (RFC 8259 §8.2, RFC 7493 §2.1; D21).",
                expected="strings of Unicode characters",
                actual=f"{parsed.lone_surrogates} unpaired surrogate(s)",
                evidence=Evidence(source="RFC 8259 §8.2", decision="D21"),
            )


@dataclass(frozen=True)
class _Strictness:
    """How one kind of non-strict JSON is reported (D51)."""

    title: str
    why: str
    expected: str
    error: bool  # an error on a documented body (a warning on an inferred one), else a warning
    source: str


_STRICTNESS = {
    NON_JSON_NUMBER: _Strictness(
        "Response body holds NaN or Infinity, which is not JSON",
        "JSON has no NaN or Infinity (RFC 8259 §6): strict parsers refuse the whole body, lenient ones "
        "read a number that compares unequal to itself",
        "finite JSON numbers",
        True,
        "RFC 8259 §6",
    ),
    DUPLICATE_MEMBER: _Strictness(
        "Response body names a member twice",
        "clients read a repeated name differently (the last value, the first, or a refusal), so one "
        "body means different things to different clients (RFC 8259 §4, RFC 7493 §2.3)",
        "unique member names",
        True,
        "RFC 8259 §4; RFC 7493 §2.3",
    ),
    NUMBER_OUT_OF_RANGE: _Strictness(
        "Response body holds a number beyond the double range",
        "valid JSON grammar, but most clients read it as an infinity or refuse it (RFC 8259 §6, "
        "RFC 7493 §2.2)",
        "numbers within IEEE 754 double range",
        False,
        "RFC 8259 §6; RFC 7493 §2.2",
    ),
}
_SHOWN_PLACES = 5


@register("strict_json")
def check_strict_json(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """A JSON body is strict JSON: no NaN or Infinity, no member named twice, numbers in range (D51)."""
    response = exchange.response
    if response is None or response.truncated or not response.body:
        return
    try:
        parsed = response.parsed()
    except ValueError:  # json_body reports it
        return
    for kind, count in parsed.finding_counts:
        how = _STRICTNESS[kind]
        places = [f for f in parsed.findings if f.kind == kind]
        shown = ", ".join(f"{f.path} ({f.text})" for f in places[:_SHOWN_PLACES])
        more = f" and {count - _SHOWN_PLACES} more" if count > _SHOWN_PLACES else ""
        yield ctx.deviation(
            "strict_json",
            exchange,
            severity=ctx.body_severity(response.status) if how.error else Severity.WARNING,
            title=how.title,
            detail=f"HTTP {response.status}: {count} place(s): {shown}{more}. The suite read each as "
            f"Python does and checked on; {how.why} (D51).",
            path=places[0].path if places else "$",
            expected=how.expected,
            actual=_actual(parsed, kind),
            evidence=Evidence(source=how.source, decision="D51"),
        )


def _actual(parsed: ParsedJSON, kind: str) -> str:
    texts = sorted({f.text for f in parsed.findings if f.kind == kind})
    return ", ".join(texts[:_SHOWN_PLACES])


def _inferred_note(ctx: CheckContext, status: int) -> str:
    if not ctx.contract.inferred(status):
        return ""
    return f" No page documents the HTTP {status} body; the expected envelope is inferred (D12, D25)."
