"""The vendor export's parts, without a process: the runnable curl, the documentation links, the entry
texts, and the report's readings that issue 21 found unclear (labels, counts, the re-send offer)."""

from __future__ import annotations

import re
import shlex
from dataclasses import replace
from html import unescape

from builders import CANARY, faulty_results, leaky_deviation, make_deviation, run_results

from conformance.model.deviations import Evidence, Severity
from conformance.model.results import BaselineComparison
from reports.html import render_html
from reports.redact import MASK
from reports.runnable_curl import runnable_curl
from reports.vendor import DocPage, TargetAccess, build_export, doc_links
from reports.vendor_page import render_markdown, render_vendor_html

PAGES = {
    "S1": DocPage("S1", "Send SMS with Number", "https://doc.example/send"),
    "S3": DocPage("S3", "Sending an SMS", "https://book.example/sms"),
    "S10": DocPage("S10", "SMS events", "https://doc.example/events"),
}
INTERNAL = (
    re.compile(r"\b[0-9a-f]{16}\b"),  # a deviation key
    re.compile(r"\bp-[0-9a-f]{12}\b"),  # a problem id
    re.compile(r"#/"),  # a JSON pointer into our OpenAPI file
    re.compile(r"\bD\d+\b"),  # a DECISIONS number
)


def _body_text(text: str) -> str:
    """The export without its collapsed technical appendix."""
    return re.sub(r"<details.*?</details>", "", text, flags=re.S)


def test_the_curl_reads_every_credential_from_the_variable_and_names_no_marker() -> None:
    request = {
        "method": "POST",
        "url": f"http://127.0.0.1:41234/rest/sms?FROM=1&jwt={MASK}",
        "headers": {"X-Auth-Token": MASK, "Authorization": f"Bearer {MASK}", "Content-Length": "2"},
        "body": "{}",
    }
    curl = runnable_curl(request, "OPENTACT_TOKEN", "http://127.0.0.1:8080")
    assert MASK not in curl and "41234" not in curl and "Content-Length" not in curl
    words = shlex.split(curl)  # the shell keeps "$OPENTACT_TOKEN" inside double quotes for expansion
    assert "http://127.0.0.1:8080/rest/sms?FROM=1&jwt=$OPENTACT_TOKEN" in words
    assert "X-Auth-Token: $OPENTACT_TOKEN" in words and "Authorization: Bearer $OPENTACT_TOKEN" in words
    assert curl.count('"') % 2 == 0 and "'{}'" in curl


def test_the_curl_of_a_plain_request_is_the_recorded_one() -> None:
    request = {"method": "GET", "url": "https://api.example/rest/sms?TO=1", "headers": {"Accept": "x/y"}}
    curl = runnable_curl(request, "TOKEN")
    assert shlex.split(curl) == [
        "curl",
        "-sS",
        "-i",
        "-X",
        "GET",
        "https://api.example/rest/sms?TO=1",
        "-H",
        "Accept: x/y",
    ]
    assert "$TOKEN" not in curl


def test_a_token_that_escaped_redaction_never_reaches_the_curl() -> None:
    curl = runnable_curl(leaky_deviation().request, "OPENTACT_TOKEN")
    assert CANARY not in curl and "$OPENTACT_TOKEN" in curl


def test_evidence_becomes_public_pages_with_what_each_shows() -> None:
    links = doc_links("S1 examples are JSON; S3 curl accept: application/json (D14)", PAGES)
    assert [(link.url, link.shows) for link in links] == [
        ("https://doc.example/send", "examples are JSON"),
        ("https://book.example/sms", "curl accept: application/json"),
    ]
    rfc = doc_links("RFC 8259 §8.1; S1 examples are JSON", PAGES)
    assert rfc[0].url == "https://www.rfc-editor.org/rfc/rfc8259#section-8.1"


def test_evidence_without_a_public_page_falls_back_to_the_operations_page() -> None:
    assert [link.url for link in doc_links("notes §4.5 (inferred)", PAGES)] == ["https://doc.example/send"]


def test_an_entry_speaks_the_vendors_language_and_keeps_internals_in_the_appendix() -> None:
    html_page = make_deviation(
        "content_type",
        Severity.ERROR,
        "Content-Type",
        title="Response is not labelled application/json",
        expected="application/json",
        actual="text/html; charset=utf-8",
        evidence=Evidence(source="S1 examples are JSON", decision="D14"),
    )
    results = run_results((html_page,), invocation={"token_env": "OPENTACT_SANDBOX_TOKEN"})
    export = build_export(results, PAGES, TargetAccess("OPENTACT_SANDBOX_TOKEN"))
    [problem] = export.problems
    assert problem.expected == "application/json"
    assert problem.actual == "The server sent Content-Type `text/html; charset=utf-8`."
    assert problem.docs[0].url == "https://doc.example/send"
    for text in (render_markdown(export), unescape(render_vendor_html(export))):
        body = _body_text(text)
        assert '"X-Auth-Token: $OPENTACT_SANDBOX_TOKEN"' in body and MASK not in text
        assert [p.pattern for p in INTERNAL if p.search(body)] == []
        assert html_page.key in text and "D14" in text  # in the appendix


