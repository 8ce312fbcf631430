"""D61-D63 end to end: gate runs against the mock (a real loopback server), each new fault on seeds 1-5.

Every fault of a new class is caught by its named check at the severity its decision promises, on
every seed; the clean mock gives those checks nothing; and a lenient but faithful mock (loose number
parsing, long rejected values echoed cut to 40 characters) gets nothing at error.
"""

from __future__ import annotations

import pytest

from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.model.deviations import Deviation, Severity

pytestmark = pytest.mark.slow

SEEDS = (1, 2, 3, 4, 5)
NEW_CHECKS = ("token_exposure", "internal_details", "cors_policy", "shared_cache")
SUCCESSES = ("examples", "positive")
REFUSALS = ("negative", "boundaries")
#: fault -> (its named check, the severity a default gate gives it, the phases that meet it)
FAULTS: dict[str, tuple[str, Severity, tuple[str, ...]]] = {
    "token_in_header": ("token_exposure", Severity.ERROR, ("examples", "auth")),
    "token_in_body_base64": ("token_exposure", Severity.ERROR, SUCCESSES),
    "stack_trace_in_error": ("internal_details", Severity.WARNING, ("negative",)),
    "cors_any_origin_credentials": ("cors_policy", Severity.WARNING, ("examples", "auth")),
    "cache_public_success": ("shared_cache", Severity.WARNING, SUCCESSES),
    "field_value_cut": ("field_value_echo", Severity.INFO, REFUSALS),
}


def run(faults: tuple[str, ...], seed: int, phases: tuple[str, ...]) -> list[Deviation]:
    options = RunOptions(profile=mock_profile(faults=faults), seed=seed, max_examples=2, phases=phases)
    results = execute(options)
    assert results.crashes == ()
    return list(results.deviations)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_new_fault_is_caught_by_its_check_at_its_severity(fault: str, seed: int) -> None:
    check, severity, phases = FAULTS[fault]
    found = run((fault,), seed, phases)
    by_check = {d.severity for d in found if d.check == check}
    assert by_check == {severity}, f"{fault} seed {seed}: {check} gave {by_check}"
    others = {d.check for d in found if d.check in (*NEW_CHECKS, "field_value_echo") and d.check != check}
    assert others == set(), f"{fault} seed {seed}: {others} fired too"


@pytest.mark.parametrize("seed", SEEDS)
def test_the_clean_mock_gives_the_new_checks_nothing(seed: int) -> None:
    found = run((), seed, ("examples", "auth", "negative", "positive", "boundaries"))
    assert [d.title for d in found if d.check in (*NEW_CHECKS, "field_value_echo")] == []


@pytest.mark.parametrize("seed", SEEDS)
def test_a_lenient_faithful_target_gets_nothing_at_error(seed: int) -> None:
    found = run(
        ("lenient_numbers", "field_value_cut"), seed, ("examples", "negative", "positive", "boundaries")
    )
    assert [f"{d.check}: {d.title}" for d in found if d.severity is Severity.ERROR] == []
    assert {d.severity for d in found if d.check == "field_value_echo"} == {Severity.INFO}
