"""The suite's self-verification: every fault in the mock's catalogue is caught by its named check.

One gate run per fault proves two things: ``run`` catches the fault with its named check, and the same
fault in observed traffic (tests/observed, the fixed requests of ``observed.wire``) is flagged at no
severity that run does not give it. For a check that applies to traffic, the run leaves out its variant
probes and repeats, which send requests traffic never has (D38); a check that needs them (``NEVER`` in
``APPLIES``) is caught by the whole run, with them.

Each fault is its own test, so every worker of ``pytest -n`` asserts what it ran; the score line
(caught / total) is printed at the end of the session by ``tests/conftest.py`` from these tests' outcomes.
"""

from __future__ import annotations

import pytest
from observed.wire import observed_run

from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.engine.traffic.observed_cases import APPLIES, Applies
from conformance.mock.faults import FAULTS, Fault
from conformance.model.deviations import Severity

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_fault_is_caught_by_its_named_check(fault: Fault) -> None:
    in_traffic = APPLIES[fault.check] is not Applies.NEVER
    options = RunOptions(
        profile=mock_profile(faults=(fault.name,)),
        seed=3,
        max_examples=6,
        probe_variants=not in_traffic,
        send_repeats=not in_traffic,
    )
    deviations = execute(options).deviations
    by_run = {d.severity for d in deviations if d.check == fault.check}
    assert by_run, f"{fault.name}: {fault.check} did not fire; fired: {sorted({d.check for d in deviations})}"
    if in_traffic:
        checker, _ = observed_run(fault.name)
        observed = {d.severity for d in checker.results(partial=False).deviations if d.check == fault.check}
        assert observed <= by_run, f"{fault.name}: traffic {observed}, run {by_run}"


def test_clean_mock_fires_no_check_at_error_severity() -> None:
    results = execute(RunOptions(profile=mock_profile(), seed=3, max_examples=6))
    errors = [d for d in results.deviations if d.severity is Severity.ERROR]
    assert errors == []