def test_a_baseline_keeps_only_the_new_problems() -> None:
    results = faulty_results()
    older = run_results(results.deviations[:3])
    export = build_export(results, PAGES, TargetAccess("T"), baseline=older)
    everything = build_export(results, PAGES, TargetAccess("T"))
    assert 0 < len(export.problems) < len(everything.problems)
    assert "new since" in export.scope


def test_history_says_in_how_many_runs_each_open_problem_was_seen() -> None:
    newest = faulty_results()
    oldest = run_results(newest.deviations[:3], started_at="2025-11-20T08:00:00+00:00")
    export = build_export(newest, PAGES, TargetAccess("T"), history=[oldest, newest])
    seen = {p.runs_seen for p in export.problems}
    assert seen == {"in 1 of 2 runs", "in 2 of 2 runs"}
    assert any(p.first_seen.startswith("2025-11-20") for p in export.problems)


def test_a_passing_report_offers_no_resend_of_failing_cases() -> None:
    failing = faulty_results(invocation={"reproduce": "opentact-conformance run --seed 1"})
    passing = run_results((), invocation={"reproduce": "opentact-conformance run --seed 1"})
    assert "Re-send only the failing cases" in render_html(failing)
    assert "Re-send only the failing cases" not in render_html(passing)
    assert "opentact-conformance run --seed 1" in render_html(passing)


def test_baseline_counts_keep_problems_and_deviations_in_their_own_columns() -> None:
    results = faulty_results()
    comparison = BaselineComparison("old", new=tuple(d.key for d in results.deviations), fixed=())
    html = render_html(results.with_baseline(comparison))
    table = html.split('<table id="baseline-counts">', 1)[1].split("</table>", 1)[0]
    assert '<th class="num">Distinct problems</th><th class="num">Deviations</th>' in table
    new_row = re.search(r'<tr data-status="new">.*?data-problems>(\d+)<.*?data-deviations>(\d+)<', table)
    assert new_row is not None and new_row.groups() == ("9", str(len(results.deviations)))


def test_a_control_resend_is_labelled_control_and_answer() -> None:
    deviation = make_deviation(
        "equal_requests_same_outcome",
        Severity.ERROR,
        "$",
        title="Equal requests got different answers",
        other_response={"status": 200, "headers": {}, "body": "{}"},
    )
    html = render_html(run_results((deviation,)))
    assert "<h4>Control: the same request, sent again</h4>" in html and "<h4>Answer</h4>" in html
    assert "<h4>A</h4>" not in html and "<h4>B</h4>" not in html


def test_report_rows_link_their_documentation_when_given_the_pages() -> None:
    html = render_html(faulty_results(), pages=PAGES)
    table = html.split('<table id="problems">', 1)[1].split("</table>", 1)[0]
    assert table.count('<a class="doc" href="https://doc.example/send"') == 9
    assert 'class="doc"' not in render_html(faulty_results())


def test_detail_and_title_lose_internal_numbers() -> None:
    deviation = replace(
        make_deviation("response_schema", Severity.WARNING, "$.payload.to"),
        title="HTTP 200 body matches documented variant 'response-s3'",
        detail="breaks the schema (D23) (schema #/components/schemas/X)",
        evidence=Evidence(source="S3 response examples", decision="D7", variant="response-s3"),
    )
    export = build_export(run_results((deviation,)), PAGES, TargetAccess("T"))
    [problem] = export.problems
    assert problem.title.startswith("`payload.to` differs from the API reference")
    assert "response-s3" not in _body_text(render_markdown(export))
    assert [link.title for link in problem.docs] == ["Send SMS with Number", "Sending an SMS"]


def test_source_labels_and_json_paths_become_plain_words() -> None:
    deviation = replace(
        make_deviation("lifecycle_state_order", Severity.WARNING, "$.payload.state"),
        detail="The message read 'sending', then 'created' at $.payload.state; "
        "states never go back (S1, S4, S10).",
    )
    export = build_export(run_results((deviation,)), PAGES, TargetAccess("T"))
    body = _body_text(render_markdown(export))
    assert "`payload.state`" in body
    assert not re.search(r"\(S\d+|\$\.payload", body), body


def test_a_run_names_the_profile_s_token_variable_for_the_reproduction() -> None:
    from conformance.commands.export import target_access

    recorded = run_results(())
    by_profile = replace(recorded, invocation={"token_env": None, "token_variable": "CATALOGUE_TOKEN"})
    by_option = replace(recorded, invocation={"token_env": "CI_TOKEN", "token_variable": "CATALOGUE_TOKEN"})
    assert target_access(by_profile).token_variable == "CATALOGUE_TOKEN"
    assert target_access(by_option).token_variable == "CI_TOKEN"  # --token-env overrides the profile
    assert target_access(replace(recorded, invocation={})).token_variable == "OPENTACT_TOKEN"
