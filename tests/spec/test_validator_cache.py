"""Each jsonschema validator is compiled once per (document, schema pointer) in a process (D44).

Proven by counting compilations: over a whole run in this process, then a second run of the same
spec, which must compile nothing more; and against the fault (a contract of another document),
which must compile its own.
"""

from __future__ import annotations

from pathlib import Path

from conformance.commands.cli import main
from conformance.contract.schemas import Contract, compilations, load_contract
from conformance.contract.specfile import Spec
from conformance.contract.variants import response_variants


def _json_schemas(contract: Contract) -> int:
    """How many documented statuses of a contract carry an application/json schema."""
    return sum(
        1
        for status in contract.documented_statuses
        if "schema" in ((contract.response(status) or {}).get("content", {}).get("application/json") or {})
    )


def test_a_run_compiles_each_validator_once_and_a_second_run_none(tmp_path: Path) -> None:
    before = compilations()
    first = main(["run", "--seed", "3", "--max-examples", "2", "--report-dir", str(tmp_path / "a")])
    after_first = compilations()
    second = main(["run", "--seed", "4", "--max-examples", "2", "--report-dir", str(tmp_path / "b")])
    after_second = compilations()
    assert first == second == 0
    ceiling = _json_schemas(load_contract()) + sum(_json_schemas(v.contract) for v in response_variants())
    assert 0 <= after_first - before <= ceiling  # at most one per (document, status), never per case
    assert after_second == after_first  # the second run compiled nothing


def test_a_new_contract_of_the_same_spec_reuses_the_compiled_validators(spec: Spec) -> None:
    body = {"success": True}
    list(Contract(spec).validate(200, body))
    count = compilations()
    for _ in range(3):
        list(Contract(spec).validate(200, body))
    assert compilations() == count


def test_a_contract_of_another_document_compiles_its_own(spec: Spec) -> None:
    document = spec.copy_document()
    count = compilations()
    contract = Contract(spec, document)
    problems = list(contract.validate(200, {"success": True}))
    assert compilations() == count + _json_schemas(contract)  # one per documented JSON schema
    assert problems  # its validator really validates: the bare body lacks the documented members
