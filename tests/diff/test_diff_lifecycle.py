"""diff follows each side's accepted sends (D68) and compares the life cycles: times to each state side by
side, one warning when the two targets' messages end differently."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.commands.diff import DiffOptions, execute_diff
from conformance.engine.profiles import load_profile
from conformance.engine.run.differential import LIFECYCLE_TITLE, compare_lifecycles
from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer
from conformance.model.deviations import Severity

TOKEN = "diff-lifecycle-token-41c7"
SIDES = ("a", "b")


def summary(found: int, followed: int = 12, **terminal: int) -> dict[str, object]:
    return {
        "evaluated": True,
        "followed": followed,
        "found": found,
        "terminal": terminal or {"success": found},
    }


def test_equal_endings_give_nothing_and_a_side_that_loses_messages_a_warning() -> None:
    assert compare_lifecycles(summary(12), summary(12), sides=SIDES) == []
    [found] = compare_lifecycles(summary(12), summary(10, success=10, not_found=2), sides=SIDES)
    assert (found.title, found.severity, found.phase) == (LIFECYCLE_TITLE, Severity.WARNING, "lifecycle")
    assert "b: 10 of 12 found" in found.detail


def test_a_side_whose_lookup_route_is_missing_is_not_compared() -> None:
    missing = {**summary(0, not_found=12), "evaluated": False}
    assert compare_lifecycles(summary(12), missing, sides=SIDES) == []


@pytest.mark.slow  # the generated phase draws its cases in a child process
def test_diff_shows_both_life_cycles_and_warns_when_one_target_drops_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENTACT_DIFF_TOKEN", TOKEN)
    with (
        MockServer(MockConfig(token=TOKEN, seed=1)) as clean,
        MockServer(MockConfig(token=TOKEN, seed=2, faults=frozenset({"silent_drop"}))) as dropping,
    ):
        profiles = []
        for name, server in (("clean", clean), ("dropping", dropping)):
            path = tmp_path / f"{name}.yaml"
            path.write_text(
                f"name: {name}\nbase_url: {server.url}\n"
                "auth: {method: header, token_env: OPENTACT_DIFF_TOKEN}\n"
                "senders: ['12017771234', '12013046585']\nmax_sends: 500\nlifecycle: {deadline_s: 0.5}\n"
            )
            profiles.append(load_profile(str(path)))
        results = execute_diff(DiffOptions(a=profiles[0], b=profiles[1], max_examples=3))
    lives = results.stats["lifecycle"]
    assert lives["clean"]["found"] == lives["clean"]["followed"] > lives["dropping"]["found"] == 10
    assert lives["clean"]["median_s"]["delivered"] is not None
    assert [d.title for d in results.deviations if d.phase == "lifecycle"] == [LIFECYCLE_TITLE]
