"""The preflight (D55): a refused token or an unleased sender ends the run with exit 2 after at most
two requests reach the server; any other answer lets the run go on with the preflight checked."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support import run_cli

from conformance.engine.run.preflight import AuthWatch
from conformance.engine.run.runner import PreflightError, RunOptions, execute
from conformance.mock.server import MockServer
from conformance.model.redaction import Redactor

from .conftest import TOKEN, TOKEN_ENV
from .counting_target import counting_target
from .test_budget import loopback_profile

REFUSED = b'{"success": false, "status": 401, "message": "Unauthorized"}'
UNLEASED = b'{"success": false, "status": 404, "message": "TNLease and SMSCampaign not found"}'


def _profile_file(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "target.yaml"
    path.write_text(
        f"name: loopback\nbase_url: {url}\nauth:\n  method: header\n  token_env: {TOKEN_ENV}\n"
        f"senders: ['12017771234']\nmax_sends: 400\n{extra}",
        encoding="utf-8",
    )
    return path


def _run(tmp_path: Path, url: str) -> subprocess.CompletedProcess[str]:
    profile = _profile_file(tmp_path, url)
    report = tmp_path / "r"
    return run_cli(
        "run",
        "--profile",
        str(profile),
        "--quiet",
        "--report-dir",
        str(report),
        cwd=tmp_path,
        env={TOKEN_ENV: TOKEN},
        timeout=400,
    )


@pytest.mark.parametrize(
    ("status", "body", "named"),
    [(401, REFUSED, TOKEN_ENV), (403, REFUSED, TOKEN_ENV), (404, UNLEASED, "'senders'")],
)
def test_refused_preflight_exits_2_after_one_request(
    tmp_path: Path, status: int, body: bytes, named: str
) -> None:
    with counting_target(status, body) as (target, url):
        done = _run(tmp_path, url)
        assert done.returncode == 2, done.stderr
        assert 1 <= target.requests <= 2
    assert named in done.stderr
    assert f"HTTP {status}" in done.stderr
    assert TOKEN not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_refused_token_at_the_mock_names_the_variable(
    shared_mock: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "not-the-token-of-this-target")
    with pytest.raises(PreflightError, match=TOKEN_ENV) as refused:
        execute(RunOptions(profile=loopback_profile(shared_mock, max_sends=500), max_examples=3))
    assert "not-the-token" not in str(refused.value)


def test_unclassified_answer_goes_on_and_the_preflight_is_checked(tmp_path: Path) -> None:
    """A 500 is a vendor answer, not a configuration error: the run goes on and reports it."""
    with counting_target(500, b'{"success": false}') as (target, url):
        done = _run(tmp_path, url)
        assert done.returncode == 1, done.stderr
        assert target.requests > 2
    assert "preflight" in (tmp_path / "r" / "results.json").read_text(encoding="utf-8")


def test_clean_preflight_is_a_checked_phase(shared_mock: MockServer, token_env: str) -> None:
    results = execute(RunOptions(profile=loopback_profile(shared_mock, max_sends=500), max_examples=3))
    [phase] = [p for p in results.phases if p.name == "preflight"]
    assert (phase.sent, phase.status_counts) == (1, {"200": 1})
    assert results.stats["preflight"] == "sent: HTTP 200"
    assert not [d for d in results.deviations if d.phase == "preflight"]


def test_negative_only_sends_no_preflight(shared_mock: MockServer, token_env: str) -> None:
    results = execute(
        RunOptions(profile=loopback_profile(shared_mock, max_sends=500), max_examples=3, negative_only=True)
    )
    assert "preflight" not in {p.name for p in results.phases}
    assert "negative-only" in results.stats["preflight"]


def test_every_valid_send_refused_stops_the_run(shared_mock: MockServer) -> None:
    """The mid-run watch, fed real exchanges: five refused valid sends stop it, one 200 among them not."""
    from conformance.contract.specfile import load_spec
    from conformance.engine.run.preflight import preflight_case
    from conformance.model.exchange import Exchange, RecordedRequest, RecordedResponse

    profile = loopback_profile(shared_mock)
    case = preflight_case(profile, load_spec())

    def answer(status: int) -> Exchange:
        return Exchange(
            case,
            RecordedRequest("POST", "http://127.0.0.1", "/rest/sms"),
            RecordedResponse(status, {}, REFUSED, 1.0),
        )

    refused, mixed = AuthWatch(), AuthWatch()
    assert [refused.see(answer(401), Redactor()) for _ in range(5)] == [False] * 4 + [True]
    assert not any(mixed.see(answer(s), Redactor()) for s in (200, 401, 401, 401, 401, 401))
    assert TOKEN_ENV in refused.message(profile)
