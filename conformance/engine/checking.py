"""What a run needs to check its answers: the checks, the contract and its variants, ready to use.

The runner imports this module on its preload thread (``conformance.engine.preload``) while its first
requests are on the wire, not before it sends: jsonschema, the checks and the variant overlays are a
large part of a run's start-up and nothing needs them until the first answer is back.
"""

from __future__ import annotations

from conformance.checks import (
    REPEAT_CHECKS,
    CheckContext,
    all_check_names,
    describe,
    run_checks,
    run_run_checks,
)
from conformance.contract.schemas import load_contract
from conformance.contract.specfile import Spec
from conformance.contract.variants import load_variants, response_variants
from conformance.model.redaction import Redactor

__all__ = [
    "REPEAT_CHECKS",
    "CheckContext",
    "all_check_names",
    "check_context",
    "describe",
    "load_variants",
    "run_checks",
    "run_run_checks",
    "warm_redaction",
]


def check_context(
    spec: Spec, *, seed: int, latency_budget_ms: float | None, secrets: tuple[str, ...]
) -> CheckContext:
    """The context every check of the run receives; the response validators compiled already."""
    contract = load_contract(spec)
    for status, _name, example in contract.examples():  # builds each validator, resolves its $refs
        for _problem in contract.validate(status, example):
            pass
    return CheckContext(
        contract=contract,
        variants=response_variants(spec),
        seed=seed,
        latency_budget_ms=latency_budget_ms,
        secrets=secrets,
    )


def warm_redaction(secrets: tuple[str, ...]) -> None:
    """Compile each secret's redaction pattern now (once per process), not when the first one is needed."""
    Redactor(secrets)
