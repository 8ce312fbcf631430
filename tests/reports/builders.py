"""Hand-built, realistic ``RunResults`` for the report self-tests (until the engine writes real ones).

``faulty_results()`` looks like a run against the mock with several faults on: several checks,
all three severities, indexed JSON paths that fold together, a response body carrying a
``<script>``, engine-redacted credentials and curl lines. ``CANARY`` appears nowhere in it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.results import Crash, PhaseStats, RunResults, TargetInfo

CANARY = "canary-7f3a9c1e5b2d-token"
REDACTED = "***REDACTED***"
SCRIPT_BODY = "<script>window.__pwned=1</script>"
BASE_URL = "http://127.0.0.1:8765"
SPEC = {"title": "Opentact Send SMS API", "version": "1.4.0", "sha256": "ab12" * 16}

CHECKS = {
    "auth_enforced": "A request without valid credentials is rejected with 401.",
    "content_type": "Responses are labelled application/json.",
    "error_envelope": "Error bodies carry success: false and the documented fields.",
    "message_state": "A fresh message is in state 'created'.",
    "response_schema": "Response bodies validate against the documented schema.",
    "semantic_echo": "The payload echoes the destination, sender and text that were sent.",
    "status_documented": "Every HTTP status is documented for the operation.",
    "timestamps": "Timestamps are ISO 8601 UTC and close to the send time.",
    "undocumented_fields": "Responses carry no members the documentation does not mention.",
}


def request(case_id: str, *, token: str = REDACTED, query: str = "") -> dict[str, Any]:
    body = json.dumps({"to": "+14155550123", "from": "+14155550100", "message": f"hello {case_id}"})
    return {
        "method": "POST",
        "url": f"{BASE_URL}/rest/sms{query}",
        "headers": {"Content-Type": "application/json", "X-Auth-Token": token},
        "body": body,
    }


def response(status: int, body: Any) -> dict[str, Any]:
    return {
        "status": status,
        "headers": {"content-type": "application/json", "x-request-id": "9b1f0e"},
        "body": body if isinstance(body, str) else json.dumps(body),
        "body_truncated": False,
        "elapsed_ms": 12.5,
    }


def curl(case_id: str, *, token: str = REDACTED) -> str:
    body = json.dumps({"to": "+14155550123", "message": f"hello {case_id}"})
    return (
        f"curl -sS -X POST '{BASE_URL}/rest/sms' -H 'Content-Type: application/json' "
        f"-H 'X-Auth-Token: {token}' --data-binary '{body}'"
    )


def make_deviation(
    check: str,
    severity: Severity,
    path: str,
    *,
    title: str | None = None,
    case_id: str = "pos-001",
    phase: str = "positive",
    status: int = 200,
    body: Any = None,
    token: str = REDACTED,
    **fields: Any,
) -> Deviation:
    """One deviation with complete evidence; ``fields`` override any other Deviation field."""
    deviation = Deviation(
        check=check,
        severity=severity,
        title=title or f"{check} problem at {path}",
        detail=f"{check} found a problem in case {case_id}",
        path=path,
        expected="a string in E.164 format",
        actual="12345",
        spec_pointer="#/paths/~1rest~1sms/post/responses/200",
        evidence=Evidence(source="S1 200 tab", decision="D11"),
        case_id=case_id,
        phase=phase,
        request=request(case_id, token=token),
        response=response(
            status, body if body is not None else {"success": True, "payload": {"id": case_id}}
        ),
        curl=curl(case_id, token=token),
        seed=4242,
    )
    return replace(deviation, **fields) if fields else deviation


def faulty_deviations() -> tuple[Deviation, ...]:
    """17 deviations in 9 groups; the expected group counts are in ``EXPECTED_GROUPS``."""
    d = make_deviation
    err, warn, info = Severity.ERROR, Severity.WARNING, Severity.INFO
    schema = "HTTP 200 body violates the documented schema (type)"
    return (
        d("response_schema", err, "$.payload.to", title=schema, case_id="pos-001"),
        d("response_schema", err, "$.payload.to", title=schema, case_id="pos-002"),
        d("response_schema", err, "$.payload.to", title=schema, case_id="pos-003"),
        d("response_schema", err, "$.payload.items[0].id", title=schema, case_id="pos-004"),
        d("response_schema", err, "$.payload.items[3].id", title=schema, case_id="pos-005"),
        d("semantic_echo", err, "$.payload.to", title="payload.to is not the destination that was sent"),
        d(
            "error_envelope",
            err,
            "$.success",
            title="Error envelope does not say success: false",
            case_id="neg-010",
            phase="negative",
            status=400,
            body={"success": True, "message": SCRIPT_BODY},
        ),
        d("status_documented", warn, "$", title="HTTP 202 matches documented variant 'accepted'", status=202),
        d(
            "status_documented",
            warn,
            "$",
            title="HTTP 202 matches documented variant 'accepted'",
            case_id="p9",
        ),
        d("timestamps", warn, "$.payload.created_at", title="Timestamp without time zone", case_id="pos-006"),
        d("timestamps", warn, "$.payload.created_at", title="Timestamp without time zone", case_id="pos-007"),
        d("undocumented_fields", info, "$.payload.extra", title="Undocumented member in HTTP 200 body"),
        d(
            "undocumented_fields",
            info,
            "$.payload.extra",
            title="Undocumented member in HTTP 200 body",
            case_id="a",
        ),
        d(
            "undocumented_fields",
            info,
            "$.payload.extra",
            title="Undocumented member in HTTP 200 body",
            case_id="b",
        ),
        d(
            "undocumented_fields",
            info,
            "$.payload.extra",
            title="Undocumented member in HTTP 200 body",
            case_id="c",
        ),
        d("undocumented_fields", info, "$.meta", title="Undocumented member in HTTP 200 body", case_id="d"),
        d(
            "auth_enforced",
            err,
            "$",
            title="Request without credentials was accepted",
            case_id="auth-001",
            phase="auth",
            token="",
        ),
    )


# (check, normalised path) -> total deviations in the group
EXPECTED_GROUPS: dict[tuple[str, str], int] = {
    ("response_schema", "$.payload.to"): 3,
    ("response_schema", "$.payload.items[*].id"): 2,
    ("semantic_echo", "$.payload.to"): 1,
    ("error_envelope", "$.success"): 1,
    ("auth_enforced", "$"): 1,
    ("status_documented", "$"): 2,
    ("timestamps", "$.payload.created_at"): 2,
    ("undocumented_fields", "$.payload.extra"): 4,
    ("undocumented_fields", "$.meta"): 1,
}


def run_results(deviations: tuple[Deviation, ...] = (), **fields: Any) -> RunResults:
    """A complete run against the mock with the given deviations; ``fields`` override the rest."""
    results = RunResults(
        target=TargetInfo(name="mock", base_url=BASE_URL, live=False, auth_method="header"),
        spec=dict(SPEC),
        seed=4242,
        started_at="2025-11-24T20:00:00+00:00",
        finished_at="2025-11-24T20:00:42+00:00",
        duration_s=42.0,
        fail_on=Severity.ERROR,
        deviations=deviations,
        phases=(
            PhaseStats("positive", cases=40, sent=40, status_counts={"200": 38, "202": 2}),
            PhaseStats("negative", cases=120, sent=118, skipped=2, status_counts={"400": 117, "200": 1}),
            PhaseStats("auth", cases=6, sent=6, status_counts={"401": 5, "200": 1}),
        ),
        checks=dict(CHECKS),
        stats={
            "cases": 166,
            "sent": 164,
            "transport_errors": 0,
            "max_latency_ms": 88.0,
            "operations": ["POST /rest/sms"],
        },
        tool_version="0.1.0",
    )
    return replace(results, **fields) if fields else results


def faulty_results(**fields: Any) -> RunResults:
    return run_results(faulty_deviations(), **fields)


def clean_results(**fields: Any) -> RunResults:
    return run_results((), **fields)


def leaky_deviation() -> Deviation:
    """A deviation whose evidence was NOT redacted upstream: the canary is in header, query and curl."""
    deviation = make_deviation("auth_enforced", Severity.ERROR, "$", token=CANARY, title="Leaky evidence")
    leaky_request = dict(deviation.request, url=f"{BASE_URL}/rest/sms?jwt={CANARY}&x=1")
    leaky_request["headers"] = {"X-Auth-Token": CANARY, "Authorization": f"Bearer {CANARY}"}
    return replace(
        deviation, request=leaky_request, curl=deviation.curl + f" '{BASE_URL}/rest/sms?jwt={CANARY}'"
    )


def crash(check: str = "timestamps") -> Crash:
    return Crash(
        check=check, case_id="pos-009", error="KeyError: 'created_at'\nTraceback (most recent call last): …"
    )
