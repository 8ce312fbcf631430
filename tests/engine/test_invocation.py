"""Reproducible by construction: results.json records every option of the run, redacted, and a command
that, run again, finds the same deviations."""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.commands.cli import main
from conformance.commands.invocation import redact_command_line

FAULTS = ("missing_thread", "validation_as_500")


def _keys(results: Path) -> list[tuple[str, str, str]]:
    data = json.loads(results.read_text(encoding="utf-8"))
    return sorted((d["key"], d["case_id"], d["severity"]) for d in data["deviations"])


@pytest.mark.slow
def test_results_record_the_options_and_the_reproduce_command_finds_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", "--seed", "4", "--max-examples", "2", "--phase", "positive", "--phase", "negative"]
    args += [x for fault in FAULTS for x in ("--fault", fault)] + ["--report-dir", str(tmp_path / "a")]
    assert main([*args, "--quiet"]) == 1
    printed = capsys.readouterr().out
    invocation = json.loads((tmp_path / "a" / "results.json").read_text(encoding="utf-8"))["invocation"]
    assert invocation["seed"] == 4 and invocation["max_examples"] == 2
    assert invocation["phases"] == ["negative", "positive"] or set(invocation["phases"]) == {
        "negative",
        "positive",
    }
    assert invocation["faults"] == sorted(FAULTS) and invocation["mock_faults"] == sorted(FAULTS)
    assert invocation["checks_filtered"] is False and "response_schema" in invocation["checks"]
    assert invocation["profile"] == {"name": "mock", "source": "<built-in>", "sha256": None}
    assert invocation["tool_version"] and invocation["spec_sha256"]
    assert invocation["command_line"] == "opentact-conformance " + shlex.join([*args, "--quiet"])
    assert f"reproduce: {invocation['reproduce']}" in printed

    again = shlex.split(invocation["reproduce"])
    assert again[:2] == ["opentact-conformance", "run"]
    assert main([*again[1:], "--report-dir", str(tmp_path / "b"), "--quiet"]) == 1
    assert _keys(tmp_path / "a" / "results.json") == _keys(tmp_path / "b" / "results.json")


@pytest.mark.slow  # generates cases: the drawing child is a process
def test_a_profile_file_is_recorded_with_its_sha256(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.mock.config import MockConfig
    from conformance.mock.server import MockServer

    monkeypatch.setenv("OPENTACT_INVOCATION_TOKEN", "invocation-token-77aa")
    with MockServer(MockConfig(token="invocation-token-77aa")) as server:
        profile = tmp_path / "p.yaml"
        profile.write_text(
            f"name: p\nbase_url: {server.url}\n"
            "auth: {method: header, token_env: OPENTACT_INVOCATION_TOKEN}\n"
            f'senders: ["{server.config.senders[0]}"]\nmax_sends: 5\n',
            encoding="utf-8",
        )
        assert main(
            [
                "run",
                "--profile",
                str(profile),
                "--max-examples",
                "1",
                "--report-dir",
                str(tmp_path),
                "--quiet",
            ]
        ) in (0, 1)
    recorded = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["invocation"]
    assert recorded["profile"]["sha256"] == hashlib.sha256(profile.read_bytes()).hexdigest()
    assert recorded["profile"]["source"] == str(profile.resolve())
    assert f"--profile {profile}" in recorded["reproduce"]
    assert "invocation-token-77aa" not in (tmp_path / "results.json").read_text(encoding="utf-8")


def test_the_command_line_is_redacted() -> None:
    line = redact_command_line(
        ["run", "--base-url", "http://user:s3cret@127.0.0.1:9/?jwt=abc.def", "--sender", "tok-123"],
        ["tok-123"],
    )
    assert "s3cret" not in line and "abc.def" not in line and "tok-123" not in line
    assert "127.0.0.1:9" in line


@pytest.mark.slow
def test_python_dash_m_conformance_and_help_show_defaults_and_exit_codes() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--help"], capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())
    assert "generated cases per phase (default: 25)" in text
    assert "(default: conformance-report)" in text and "variants" in text
    assert "exit codes: 0 clean" in text and "130 interrupted" in text


@pytest.mark.slow
def test_phase_variants_is_a_phase_of_its_own(tmp_path: Path) -> None:
    base = ["run", "--fault", "requires_lowercase_names", "--max-examples", "1", "--quiet"]
    main([*base, "--phase", "examples", "--report-dir", str(tmp_path / "without")])
    main([*base, "--phase", "examples", "--phase", "variants", "--report-dir", str(tmp_path / "with")])

    def phases(folder: str) -> list[str]:
        data = json.loads((tmp_path / folder / "results.json").read_text(encoding="utf-8"))
        return [p["name"] for p in data["phases"]]

    assert phases("without") == ["examples"]
    assert phases("with") == ["examples", "variants"]
