"""The report shows a differential deviation's two responses side by side, escaped."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from conformance.engine.run.differential import compare
from conformance.model.cases import Case, Expectation
from conformance.model.deviations import Severity
from conformance.model.exchange import Exchange, RecordedRequest, RecordedResponse
from conformance.model.results import RunResults, TargetInfo
from reports.html import render_html

CASE = Case(id="not_found-0001", phase="not_found", kind="unleased sender", expectation=Expectation.NOT_FOUND)
HOSTILE = "<script>window.__pwned=1</script>"


def exchange(body: bytes, content_type: str, url: str) -> Exchange:
    request = RecordedRequest(
        "POST", url, "/rest/sms", (("FROM", "15555550100"),), (("X-Auth-Token", "tok-1"),)
    )
    return Exchange(CASE, request, RecordedResponse(404, {"content-type": content_type}, body, 2.0))


def results() -> RunResults:
    a = exchange(
        json.dumps(
            {"success": False, "status": 404, "message": "TNLease and SMSCampaign not found"}
        ).encode(),
        "application/json",
        "http://127.0.0.1:1",
    )
    b = exchange(f"<html>{HOSTILE}</html>".encode(), "text/html", "http://127.0.0.1:2")
    deviations = compare(CASE, a, b, sides=("sandbox", "production"), secrets=("tok-1",), seed=1)
    assert {d.severity for d in deviations} == {Severity.ERROR}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return RunResults(
        target=TargetInfo("sandbox vs production", "http://127.0.0.1:1 | http://127.0.0.1:2"),
        spec={"title": "Opentact", "version": "1", "sha256": "0" * 64},
        seed=1,
        started_at=now,
        finished_at=now,
        duration_s=1.0,
        fail_on=Severity.ERROR,
        deviations=tuple(deviations),
        checks={"differential": "Both targets answer alike."},
        command="diff",
    )


def test_a_differential_example_shows_both_responses_in_two_columns_escaped() -> None:
    html = render_html(results())
    columns = re.findall(
        r'<div class="exchange side-by-side"><div><h4>(.*?)</h4>.*?<div><h4>(.*?)</h4>', html, re.S
    )
    assert columns and set(columns) == {("Response of sandbox", "Response of production")}
    assert "TNLease and SMSCampaign not found" in html  # A's body
    assert (
        HOSTILE not in html and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    )  # B's body, escaped
    assert "text/html" in html and "Request (as sent to production)" in html
    assert "<h4>sandbox (expected)</h4>" in html and "<h4>production (actual)</h4>" in html  # named by side
    assert "tok-1" not in html


def test_an_ordinary_deviation_keeps_the_request_and_response_columns() -> None:
    from dataclasses import replace

    plain = results()
    plain = replace(plain, deviations=tuple(replace(d, other_response={}) for d in plain.deviations))
    html = render_html(plain)
    assert "side-by-side" not in html
    assert "<h4>Request</h4>" in html and "<h4>Response</h4>" in html and "<h4>Expected</h4>" in html
