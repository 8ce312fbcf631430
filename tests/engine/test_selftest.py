"""The suite's self-verification: every fault in the mock's catalogue is caught by its named check.

Per fault, the gate run (what ``run`` does: probes and repeats included) proves that the named check
catches the fault at exactly the severity the catalogue declares (its highest one), and that the gate's
verdict and exit code at the default ``--fail-on error`` are the catalogue's derived ones (docs/faults.md
prints both). For a check that applies to traffic, a second run leaves out the variant probes and
repeats, which send requests traffic never has (D38), and proves that the same fault in observed
traffic (tests/observed, the fixed requests of ``observed.wire``) is flagged at no severity that run
does not give it. The two runs differ where a probe downgrades a refusal: ``requires_json_body`` is an
error without the probe that finds the JSON variant, a warning with it (D2).

Each fault is its own test, so every worker of ``pytest -n`` asserts what it ran; the score line
(caught / total) is printed at the end of the session by ``tests/conftest.py`` from these tests' outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from observed.wire import observed_run

from conformance.commands.exit_codes import EXIT_CLEAN, EXIT_DEVIATIONS
from conformance.commands.run import finish
from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.engine.traffic.observed_cases import APPLIES, Applies
from conformance.mock.faults import FAULTS, Fault
from conformance.model.deviations import Deviation, Severity

pytestmark = pytest.mark.slow

GATE_EXIT = {"fail": EXIT_DEVIATIONS, "pass": EXIT_CLEAN}


def named_severities(fault: Fault, deviations: Sequence[Deviation]) -> set[Severity]:
    """The severities the fault's named check gives among ``deviations``; asserts it fired."""
    found = {d.severity for d in deviations if d.check == fault.check}
    assert found, f"{fault.name}: {fault.check} did not fire; fired: {sorted({d.check for d in deviations})}"
    return found


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_fault_is_caught_by_its_named_check(fault: Fault, tmp_path: Path) -> None:
    results = execute(RunOptions(profile=mock_profile(faults=(fault.name,)), seed=3, max_examples=6))
    highest = max(named_severities(fault, results.deviations), key=lambda s: s.rank)
    assert highest is Severity(fault.severity), f"{fault.name}: {fault.check} gave {highest.value} at most"
    gating = sorted({(d.check, d.severity.value) for d in results.gating()})
    assert results.verdict == fault.gate_verdict, f"{fault.name}: gate {results.verdict}, gating {gating}"
    assert finish(results, tmp_path, summary="") == GATE_EXIT[fault.gate_verdict]
    if APPLIES[fault.check] is not Applies.NEVER:
        traffic_like = RunOptions(
            profile=mock_profile(faults=(fault.name,)),
            seed=3,
            max_examples=6,
            probe_variants=False,
            send_repeats=False,
        )
        by_run = named_severities(fault, execute(traffic_like).deviations)
        checker, _ = observed_run(fault.name)
        observed = {d.severity for d in checker.results(partial=False).deviations if d.check == fault.check}
        assert observed <= by_run, f"{fault.name}: traffic {observed}, run {by_run}"


def test_clean_mock_fires_no_check_at_error_severity() -> None:
    results = execute(RunOptions(profile=mock_profile(), seed=3, max_examples=6))
    errors = [d for d in results.deviations if d.severity is Severity.ERROR]
    assert errors == []
