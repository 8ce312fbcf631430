"""The suite's self-verification: every fault in the mock's catalogue is caught by its named check."""

from __future__ import annotations

from collections import Counter

import pytest

from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.mock.faults import FAULTS, Fault
from conformance.model.deviations import Severity

CAUGHT: dict[str, bool] = {}


def run_with(*faults: str, seed: int = 3) -> Counter[str]:
    results = execute(RunOptions(profile=mock_profile(faults=faults), seed=seed, max_examples=6))
    return Counter(d.check for d in results.deviations)


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_fault_is_caught_by_its_named_check(fault: Fault) -> None:
    fired = run_with(fault.name)
    CAUGHT[fault.name] = fired[fault.check] > 0
    assert fired[fault.check] > 0, f"{fault.name}: {fault.check} did not fire; fired: {dict(fired)}"


def test_clean_mock_fires_no_check_at_error_severity() -> None:
    results = execute(RunOptions(profile=mock_profile(), seed=3, max_examples=6))
    errors = [d for d in results.deviations if d.severity is Severity.ERROR]
    assert errors == []


def test_selftest_score_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last in this module (pytest keeps file order): prints caught / total."""
    total = len(FAULTS)
    caught = sum(CAUGHT.values())
    with capsys.disabled():
        print(f"\nself-test score: {caught}/{total} faults caught by their named check")
        missed = sorted(name for name, ok in CAUGHT.items() if not ok)
        if missed:
            print("missed: " + ", ".join(missed))
    if len(CAUGHT) == total:  # the whole catalogue ran in this session
        assert caught == total
