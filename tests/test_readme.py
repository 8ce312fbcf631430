"""The README stays true: its tables list every fault and check, and its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.checks import all_check_names, describe
from conformance.mock.faults import FAULTS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
CI_RUN = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")


def test_every_fault_is_in_the_readme_table_with_its_check() -> None:
    for fault in FAULTS:
        assert f"| `{fault.name}` | {fault.category} | {fault.description} | `{fault.check}` |" in README


def test_every_check_is_in_the_readme_table_with_its_description() -> None:
    for name in all_check_names():  # per-exchange and run-level
        assert f"| `{name}` | {describe(name)} |" in README


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)
    test_command = next(b for b in blocks if "pytest" in b and "pip install" in b)
    assert test_command.strip() in CI_RUN
    assert any("opentact-conformance run" in b for b in blocks)
