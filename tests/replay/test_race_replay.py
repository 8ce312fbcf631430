"""Replay re-sends the race burst's cases together (D59): a race seen by the run is not FIXED by
sending its cases one at a time.

A real loopback mock with `shared_state_race` answers a valid send that overlaps another with the
other's values. The run's race burst meets it; replayed against the same mock, the race cases go
out in flight together again and still fail. Against a clean mock the same cases pass, so the
replay's verdict follows the target, not the way the cases were sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.commands.cli import main
from conformance.engine.generation.race import is_race_case
from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer

from .conftest import TOKEN, failing_cases, mock_profile, run_into, verdicts

pytestmark = pytest.mark.slow  # starts the CLI's run and the drawing child

SERIAL = "concurrency: 1\nrace_burst: 4\n"  # overlaps only inside the race burst


@pytest.fixture
def racing_mock() -> Iterator[MockServer]:
    with MockServer(MockConfig(token=TOKEN, faults=frozenset({"shared_state_race"}))) as server:
        yield server


def _race_run(tmp_path: Path, server: MockServer) -> tuple[Path, list[str]]:
    profile = mock_profile(tmp_path, "racing", server, max_sends=1000, extra=SERIAL)
    phases = ("--phase", "examples", "--phase", "race")
    results = run_into(profile, tmp_path / "r", "--max-examples", "1", *phases)
    raced = [case_id for case_id in failing_cases(results) if is_race_case(case_id)]
    assert raced, "the run's race burst must have met the shared state"
    return results, raced


def _cases(ids: list[str]) -> list[str]:
    return [option for case_id in ids for option in ("--case", case_id)]


def test_a_race_replayed_against_the_same_target_is_still_failing(
    tmp_path: Path, token: str, racing_mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    results, raced = _race_run(tmp_path, racing_mock)
    profile = mock_profile(tmp_path, "racing-again", racing_mock, max_sends=1000, extra=SERIAL)
    capsys.readouterr()
    code = main(["replay", str(results), "--profile", str(profile), "--details", *_cases(raced)])
    out = capsys.readouterr().out
    found = verdicts(out)
    assert code == 1, out
    assert set(found) == set(raced)
    assert "FIXED" not in found.values() and "NOT REPRODUCED" not in found.values(), out


def test_the_same_race_cases_pass_against_a_clean_target(
    tmp_path: Path, token: str, racing_mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    results, raced = _race_run(tmp_path, racing_mock)
    with MockServer(MockConfig(token=TOKEN)) as clean:
        profile = mock_profile(tmp_path, "clean", clean, max_sends=1000, extra=SERIAL)
        capsys.readouterr()
        code = main(["replay", str(results), "--profile", str(profile), "--details", *_cases(raced)])
        sent = len(clean.store.messages())
    out = capsys.readouterr().out
    assert code == 0, out
    assert set(verdicts(out).values()) == {"FIXED"}, out
    assert sent == 3 * len(raced)  # each race case, every attempt, sent once
