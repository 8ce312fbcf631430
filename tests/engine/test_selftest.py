"""The suite's self-verification: every fault in the mock's catalogue is caught by its named check.

One gate run per fault (what ``run`` does: probes and repeats included) proves that the named check
catches the fault at exactly the severity the catalogue declares (its highest one), and that the gate's
verdict and exit code at the default ``--fail-on error`` are the catalogue's derived ones (docs/faults.md
prints both). For a check that applies to traffic, the same run also proves that the fault in observed
traffic (tests/observed, the fixed requests of ``observed.wire``) is flagged at no severity the run gives
it *without* its variant probes and repeats, which send requests traffic never has (D38): those are the
deviations of the run's generated phases as the checks judged them, before the variants phase re-judged
any refusal (a recording wrapper around the runner's real ``downgrade_rescued`` keeps them), and, for a
run-level check, its findings outside the repeats phase. The two readings differ where a probe
downgrades a refusal: ``requires_json_body`` is an error without the probe that finds the JSON variant,
a warning with it (D2).

Each fault is its own test, so every worker of ``pytest -n`` asserts what it ran; the score line
(caught / total) is printed at the end of the session by ``tests/conftest.py`` from these tests' outcomes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from observed.wire import observed_run

from conformance.checks import RUN_CHECKS
from conformance.commands.exit_codes import EXIT_CLEAN, EXIT_DEVIATIONS
from conformance.commands.run import finish
from conformance.engine.phases import REPEAT_PHASE
from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.engine.run.variant_probe import downgrade_rescued
from conformance.engine.traffic.observed_cases import APPLIES, Applies
from conformance.mock.faults import FAULTS, Fault
from conformance.model.deviations import Deviation, Severity
from conformance.model.results import RunResults

pytestmark = pytest.mark.slow

GATE_EXIT = {"fail": EXIT_DEVIATIONS, "pass": EXIT_CLEAN}


def named_severities(fault: Fault, deviations: Iterable[Deviation]) -> set[Severity]:
    """The severities the fault's named check gives among ``deviations``; asserts it fired."""
    deviations = list(deviations)
    found = {d.severity for d in deviations if d.check == fault.check}
    assert found, f"{fault.name}: {fault.check} did not fire; fired: {sorted({d.check for d in deviations})}"
    return found


def gate_run(fault: Fault, monkeypatch: pytest.MonkeyPatch) -> tuple[RunResults, list[Deviation]]:
    """The default gate with only ``fault`` on, and the deviations its generated phases found before the
    variants phase re-judged them (what the checks say without probes)."""
    judged: list[Sequence[Deviation]] = []

    def recording(deviations: Sequence[Deviation], *args: Any, **kwargs: Any) -> list[Deviation]:
        judged.append(tuple(deviations))
        return downgrade_rescued(deviations, *args, **kwargs)

    monkeypatch.setattr("conformance.engine.run.runner.downgrade_rescued", recording)
    results = execute(RunOptions(profile=mock_profile(faults=(fault.name,)), seed=3, max_examples=6))
    assert len(judged) == 1, f"{fault.name}: the variants phase ran {len(judged)} times"
    return results, list(judged[0])


def without_probes_or_repeats(
    fault: Fault, results: RunResults, before_probes: list[Deviation]
) -> set[Severity]:
    """The named check's severities as a run without variant probes and repeats gives them."""
    if fault.check in RUN_CHECKS:
        return named_severities(fault, (d for d in results.deviations if d.phase != REPEAT_PHASE))
    return named_severities(fault, before_probes)


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_fault_is_caught_by_its_named_check(
    fault: Fault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, before_probes = gate_run(fault, monkeypatch)
    highest = max(named_severities(fault, results.deviations), key=lambda s: s.rank)
    assert highest is Severity(fault.severity), f"{fault.name}: {fault.check} gave {highest.value} at most"
    gating = sorted({(d.check, d.severity.value) for d in results.gating()})
    assert results.verdict == fault.gate_verdict, f"{fault.name}: gate {results.verdict}, gating {gating}"
    assert finish(results, tmp_path, summary="") == GATE_EXIT[fault.gate_verdict]
    if APPLIES[fault.check] is not Applies.NEVER:
        by_run = without_probes_or_repeats(fault, results, before_probes)
        checker, _ = observed_run(fault.name)
        observed = {d.severity for d in checker.results(partial=False).deviations if d.check == fault.check}
        assert observed <= by_run, f"{fault.name}: traffic {observed}, run {by_run}"


def test_clean_mock_fires_no_check_at_error_severity() -> None:
    results = execute(RunOptions(profile=mock_profile(), seed=3, max_examples=6))
    errors = [d for d in results.deviations if d.severity is Severity.ERROR]
    assert errors == []
