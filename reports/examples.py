"""One deviation as the report shows it: plain strings, masked and cut to a readable size."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from markupsafe import escape

from conformance.model.deviations import Deviation
from conformance.model.results import loads_bounded
from reports.redact import mask_headers, mask_text

__all__ = ["BODY_LIMIT", "ExampleView", "build_example", "cut", "example_weight"]

BODY_LIMIT = 2000  # characters of a request/response body shown per example
FIELD_LIMIT = 600  # characters of expected/actual/detail shown per example
CURL_LIMIT = 4000  # characters of a curl line (the engine keeps request bodies far shorter)
MARKUP_WEIGHT = 1000  # characters of HTML around one example's text


@dataclass(frozen=True)
class ExampleView:
    """Everything needed to understand and reproduce one deviation."""

    key: str
    severity: str
    status: str  # "new" | "persisting" | "fixed" | "" (no baseline)
    title: str
    detail: str
    operation: str
    path: str
    case_id: str
    phase: str
    seed: str
    expected: str
    actual: str
    evidence: str
    decision: str
    variant: str
    spec_pointer: str
    request: str
    response: str
    curl: str
    # a second answer to the same request: the other target's (differential runs) or the control re-send's
    other_response: str = ""
    sides: tuple[str, str] = ("Expected", "Actual")  # headings of expected / actual
    response_sides: tuple[str, str] = ("", "")  # headings of other_response / response
    request_label: str = "Request"


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… ({len(text) - limit} more characters in results.json)"


def _body_text(body: Any) -> str:
    if body is None:
        return ""
    if not isinstance(body, str):
        try:
            return json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True, default=str)
        except (RecursionError, ValueError):  # a hand-made results.json: show it flat
            return repr(body)[:BODY_LIMIT]
    stripped = body.strip()
    if stripped[:1] in ("{", "["):
        try:  # bounded: a body nested too deep is shown as the text it is
            return json.dumps(loads_bounded(stripped).value, indent=2, ensure_ascii=False)
        except ValueError:
            return body
    return body


def _headers_text(headers: Any) -> list[str]:
    if not isinstance(headers, Mapping):
        return []
    return [f"{name}: {value}" for name, value in mask_headers(headers)]


def format_request(request: Mapping[str, Any]) -> str:
    """``METHOD url``, the headers, a blank line and the body; credentials masked."""
    if not request:
        return ""
    lines = [mask_text(f"{request.get('method', '')} {request.get('url', '')}".strip())]
    lines += _headers_text(request.get("headers"))
    body = _body_text(request.get("body"))
    if body:
        lines += ["", cut(mask_text(body), BODY_LIMIT)]
    return "\n".join(lines)


def format_response(response: Mapping[str, Any]) -> str:
    """``HTTP status (elapsed)``, the headers, a blank line and the (escaped later) body."""
    if not response:
        return "(no response: transport error)"
    first = f"HTTP {response.get('status', '?')}"
    if response.get("elapsed_ms") is not None:
        first += f"  ({response['elapsed_ms']} ms)"
    lines = [first, *_headers_text(response.get("headers"))]
    body = _body_text(response.get("body"))
    if body:
        lines += ["", cut(body, BODY_LIMIT)]
    if response.get("body_truncated"):
        lines.append("… (body truncated by the client)")
    return "\n".join(lines)


def _side_name(response: Mapping[str, Any], fallback: str) -> str:
    name = response.get("target")
    return name if isinstance(name, str) and name else fallback


def format_other_response(response: Mapping[str, Any]) -> str:
    """The other side's response of a differential run; a transport error is shown as such."""
    if "status" not in response:
        return f"(no response: {response.get('error') or 'transport error'})"
    return format_response(response)


def build_example(deviation: Deviation, status: str = "") -> ExampleView:
    """The view of one deviation; every string is plain text for the autoescaping template."""
    evidence = deviation.evidence
    other = deviation.other_response
    return ExampleView(
        key=deviation.key,
        severity=deviation.severity.value,
        status=status,
        title=deviation.title,
        detail=cut(deviation.detail, FIELD_LIMIT),
        operation=deviation.operation,
        path=deviation.path,
        case_id=deviation.case_id,
        phase=deviation.phase,
        seed="" if deviation.seed is None else str(deviation.seed),
        expected=cut(deviation.expected, FIELD_LIMIT),
        actual=cut(deviation.actual, FIELD_LIMIT),
        evidence=evidence.source,
        decision=evidence.decision or "",
        variant=evidence.variant or "",
        spec_pointer=deviation.spec_pointer,
        request=format_request(deviation.request),
        response=format_response(deviation.response),
        curl=cut(mask_text(deviation.curl), CURL_LIMIT),
        other_response=format_other_response(other) if other else "",
        **_labels(other, deviation.response),
    )


def _labels(other: Mapping[str, Any], response: Mapping[str, Any]) -> dict[str, Any]:
    """Headings that say what each box is: the two targets of a differential run by name; otherwise
    the documented expectation, the answer, and the control (the same request, sent again)."""
    if not other:
        return {}
    if "target" in other or "target" in response:  # a differential run: each side is a target
        a, b = _side_name(other, "first target"), _side_name(response, "second target")
        return {
            "sides": (f"{a} (expected)", f"{b} (actual)"),
            "response_sides": (f"Response of {a}", f"Response of {b}"),
            "request_label": f"Request (as sent to {b})",
        }
    return {
        "response_sides": ("Control: the same request, sent again", "Answer"),
        "request_label": "Request (sent both times)",
    }


def example_weight(example: ExampleView) -> int:
    """About how many characters the example adds to the page once escaped and marked up."""
    values = (getattr(example, name) for name in _FIELD_NAMES)  # not astuple: that deep-copies every value
    return MARKUP_WEIGHT + sum(len(escape(value)) for value in values if isinstance(value, str))


_FIELD_NAMES = tuple(f.name for f in fields(ExampleView))
