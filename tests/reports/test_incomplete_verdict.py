"""A partial run reads as incomplete everywhere: the model, the console, the report, JUnit."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from builders import clean_results, faulty_results

from conformance.model.results import RunResults
from reports.html import render_html
from reports.junit import render_junit
from reports.view import build_view


@pytest.mark.parametrize("make", [clean_results, faulty_results], ids=["clean so far", "deviations so far"])
def test_a_partial_run_is_incomplete_in_every_artefact(make: object) -> None:
    assert callable(make)
    complete: RunResults = make()
    partial: RunResults = make(
        partial=True, partial_reason="interrupted (SIGTERM) before every case was sent"
    )
    assert complete.verdict in ("pass", "fail")
    assert partial.verdict == "incomplete"
    assert partial.to_dict()["run"]["verdict"] == "incomplete"
    view = build_view(partial)
    assert view.verdict == "incomplete" and not view.clean
    assert view.verdict_text.startswith("Incomplete run, not a pass")
    html = render_html(partial)
    assert "INCOMPLETE" in html and "No deviations" not in html
    suite = ET.fromstring(render_junit(partial)).find("testsuite")
    assert suite is not None
    errors = [c for c in suite.iter("testcase") if c.get("name") == "run incomplete"]
    assert len(errors) == 1 and errors[0].find("error") is not None
    assert int(suite.get("errors", "0")) >= 1


def test_a_complete_clean_run_has_no_incomplete_marker() -> None:
    results = clean_results()
    assert results.verdict == "pass"
    assert "run incomplete" not in render_junit(results)
    assert "INCOMPLETE" not in render_html(results)
