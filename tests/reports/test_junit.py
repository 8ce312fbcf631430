"""junit.xml: one testcase per check × operation; failures only at/above the threshold."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

from builders import CANARY, CHECKS, crash, faulty_results, leaky_deviation, make_deviation, run_results

from conformance.model.deviations import Severity
from reports.baseline import compare
from reports.junit import render_junit, write_junit


def _cases(xml: str) -> dict[tuple[str, str], ET.Element]:
    root = ET.fromstring(xml)
    return {(c.get("classname", ""), c.get("name", "")): c for c in root.iter("testcase")}


def test_one_testcase_per_check_and_operation() -> None:
    cases = _cases(render_junit(faulty_results()))
    assert set(cases) == {(f"opentact-conformance.{check}", "POST /rest/sms") for check in CHECKS}
    root = ET.fromstring(render_junit(faulty_results()))
    assert root.tag == "testsuites"
    assert root.get("tests") == str(len(CHECKS))


def test_failures_only_for_checks_with_deviations_at_or_above_fail_on() -> None:
    cases = _cases(render_junit(faulty_results()))
    failing = {name.split(".", 1)[1] for (name, _), case in cases.items() if case.find("failure") is not None}
    assert failing == {"response_schema", "semantic_echo", "error_envelope", "auth_enforced"}
    root = ET.fromstring(render_junit(faulty_results()))
    assert root.get("failures") == "4"
    schema = cases[("opentact-conformance.response_schema", "POST /rest/sms")].find("failure")
    assert schema is not None and schema.text is not None
    assert "HTTP 200 body violates the documented schema (type) at $.payload.to" in schema.text
    assert "reproduce: curl" in schema.text


def test_lower_severities_go_to_system_out_not_failures() -> None:
    cases = _cases(render_junit(faulty_results()))
    extra = cases[("opentact-conformance.undocumented_fields", "POST /rest/sms")]
    assert extra.find("failure") is None
    out = extra.find("system-out")
    assert out is not None and out.text is not None and "[info] Undocumented member" in out.text


def test_a_lower_threshold_turns_warnings_into_failures() -> None:
    cases = _cases(render_junit(faulty_results(fail_on=Severity.WARNING)))
    assert cases[("opentact-conformance.timestamps", "POST /rest/sms")].find("failure") is not None


def test_with_a_baseline_only_new_deviations_fail() -> None:
    current = faulty_results()
    baseline = run_results(current.deviations[:5])  # the response_schema ones persist
    compared = current.with_baseline(compare(baseline, current, label="old"))
    cases = _cases(render_junit(compared))
    schema = cases[("opentact-conformance.response_schema", "POST /rest/sms")]
    assert schema.find("failure") is None
    out = schema.find("system-out")
    assert out is not None and out.text is not None and "[error, persisting]" in out.text
    assert cases[("opentact-conformance.semantic_echo", "POST /rest/sms")].find("failure") is not None


def test_crashes_are_errors_of_their_own() -> None:
    root = ET.fromstring(render_junit(faulty_results(crashes=(crash(),))))
    errors = [c for c in root.iter("testcase") if c.find("error") is not None]
    assert [c.get("name") for c in errors] == ["crash in check timestamps"]
    assert root.get("errors") == "1"


def test_control_characters_from_the_server_still_give_valid_xml() -> None:
    deviation = make_deviation("response_schema", Severity.ERROR, "$", actual="bad\x00\x1bbytes")
    ET.fromstring(render_junit(run_results((deviation,))))


def test_credentials_never_reach_junit() -> None:
    xml = render_junit(run_results((leaky_deviation(),)))
    assert CANARY not in xml
    assert CANARY not in render_junit(faulty_results())


def test_write_junit_writes_the_file(tmp_path: Path) -> None:
    path = write_junit(replace(faulty_results()), tmp_path)
    assert path == tmp_path / "junit.xml"
    ET.parse(path)
