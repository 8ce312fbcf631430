"""The clean mock is the reference: no error-severity deviation under any seed."""

from __future__ import annotations

import pytest

from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.model.deviations import Severity


@pytest.mark.parametrize("seed", [0, 1, 7, 42, 2026])
def test_clean_mock_has_no_error_deviations(seed: int) -> None:
    results = execute(RunOptions(profile=mock_profile(), seed=seed, max_examples=25))
    errors = [
        f"{d.check}: {d.title} {d.path} {d.detail}"
        for d in results.deviations
        if d.severity is Severity.ERROR
    ]
    assert errors == []
    assert results.crashes == ()
    share = results.stats["positive_2xx_share"]
    print(f"seed {seed}: {results.stats['sent']} requests, valid sends reaching 2xx: {share:.1%}")
    assert share > 0.9


def test_clean_mock_warnings_are_only_documented_ambiguities() -> None:
    """Warnings on the clean mock would mean the reference itself departs from a decision."""
    results = execute(RunOptions(profile=mock_profile(), seed=11, max_examples=10))
    assert [d for d in results.deviations if d.severity is Severity.WARNING] == []
