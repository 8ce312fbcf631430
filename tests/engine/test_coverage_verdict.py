"""Coverage is part of the verdict (D55): a run that left planned cases unsent never reads as a plain
PASS, and says how many were not sent and why — console, results.json, junit.xml, pytest, diff."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.mock.server import MockServer

from .conftest import TOKEN, TOKEN_ENV
from .gate_runs import profile_file, run_gate, run_suite

pytestmark = pytest.mark.slow  # CLI runs and a pytest session in subprocesses


def _profile(tmp_path: Path, url: str, name: str = "loopback", budget: str = "") -> Path:
    """A minimal profile: no max_sends unless given (the default budget, 20)."""
    return profile_file(tmp_path, url, name=name, senders="'12017771234', '12013046585'", extra=budget)


def _run(tmp_path: Path, profile: Path, *extra: str) -> tuple[int, str, dict, ET.Element]:
    report = tmp_path / "report"
    done = run_gate(tmp_path, profile, *extra)
    assert "Traceback" not in done.stderr, done.stderr
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    return done.returncode, done.stdout, results, ET.parse(report / "junit.xml").getroot()


def test_a_budgeted_loopback_run_is_incomplete_coverage_exit_1(
    tmp_path: Path, shared_mock: MockServer
) -> None:
    code, stdout, results, junit = _run(tmp_path, _profile(tmp_path, shared_mock.url))
    coverage = results["stats"]["coverage"]
    assert code == 1
    held = coverage["planned"] - coverage["sent"]
    assert held > 50  # a budget of 20 SMS-capable sends; rejected cases cost none (D17)
    assert coverage["not_sent_why"] == {"max_sends=20": held}
    assert coverage["below_min"] is True and coverage["min_coverage"] == 100
    assert results["run"]["verdict"] == "incomplete"
    verdict = next(line for line in stdout.splitlines() if line.startswith("verdict:"))
    assert verdict.startswith(
        "verdict: INCOMPLETE-COVERAGE (PARTIAL COVERAGE: "
        f"{coverage['sent']} of {coverage['planned']} cases sent; "
        f"{held} held back by max_sends=20)"
    )
    [error] = junit.iter("error")
    assert f"{held} held back by max_sends=20" in error.get("message", "")
    phases = coverage["phases"]
    assert sum(p["not_sent"] for p in phases.values()) == held
    assert phases["positive"]["sent"] == 0 < phases["positive"]["planned"]


def test_min_coverage_0_accepts_but_the_word_says_partial(tmp_path: Path, shared_mock: MockServer) -> None:
    code, stdout, results, junit = _run(tmp_path, _profile(tmp_path, shared_mock.url), "--min-coverage", "0")
    planned, sent = results["stats"]["coverage"]["planned"], results["stats"]["coverage"]["sent"]
    assert code == 0
    assert results["run"]["verdict"] == "pass"
    assert f"verdict: PASS (PARTIAL COVERAGE: {sent} of {planned} cases sent;" in stdout
    assert "verdict: PASS (fail on" not in stdout
    [skipped] = junit.iter("skipped")
    assert skipped.get("message", "").startswith(f"partial coverage: {sent} of {planned} cases sent")
    assert junit.find("testsuite").get("skipped") == "1"  # type: ignore[union-attr]


def test_a_clean_full_run_is_a_plain_pass(tmp_path: Path, shared_mock: MockServer) -> None:
    code, stdout, results, junit = _run(
        tmp_path, _profile(tmp_path, shared_mock.url, budget="max_sends: 2000\n")
    )
    coverage = results["stats"]["coverage"]
    assert code == 0, stdout
    assert coverage["not_sent"] == 0 and coverage["sent"] == coverage["planned"] > 100
    assert "verdict: PASS (fail on error; 0 gating)" in stdout
    assert "PARTIAL" not in stdout
    assert list(junit.iter("skipped")) == [] and list(junit.iter("error")) == []


def test_pytest_skips_the_phases_whose_cases_were_not_sent(tmp_path: Path, shared_mock: MockServer) -> None:
    out = tmp_path / "pytest.xml"
    done = run_suite(tmp_path, _profile(tmp_path, shared_mock.url), {TOKEN_ENV: TOKEN}, f"--junitxml={out}")
    outcomes = {}
    for case in ET.parse(out).getroot().iter("testcase"):
        skipped = case.find("skipped")
        outcomes[case.get("name", "")] = (
            "skipped: " + skipped.get("message", "")
            if skipped is not None
            else "failed"
            if case.find("failure") is not None or case.find("error") is not None
            else "passed"
        )
    for phase in ("auth", "positive", "boundaries"):
        [outcome] = [o for name, o in outcomes.items() if name.endswith(f"-{phase}]")]
        assert outcome.startswith(f"skipped: phase {phase}: "), (phase, outcome, done.stdout[-2000:])
        assert "max_sends=20" in outcome
    [complete] = [o for name, o in outcomes.items() if name.startswith("test_the_run_was_complete")]
    assert complete == "failed"


def test_diff_names_why_it_skipped(tmp_path: Path, shared_mock: MockServer) -> None:
    from conformance.mock.config import MockConfig

    with MockServer(MockConfig(token=TOKEN)) as other:
        side_b = _profile(tmp_path, other.url, "side-b", "max_sends: 30\n")
        done = run_gate(
            tmp_path,
            _profile(tmp_path, shared_mock.url, "side-a", "max_sends: 2000\n"),
            "--profile",
            str(side_b),
            command="diff",
        )
    results = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))
    skipped = results["stats"]["skipped_budget_or_negative_only"]
    assert skipped > 50
    assert results["stats"]["skipped_why"] == {"max_sends of side side-b spent": skipped}
    assert f"{skipped} skipped: max_sends of side side-b spent)" in done.stdout
