"""The package's layers hold as a contract (import-linter), and the contract bites on a wrong import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("conformance", "reports", "strategies")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint)] if lint.exists() else ["lint-imports"]
    return subprocess.run(
        [*command, "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _copy_tree(destination: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, destination / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", destination / "pyproject.toml")


def test_the_layer_contract_holds_on_this_tree() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "broken"),
    [
        (
            "conformance/checks/status.py",
            "from conformance.engine.run import runner",
            "conformance.checks is not allowed to import conformance.engine",
        ),
        (
            "conformance/model/cases.py",
            "from conformance.contract import classify",
            "conformance.model is not allowed to import conformance.contract",
        ),
        (
            "conformance/engine/sending/client.py",
            "from conformance.commands import exit_codes",
            "conformance.engine is not allowed to import conformance.commands",
        ),
        (
            "reports/junit.py",
            "from conformance.engine import profiles",
            "reports is not allowed to import conformance.engine",
        ),
    ],
)
def test_the_layer_contract_fails_on_a_wrong_import(
    tmp_path: Path, module: str, wrong_import: str, broken: str
) -> None:
    _copy_tree(tmp_path)
    target = tmp_path / module
    text = target.read_text(encoding="utf-8")
    marker = "from __future__ import annotations\n"
    assert marker in text
    target.write_text(text.replace(marker, f"{marker}\n{wrong_import}  # deliberately wrong\n", 1))
    result = _lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert broken in result.stdout
    assert module.replace("/", ".").removesuffix(".py") in result.stdout


def test_old_module_paths_import_the_moved_modules_with_a_warning() -> None:
    import conformance.model.results as moved

    sys.modules.pop("conformance.results", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import conformance.results as old
    assert old is moved
    assert any("conformance.model.results" in str(w.message) for w in caught)
