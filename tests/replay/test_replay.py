"""`replay`: a fault run's failing cases re-sent to real loopback mocks, within the profile's budget.

A run against a mock with `missing_thread` on fails on every case that sends; its cases replayed
against a clean mock are all FIXED (exit 0: they failed every time before, and pass every attempt
now), against the same fault all STILL FAILING (exit 1); the console names one line per distinct
problem (not one per case) unless `--details` is given; every mock's message store holds no more
sends than the profile's `max_sends`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.commands.cli import main
from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer

from .conftest import MAX_SENDS, TOKEN, failing_cases, mock_profile, run_into, verdicts

pytestmark = pytest.mark.slow  # starts the CLI, the embedded mock or the drawing child as processes


@pytest.fixture
def faulty_mock() -> Iterator[MockServer]:
    with MockServer(MockConfig(token=TOKEN, faults=frozenset({"missing_thread"}))) as server:
        yield server


@pytest.fixture
def clean_mock() -> Iterator[MockServer]:
    with MockServer(MockConfig(token=TOKEN)) as server:
        yield server


@pytest.fixture
def faulty_profile(tmp_path: Path, faulty_mock: MockServer) -> Path:
    return mock_profile(tmp_path, "faulty", faulty_mock)


@pytest.fixture
def fault_run(tmp_path: Path, token: str, faulty_profile: Path, faulty_mock: MockServer) -> Path:
    """results.json of a failing run against the faulty mock (the run itself stays within budget)."""
    results = run_into(faulty_profile, tmp_path / "r", "--max-examples", "3")
    assert failing_cases(results), "the fault run must have failing cases to replay"
    assert len(faulty_mock.store.messages()) <= MAX_SENDS
    return results


def test_replay_against_a_clean_target_says_every_case_is_fixed(
    tmp_path: Path, fault_run: Path, clean_mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = failing_cases(fault_run)
    capsys.readouterr()
    clean = mock_profile(tmp_path, "clean", clean_mock, max_sends=1000)
    code = main(["replay", str(fault_run), "--profile", str(clean), "--details"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert verdicts(out) == dict.fromkeys(failing, "FIXED")
    assert "3 of 3 passed" in out
    assert len(clean_mock.store.messages()) == 3 * len(failing)  # every case, three attempts


def test_replay_against_the_same_fault_says_still_failing_in_one_line_per_problem(
    fault_run: Path, faulty_profile: Path, faulty_mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = failing_cases(fault_run)
    faulty_mock.store.clear()
    capsys.readouterr()
    code = main(["replay", str(fault_run), "--profile", str(faulty_profile), "--attempts", "1"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert not verdicts(out), "no per-case lines without --details"
    problem_lines = [line for line in out.splitlines() if " case(s): " in line]
    assert len(problem_lines) == 1 and "`payload.thread` is missing" in problem_lines[0]
    assert f"{len(failing)} case(s): {len(failing)} STILL FAILING" in problem_lines[0]
    assert 0 < len(faulty_mock.store.messages()) <= MAX_SENDS


def test_replay_of_named_cases_sends_only_those(
    fault_run: Path, faulty_profile: Path, faulty_mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    named = failing_cases(fault_run)[:2]
    faulty_mock.store.clear()
    capsys.readouterr()
    code = main(
        [
            "replay",
            str(fault_run),
            "--profile",
            str(faulty_profile),
            "--case",
            named[0],
            "--case",
            named[1],
            "-v",
        ]
    )
    assert code == 1
    assert verdicts(capsys.readouterr().out) == dict.fromkeys(named, "STILL FAILING")
    assert len(faulty_mock.store.messages()) == 2 * 3  # two cases, three attempts each


def test_replay_stops_sending_when_the_profile_budget_is_spent(
    tmp_path: Path, fault_run: Path, clean_mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = failing_cases(fault_run)
    assert len(failing) > 3
    capsys.readouterr()
    tiny = mock_profile(tmp_path, "tiny", clean_mock, max_sends=3)
    code = main(["replay", str(fault_run), "--profile", str(tiny), "--attempts", "1", "--details"])
    found = list(verdicts(capsys.readouterr().out).values())
    assert code == 1, "cases not sent are not proven fixed"
    assert found[:3] == ["FIXED"] * 3
    assert set(found[3:]) == {"NOT SENT"}
    assert len(clean_mock.store.messages()) == 3


def test_a_budget_for_fewer_attempts_than_asked_proves_nothing(
    tmp_path: Path, fault_run: Path, clean_mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rounds: every case once before any case twice; a case that passed 1 of 3 planned is not FIXED."""
    failing = failing_cases(fault_run)
    capsys.readouterr()
    budget = len(failing) + 1  # one round and one more send
    short = mock_profile(tmp_path, "short", clean_mock, max_sends=budget)
    code = main(["replay", str(fault_run), "--profile", str(short), "--details"])
    out = capsys.readouterr().out
    assert code == 1
    assert set(verdicts(out).values()) == {"NOT SENT"}
    assert "only 1 of 3 attempts judged, all passed" in out and "only 2 of 3 attempts judged" in out
    assert len(clean_mock.store.messages()) == budget


def test_replay_refuses_unknown_case_ids_and_results_without_options(
    tmp_path: Path, fault_run: Path, faulty_profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(fault_run), "--profile", str(faulty_profile), "--case", "positive-9999"]) == 2
    assert "positive-9999" in capsys.readouterr().err

    data = json.loads(fault_run.read_text(encoding="utf-8"))
    del data["invocation"]
    old = tmp_path / "old-results.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    assert main(["replay", str(old), "--profile", str(faulty_profile)]) == 2
    err = capsys.readouterr().err
    assert "records no invocation" in err and "Traceback" not in err


def test_replay_refuses_a_non_loopback_target_before_sending(
    tmp_path: Path, fault_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    remote = tmp_path / "remote.yaml"
    remote.write_text(
        "name: remote\nbase_url: https://api.opentact.org\n"
        "auth: {method: header, token_env: OPENTACT_REPLAY_TOKEN}\n"
        'senders: ["12017771234"]\nmax_sends: 5\n',
        encoding="utf-8",
    )
    assert main(["replay", str(fault_run), "--profile", str(remote)]) == 2
    assert "--live" in capsys.readouterr().err


def test_attempts_out_of_range_is_a_usage_error(fault_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("0", "21"):
        assert main(["replay", str(fault_run), "--profile", "mock", "--attempts", bad]) == 2
        assert "--attempts" in capsys.readouterr().err
