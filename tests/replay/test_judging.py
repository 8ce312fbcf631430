"""How replay judges (D52): an intermittent failure is never FIXED, and a crashing check is no pass.

A real loopback mock with `intermittent_500` on answers every 7th valid send with a 500: the run
labels those refusals intermittent (its control re-send got through, D24). Replayed against the
same mock, some attempts fail again (STILL INTERMITTENT) and the rest pass (NOT REPRODUCED), never
FIXED; replayed against a mock fixed for good, every case passes every attempt and still reads NOT
REPRODUCED (exit 0). A check registered through the check registry that raises makes every case
CHECK CRASHED (exit 1), where the same replay without it says FIXED (test_replay.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.checks.base import CHECKS, CheckContext, register
from conformance.commands.cli import main
from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer
from conformance.model.deviations import Deviation
from conformance.model.exchange import Exchange

from .conftest import TOKEN, failing_cases, mock_profile, run_into, verdicts

pytestmark = pytest.mark.slow  # starts the CLI, the embedded mock or the drawing child as processes

CRASHING_CHECK = "replay_test_crashes"
SERIAL = "concurrency: 1\n"  # one request at a time: the mock's every-7th count is the same every run


@pytest.fixture
def intermittent_mock() -> Iterator[MockServer]:
    with MockServer(MockConfig(token=TOKEN, faults=frozenset({"intermittent_500"}))) as server:
        yield server


@pytest.fixture
def intermittent_run(tmp_path: Path, token: str, intermittent_mock: MockServer) -> Path:
    profile = mock_profile(tmp_path, "flaky", intermittent_mock, max_sends=1000, extra=SERIAL)
    results = run_into(profile, tmp_path / "r", "--max-examples", "3")
    data = json.loads(results.read_text(encoding="utf-8"))
    labelled = [d for d in data["deviations"] if "(intermittent:" in d["title"]]
    assert labelled, "the run must have seen the failure come and go (D24's control re-send)"
    return results


def test_an_intermittent_failure_still_there_is_never_fixed(
    tmp_path: Path, intermittent_run: Path, intermittent_mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = failing_cases(intermittent_run)
    profile = mock_profile(tmp_path, "flaky-again", intermittent_mock, max_sends=1000, extra=SERIAL)
    capsys.readouterr()
    code = main(["replay", str(intermittent_run), "--profile", str(profile), "--details"])
    out = capsys.readouterr().out
    found = verdicts(out)
    print(out)
    assert code == 1, out
    assert list(found) == failing
    assert set(found.values()) <= {"STILL INTERMITTENT", "NOT REPRODUCED"}
    assert "STILL INTERMITTENT" in found.values()
    assert "1 of 3 attempts failed" in out


def test_an_intermittent_failure_fixed_for_good_is_not_reproduced_not_fixed(
    tmp_path: Path, intermittent_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = failing_cases(intermittent_run)
    with MockServer(MockConfig(token=TOKEN)) as clean:
        profile = mock_profile(tmp_path, "fixed", clean, max_sends=1000)
        capsys.readouterr()
        code = main(["replay", str(intermittent_run), "--profile", str(profile), "-v"])
        sent = len(clean.store.messages())
    out = capsys.readouterr().out
    assert code == 0, out
    assert verdicts(out) == dict.fromkeys(failing, "NOT REPRODUCED")
    assert "3 of 3 passed, intermittent before" in out
    assert sent == 3 * len(failing)


@pytest.fixture
def crashing_check() -> Iterator[str]:
    """A check that raises on every answer, registered through the registry, removed afterwards."""

    def crashes(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
        raise RuntimeError("this check always crashes")
        yield  # a generator, like every check

    register(CRASHING_CHECK)(crashes)
    try:
        yield CRASHING_CHECK
    finally:
        CHECKS.pop(CRASHING_CHECK)


def test_a_crashing_check_is_its_own_verdict_never_a_pass(
    tmp_path: Path, token: str, crashing_check: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with MockServer(MockConfig(token=TOKEN, faults=frozenset({"missing_thread"}))) as faulty:
        results = run_into(mock_profile(tmp_path, "faulty", faulty), tmp_path / "r", "--max-examples", "2")
    data = json.loads(results.read_text(encoding="utf-8"))
    data["checks"][crashing_check] = "raises on every answer"  # the run's checks, as if it had it
    results.write_text(json.dumps(data), encoding="utf-8")
    failing = failing_cases(results)
    with MockServer(MockConfig(token=TOKEN)) as clean:
        capsys.readouterr()
        code = main(["replay", str(results), "--profile", str(mock_profile(tmp_path, "clean", clean)), "-v"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert verdicts(out) == dict.fromkeys(failing, "CHECK CRASHED")
    assert "this check always crashes" in out and "suite bug" in out
