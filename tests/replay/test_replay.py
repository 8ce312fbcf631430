"""`replay`: a fault run's failing cases re-sent to real loopback mocks, within the profile's budget.

A run against a mock with `missing_thread` on fails; its cases replayed against a clean mock are all
FIXED (exit 0), against the same fault all STILL FAILING (exit 1); every mock's message store holds
no more sends than the profile's `max_sends`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.commands.cli import main
from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer

TOKEN_ENV = "OPENTACT_REPLAY_TOKEN"
TOKEN = "replay-test-token-0b3c77"
MAX_SENDS = 40
LINE = re.compile(r"^  (FIXED|STILL FAILING|CHANGED|NOT SENT)\s+(\S+)", re.M)


def _profile(folder: Path, name: str, server: MockServer, max_sends: int = MAX_SENDS) -> Path:
    path = folder / f"{name}.yaml"
    senders = ", ".join(f'"{s}"' for s in server.config.senders)
    path.write_text(
        f"name: {name}\nbase_url: {server.url}\nauth: {{method: header, token_env: {TOKEN_ENV}}}\n"
        f"senders: [{senders}]\nmax_sends: {max_sends}\ntimeout_s: 10\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return TOKEN


@pytest.fixture
def faulty_mock() -> Iterator[MockServer]:
    with MockServer(MockConfig(token=TOKEN, faults=frozenset({"missing_thread"}))) as server:
        yield server


@pytest.fixture
def clean_mock() -> Iterator[MockServer]:
    with MockServer(MockConfig(token=TOKEN)) as server:
        yield server


@pytest.fixture
def fault_run(tmp_path: Path, token: str, faulty_mock: MockServer) -> Path:
    """results.json of a failing run against the faulty mock (the run itself stays within budget)."""
    profile = _profile(tmp_path, "faulty", faulty_mock)
    report_dir = str(tmp_path / "r")
    code = main(["run", "--profile", str(profile), "--max-examples", "3", "--report-dir", report_dir])
    assert code == 1
    assert len(faulty_mock.store.messages()) <= MAX_SENDS
    return tmp_path / "r" / "results.json"


def _failing_cases(results: Path) -> list[str]:
    """Counted from results.json directly: case ids with a deviation at/above the run's threshold."""
    data = json.loads(results.read_text(encoding="utf-8"))
    rank = {"info": 1, "warning": 2, "error": 3}
    threshold = rank[data["run"]["fail_on"]]
    return list(dict.fromkeys(d["case_id"] for d in data["deviations"] if rank[d["severity"]] >= threshold))


def _verdicts(output: str) -> dict[str, str]:
    return {case_id: verdict for verdict, case_id in LINE.findall(output)}


def test_replay_against_a_clean_target_says_every_case_is_fixed(
    tmp_path: Path, fault_run: Path, clean_mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = _failing_cases(fault_run)
    assert failing, "the fault run must have failing cases to replay"
    capsys.readouterr()
    code = main(["replay", str(fault_run), "--profile", str(_profile(tmp_path, "clean", clean_mock))])
    out = capsys.readouterr().out
    assert code == 0, out
    assert _verdicts(out) == dict.fromkeys(failing, "FIXED")
    assert 0 < len(clean_mock.store.messages()) <= MAX_SENDS


def test_replay_against_the_same_fault_says_still_failing(
    fault_run: Path, faulty_mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = _failing_cases(fault_run)
    faulty_mock.store.clear()
    capsys.readouterr()
    code = main(["replay", str(fault_run)])  # the recorded profile: the same faulty target
    out = capsys.readouterr().out
    assert code == 1, out
    assert _verdicts(out) == dict.fromkeys(failing, "STILL FAILING")
    assert "`payload.thread` is missing" in out
    assert 0 < len(faulty_mock.store.messages()) <= MAX_SENDS


def test_replay_of_named_cases_sends_only_those(
    fault_run: Path, faulty_mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    named = _failing_cases(fault_run)[:2]
    faulty_mock.store.clear()
    capsys.readouterr()
    code = main(["replay", str(fault_run), "--case", named[0], "--case", named[1]])
    assert code == 1
    assert list(_verdicts(capsys.readouterr().out)) == named
    assert len(faulty_mock.store.messages()) == 2


def test_replay_stops_sending_when_the_profile_budget_is_spent(
    tmp_path: Path, fault_run: Path, clean_mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = _failing_cases(fault_run)
    assert len(failing) > 3
    capsys.readouterr()
    code = main(["replay", str(fault_run), "--profile", str(_profile(tmp_path, "tiny", clean_mock, 3))])
    verdicts = _verdicts(capsys.readouterr().out)
    assert code == 1, "cases not sent are not proven fixed"
    assert list(verdicts.values()).count("FIXED") == 3
    assert set(list(verdicts.values())[3:]) == {"NOT SENT"}
    assert len(clean_mock.store.messages()) == 3


def test_replay_refuses_unknown_case_ids_and_results_without_options(
    tmp_path: Path, fault_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(fault_run), "--case", "positive-9999"]) == 2
    assert "positive-9999" in capsys.readouterr().err

    data = json.loads(fault_run.read_text(encoding="utf-8"))
    del data["invocation"]
    old = tmp_path / "old-results.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    assert main(["replay", str(old)]) == 2
    err = capsys.readouterr().err
    assert "records no invocation" in err and "Traceback" not in err


def test_replay_refuses_a_non_loopback_target_before_sending(
    tmp_path: Path, fault_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    remote = tmp_path / "remote.yaml"
    remote.write_text(
        "name: remote\nbase_url: https://api.opentact.org\n"
        f"auth: {{method: header, token_env: {TOKEN_ENV}}}\n"
        'senders: ["12017771234"]\nmax_sends: 5\n',
        encoding="utf-8",
    )
    assert main(["replay", str(fault_run), "--profile", str(remote)]) == 2
    assert "--live" in capsys.readouterr().err
