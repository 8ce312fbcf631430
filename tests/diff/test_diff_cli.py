"""`opentact-conformance diff` end to end, as a user runs it: two embedded mocks, exit codes, artefacts."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support import run_cli

from conformance.model.results import inline_exchanges

pytestmark = pytest.mark.slow

TYPE = "JSON type differs between targets"
STATUS = "Status code differs between targets"
CONTENT_TYPE = "Content type differs between targets"
BODY = "Body kind differs between targets"


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env=env)


def diff(
    tmp_path: Path, a: str, b: str, *extra: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    done = cli("diff", "--profile", a, "--profile", b, "--max-examples", "5", "--quiet", *extra, cwd=tmp_path)
    results_path = tmp_path / "conformance-report" / "results.json"
    data = json.loads(results_path.read_text()) if results_path.exists() else {}
    return done, data


def titles_and_paths(data: dict[str, Any]) -> set[tuple[str, str]]:
    return {(d["title"], d["path"]) for d in data["deviations"]}


def test_two_clean_mocks_differ_nowhere_and_exit_0(tmp_path: Path) -> None:
    done, data = diff(tmp_path, "mock", "mock")
    print(done.stdout)
    assert done.returncode == 0, done.stderr + done.stdout
    assert data["deviations"] == []
    assert data["run"]["command"] == "diff"
    assert data["target"]["name"] == "mock (A) vs mock (B)"
    assert data["target"]["base_url"] == "embedded mock | embedded mock"
    assert data["stats"]["compared"] == data["stats"]["cases"] > 40
    assert "verdict: PASS" in done.stdout
    reproduce = "reproduce: opentact-conformance diff --profile mock --profile mock --seed 0 --max-examples 5"
    assert reproduce in done.stdout and data["invocation"]["reproduce"] in done.stdout
    assert (tmp_path / "conformance-report" / "report.html").is_file()
    assert (tmp_path / "conformance-report" / "junit.xml").is_file()


def test_to_as_string_is_exactly_one_type_difference_at_payload_to(tmp_path: Path) -> None:
    done, data = diff(tmp_path, "mock", "mock:to_as_string")
    print(done.stdout)
    assert done.returncode == 1, done.stderr + done.stdout
    assert titles_and_paths(data) == {(TYPE, "$.payload.to")}
    assert {(d["expected"], d["actual"], d["severity"]) for d in data["deviations"]} == {
        ("integer", "string", "error")
    }
    first = inline_exchanges(data)[0]  # with its exchange evidence (results format 2)
    assert first["check"] == "differential"
    assert first["other_response"]["target"] == "mock"
    assert first["response"]["target"] == "mock:to_as_string"
    assert "mock gave integer, mock:to_as_string gave string" in first["detail"]
    assert data["target"]["name"] == "mock vs mock:to_as_string"


def test_success_status_202_differs_only_in_the_status_code(tmp_path: Path) -> None:
    done, data = diff(tmp_path, "mock", "mock:success_status_202")
    print(done.stdout)
    assert done.returncode == 1, done.stderr + done.stdout
    assert titles_and_paths(data) == {(STATUS, "$")}
    assert {(d["expected"], d["actual"]) for d in data["deviations"]} == {("200", "202")}


def test_html_error_page_differs_in_content_type_and_body_on_the_404_cases_only(tmp_path: Path) -> None:
    done, data = diff(tmp_path, "mock", "mock:html_error_page")
    print(done.stdout)
    assert done.returncode == 1, done.stderr + done.stdout
    assert titles_and_paths(data) == {(CONTENT_TYPE, "Content-Type"), (BODY, "$")}
    for deviation in inline_exchanges(data):
        assert deviation["response"]["status"] == deviation["other_response"]["status"] == 404
    by_case: dict[str, set[str]] = {}
    for deviation in data["deviations"]:
        by_case.setdefault(deviation["case_id"], set()).add(deviation["title"])
    assert all(titles == {CONTENT_TYPE, BODY} for titles in by_case.values())
    not_found_cases = sum(p["status_counts"].get("404/404", 0) for p in data["phases"])
    assert len(by_case) == not_found_cases >= 2


def test_a_gate_on_warnings_still_passes_two_clean_mocks_and_fail_on_is_recorded(tmp_path: Path) -> None:
    done, data = diff(tmp_path, "mock", "mock", "--fail-on", "warning", "--seed", "3")
    assert done.returncode == 0, done.stderr + done.stdout
    assert data["run"]["fail_on"] == "warning" and data["run"]["seed"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--profile", "mock"), "exactly two --profile"),
        ((), "exactly two --profile"),
        (("--profile", "mock", "--profile", "mock", "--profile", "mock"), "exactly two --profile"),
        (("--profile", "mock", "--profile", "mock:no_such_fault"), "unknown fault 'no_such_fault'"),
        (("--profile", "mock", "--profile", "mock:"), "names no fault"),
        (("--profile", "mock", "--profile", "missing.yaml"), "neither a file nor a built-in"),
        (("--profile", "mock", "--profile", "mock", "--negative-only-for", "prod"), "names neither side"),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    done = cli("diff", *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr + done.stdout
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreachable_side_exits_3_and_is_named(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    profile = tmp_path / "down.yaml"
    profile.write_text(
        f"name: down-target\nbase_url: http://127.0.0.1:{port}\n"
        "auth: {method: header, token_env: OPENTACT_DOWN_TOKEN}\nsenders: ['12017771234']\n"
    )
    done = cli(
        "diff",
        "--profile",
        "mock",
        "--profile",
        str(profile),
        cwd=tmp_path,
        env={"OPENTACT_DOWN_TOKEN": "t0k"},
    )
    assert done.returncode == 3, done.stderr + done.stdout
    assert "target down-target unreachable" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_non_loopback_side_is_refused_without_live(tmp_path: Path) -> None:
    profile = tmp_path / "prod.yaml"
    profile.write_text(
        "name: prod\nbase_url: https://api.opentact.org\nlive: true\n"
        "auth: {method: header, token_env: OPENTACT_PROD_TOKEN}\nsenders: ['12017771234']\n"
    )
    done = cli(
        "diff", "--profile", "mock", "--profile", str(profile), cwd=tmp_path, env={"OPENTACT_PROD_TOKEN": "x"}
    )
    assert done.returncode == 2, done.stderr + done.stdout
    assert "--live" in done.stderr and "Traceback" not in done.stderr
