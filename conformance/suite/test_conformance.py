"""One test per phase and shard of the run: it fails with the deviations at/above --fail-on."""

from __future__ import annotations

import pytest

from conformance.engine.generation.cases import PHASES
from conformance.model.results import RunResults


def unsent_reason(results: RunResults, phase: str) -> str:
    """Why some of the phase's planned cases were not sent ("" when all were)."""
    coverage = results.stats.get("coverage") or {}
    counts = coverage.get("phases", {}).get(phase, {})
    if not counts.get("not_sent"):
        return ""
    why = ", ".join(coverage.get("not_sent_why", {})) or "not sent"
    return f"phase {phase}: {counts['not_sent']} of {counts['planned']} cases not sent ({why})"


@pytest.mark.parametrize("phase", PHASES)
def test_phase_conforms_to_the_documented_contract(shard_results: RunResults, phase: str) -> None:
    ran = {p.name: p for p in shard_results.phases}
    if phase not in ran:
        pytest.skip(f"phase {phase} sent nothing in this run (negative-only, filtered or another shard)")
    gating = [d for d in shard_results.gating() if d.phase == phase]
    lines = [
        f"[{d.severity.value}] {d.check}: {d.title} at {d.path}: {d.detail} ({d.case_id})" for d in gating
    ]
    assert not gating, f"{len(gating)} deviation(s) in phase {phase}:\n" + "\n".join(lines[:50])
    unsent = unsent_reason(shard_results, phase)
    if unsent:  # what was not sent was not tested: never a pass (D55)
        pytest.skip(unsent)


def test_no_check_crashed(shard_results: RunResults) -> None:
    crashes = [f"{c.check} on {c.case_id}: {c.error}" for c in shard_results.crashes]
    assert not crashes, "suite bugs:\n" + "\n".join(crashes)


def test_the_run_was_complete(shard_results: RunResults) -> None:
    """A partial run (time budget spent) is incomplete: it must not pass as conforming (D19)."""
    assert not shard_results.partial, f"verdict incomplete: {shard_results.partial_reason}"
