"""report.html: self-contained, escaped, deterministic, with baseline sections."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest
from builders import CANARY, SCRIPT_BODY, clean_results, crash, faulty_results, leaky_deviation, run_results

from conformance.model.results import RunResults
from reports.baseline import compare
from reports.html import render_html, write_html

URL_ATTRIBUTE = re.compile(r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def test_every_group_appears_with_its_count(faulty: RunResults) -> None:
    html = render_html(faulty)
    assert len(re.findall(r'<details class="group"', html)) == 9
    assert 'data-check="undocumented_fields" data-severities="info" data-count="4"' in html
    assert "17 deviations in 9 groups" in html


def test_the_page_is_self_contained(faulty: RunResults) -> None:
    html = render_html(faulty)
    assert not URL_ATTRIBUTE.search(html)
    assert "@import" not in html and "url(" not in html
    assert html.count("<script") == 1  # ours; the server's one is escaped text
    assert '<link rel="stylesheet"' not in html


def test_the_content_security_policy_pins_our_inline_script(faulty: RunResults) -> None:
    html = render_html(faulty)
    script = re.search(r"<script>(.*?)</script>", html, re.S)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert policy is not None
    assert f"script-src 'sha256-{digest}'" in unescape(policy.group(1))
    assert "default-src 'none'" in unescape(policy.group(1))


def test_server_bodies_are_escaped_text(faulty: RunResults) -> None:
    html = render_html(faulty)
    assert SCRIPT_BODY not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html


def test_server_text_in_titles_and_paths_is_escaped_too() -> None:
    hostile = faulty_results().deviations[0]
    hostile = replace(hostile, title='"><img src=x onerror=alert(1)>', path="$.<b>x</b>", actual="<i>")
    html = render_html(run_results((hostile,)))
    assert "<img" not in html and "<b>x</b>" not in html and "<i>" not in html


def test_a_clean_run_says_so_plainly(clean: RunResults) -> None:
    html = render_html(clean)
    assert "No deviations." in html
    assert 'class="banner pass"' in html
    assert "0 deviations in 0 groups" in html


def test_a_failing_run_shows_the_verdict_and_header(faulty: RunResults) -> None:
    html = render_html(faulty)
    assert 'class="banner fail"' in html and ">FAIL<" in html
    assert "8 deviations at or above error" in html
    for text in (
        "mock",
        "http://127.0.0.1:8765",
        "Opentact Send SMS API",
        "v1.4.0",
        "ab12" * 16,
        "4242",
        "42.0 s",
    ):
        assert text in html
    assert "No deviations." not in html


def test_partial_runs_and_crashes_are_flagged(faulty: RunResults) -> None:
    html = render_html(
        replace(faulty, partial=True, partial_reason="interrupted after 120 cases", crashes=(crash(),))
    )
    assert "Partial run." in html and "interrupted after 120 cases" in html
    assert "Suite crashes" in html and "KeyError: &#39;created_at&#39;" in html


def test_curl_lines_and_evidence_are_shown(faulty: RunResults) -> None:
    html = render_html(faulty)
    assert "curl -sS -X POST" in html and "Copy curl" in html
    assert "S1 200 tab" in html and "DECISIONS D11" in html


def test_no_canary_anywhere_even_if_upstream_redaction_failed(faulty: RunResults) -> None:
    assert CANARY not in render_html(faulty)
    html = render_html(run_results((leaky_deviation(),)))
    assert CANARY not in html
    assert "X-Auth-Token: ***REDACTED***" in html


def test_baseline_shows_new_persisting_and_fixed_sections(faulty: RunResults) -> None:
    fixed_one = replace(faulty.deviations[0], check="content_type", title="Not JSON")
    baseline = run_results((*faulty.deviations[:5], fixed_one))
    html = render_html(faulty.with_baseline(compare(baseline, faulty, label="old/results.json")))
    for section in ("section-new", "section-persisting", "section-fixed"):
        assert f'id="{section}"' in html
    assert 'id="section-new" data-count="12"' in html
    assert 'id="section-persisting" data-count="5"' in html
    assert 'id="section-fixed" data-count="1"' in html
    assert "old/results.json" in html


def test_previous_run_is_compared_on_the_fly(faulty: RunResults) -> None:
    html = render_html(faulty, previous=run_results(faulty.deviations))
    assert 'id="section-new" data-count="0"' in html
    assert 'class="banner pass"' in html
    assert "No new deviations at or above error since the baseline" in html


def test_rendering_is_deterministic(faulty: RunResults) -> None:
    assert render_html(faulty) == render_html(faulty)


def test_examples_per_group_must_be_positive(faulty: RunResults) -> None:
    with pytest.raises(ValueError, match="examples_per_group"):
        render_html(faulty, examples_per_group=0)


def test_a_minimal_results_file_renders_under_strict_undefined() -> None:
    minimal = replace(clean_results(), spec={}, phases=(), checks={}, stats={}, tool_version="")
    assert "No phase statistics recorded." in render_html(minimal)


def test_write_html_writes_report_html(tmp_path: Path, faulty: RunResults) -> None:
    path = write_html(faulty, tmp_path / "out")
    assert path == tmp_path / "out" / "report.html"
    assert path.read_text(encoding="utf-8") == render_html(faulty)
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]
