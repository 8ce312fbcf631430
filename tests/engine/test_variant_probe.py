"""Refusals that a documented request variant rescues are warnings naming it; other refusals stay errors."""

from __future__ import annotations

from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.model.deviations import Severity
from conformance.model.results import RunResults


def run(*faults: str) -> RunResults:
    return execute(RunOptions(profile=mock_profile(faults=faults), seed=8, max_examples=5))


def test_a_target_that_reads_only_lowercase_names_gets_warnings_naming_the_variant() -> None:
    results = run("requires_lowercase_names")
    refused = [d for d in results.deviations if d.check in ("valid_data_rejected", "rejection_status")]
    gating = [d for d in refused if d.severity is not Severity.INFO]
    assert gating and all(d.severity is Severity.WARNING for d in gating)
    assert {d.evidence.variant for d in gating} == {"query-lowercase"}
    assert results.counts()["error"] == 0
    probes = next(p for p in results.phases if p.name == "variants")
    assert probes.sent >= len({d.case_id for d in gating})


def test_a_refusal_no_variant_explains_stays_an_error() -> None:
    for fault in ("reject_long_message", "jwt_query_ignored"):
        results = run(fault)
        refused = [d for d in results.deviations if d.check == "valid_data_rejected"]
        assert refused and all(d.severity is Severity.ERROR for d in refused), fault
        assert all(d.evidence.variant is None for d in refused)


def test_the_clean_mock_needs_no_probe() -> None:
    assert "variants" not in {p.name for p in run().phases}
