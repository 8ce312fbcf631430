"""`opentact-conformance run` end to end, as a user runs it: subprocesses, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support import run_cli

from conformance.mock.server import MockServer
from conformance.model.results import inline_exchanges

from .conftest import TOKEN, TOKEN_ENV

pytestmark = pytest.mark.slow


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env=env, timeout=timeout)


def test_run_without_arguments_gates_the_embedded_mock_and_says_where_results_went(tmp_path: Path) -> None:
    done = cli("run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "results: conformance-report/results.json" in done.stdout
    data = json.loads((tmp_path / "conformance-report" / "results.json").read_text())
    assert data["run"]["verdict"] == "pass"
    assert data["counts"]["error"] == 0
    assert (tmp_path / "conformance-report" / "report.html").is_file()
    assert (tmp_path / "conformance-report" / "junit.xml").is_file()


def test_run_against_any_loopback_server(tmp_path: Path, shared_mock: MockServer) -> None:
    done = cli(
        "run",
        "--base-url",
        shared_mock.url,
        "--token-env",
        TOKEN_ENV,
        "--sender",
        "12017771234",
        "--max-examples",
        "5",
        cwd=tmp_path,
        env={TOKEN_ENV: TOKEN},
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "verdict: PASS" in done.stdout


def test_a_fault_makes_the_gate_exit_1(tmp_path: Path) -> None:
    done = cli("run", "--fault", "accept_letters_in_to", "--max-examples", "5", cwd=tmp_path)
    assert done.returncode == 1, done.stderr + done.stdout
    assert "negative_data_accepted" in done.stdout


def test_unreachable_target_exits_3_with_a_clear_message(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = cli(
        "run",
        "--base-url",
        f"http://127.0.0.1:{port}",
        "--token-env",
        TOKEN_ENV,
        cwd=tmp_path,
        env={TOKEN_ENV: TOKEN},
    )
    assert done.returncode == 3
    assert "target unreachable" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("profile_text", "expected"),
    [
        (
            "name: x\nbase_url: http://127.0.0.1:1\nauth: {method: header, token_env: T}\nsenders: [abc]\n",
            "field 'senders.0'",
        ),
        (
            "name: x\nbase_url: http://127.0.0.1:1\nauth: {method: cookie, token_env: T}\n"
            "senders: ['12017771234']\n",
            "field 'auth.method'",
        ),
        ("name: x\nbase_url: http://127.0.0.1:1\nsenders: ['12017771234']\n", "field 'auth'"),
        ("name: x\nbase_url: [unclosed\n", "not valid YAML"),
        (
            "name: x\nbase_url: http://127.0.0.1:1\nauth: {method: header, token_env: T}\n"
            "senders: ['1']\nbudget: 3\n",
            "field 'budget'",
        ),
    ],
)
def test_broken_profile_exits_2_naming_the_file_and_field(
    tmp_path: Path, profile_text: str, expected: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(profile_text)
    done = cli("run", "--profile", str(path), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr
    assert "broken.yaml" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_token_exits_2_naming_the_variable(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: local\nbase_url: http://127.0.0.1:9\nauth: {method: header, token_env: MY_TOKEN}\n"
        "senders: ['12017771234']\n"
    )
    done = cli("run", "--profile", str(path), cwd=tmp_path)
    assert done.returncode == 2
    assert "MY_TOKEN" in done.stderr and "auth.token_env" in done.stderr
    assert "Traceback" not in done.stderr


def test_non_loopback_target_is_refused_without_live(tmp_path: Path) -> None:
    done = cli(
        "run",
        "--base-url",
        "https://api.opentact.org",
        "--token-env",
        TOKEN_ENV,
        cwd=tmp_path,
        env={TOKEN_ENV: TOKEN},
    )
    assert done.returncode == 2
    assert "live" in done.stderr and "Traceback" not in done.stderr


def test_canary_token_appears_in_no_artefact_or_output(tmp_path: Path) -> None:
    canary = "CANARY-7f3e9b1c-secret-token"
    done = cli(
        "run",
        "--max-examples",
        "5",
        "--fault",
        "auth_not_enforced",
        "--fault",
        "truncated_json",
        cwd=tmp_path,
        env={"OPENTACT_MOCK_TOKEN": canary},
    )
    assert done.returncode == 1  # deviations with request evidence, curl lines and bodies were written
    assert canary not in done.stdout + done.stderr
    written = list((tmp_path / "conformance-report").iterdir())
    assert {p.name for p in written} >= {"results.json", "report.html", "junit.xml"}
    for path in written:
        assert canary not in path.read_text(encoding="utf-8"), path.name
    data = json.loads((tmp_path / "conformance-report" / "results.json").read_text())
    assert any("***REDACTED***" in d["curl"] for d in inline_exchanges(data))
