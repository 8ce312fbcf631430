"""From a wheel in a fresh venv outside the checkout: `pytest --pyargs conformance.suite` passes.

Builds the wheel with pip, installs it into a new venv (``--system-site-packages`` to reuse the
installed dependencies; the wheel's own requirements, e.g. phonenumberslite, come from the
package index), and runs the suite from an empty folder with no PYTHONPATH: the plugin must come
from the ``pytest11`` entry point, with no unknown-mark warning.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
OFFLINE_SIGNS = ("NewConnectionError", "Temporary failure in name resolution", "No matching distribution")


def _run(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _require(step: subprocess.CompletedProcess[str], what: str) -> None:
    if step.returncode == 0:
        return
    output = step.stdout + step.stderr
    if any(sign in output for sign in OFFLINE_SIGNS) and os.environ.get("CI", "").lower() != "true":
        pytest.skip(f"{what} needs the package index, which is not reachable here")
    pytest.fail(f"{what} failed ({step.returncode}):\n{output[-3000:]}", pytrace=False)


def test_installed_wheel_runs_the_suite_through_its_entry_point(tmp_path: Path) -> None:
    wheels, venv, outside = tmp_path / "wheels", tmp_path / "venv", tmp_path / "elsewhere"
    outside.mkdir()
    _require(
        _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)], ROOT),
        "pip wheel",
    )
    (wheel,) = wheels.glob("opentact_conformance-*.whl")
    _require(_run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], outside), "venv")
    python = str(venv / "bin" / "python")
    _require(_run([python, "-m", "pip", "install", "-q", str(wheel)], outside), "pip install of the wheel")

    where = _run([python, "-c", "import conformance, phonenumbers; print(conformance.__file__)"], outside)
    assert where.returncode == 0 and str(venv) in where.stdout, where.stdout + where.stderr

    suite = _run(
        [
            python,
            "-m",
            "pytest",
            "--pyargs",
            "conformance.suite",
            "--profile",
            "mock",
            "--max-examples",
            "2",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-W",
            "error::pytest.PytestUnknownMarkWarning",
            "-q",
        ],
        outside,
    )
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-3000:]
    assert " passed" in suite.stdout and "failed" not in suite.stdout and "error" not in suite.stdout
    assert (outside / "conformance-report" / "results.json").is_file()

    module = _run([python, "-m", "conformance", "--help"], outside)
    assert module.returncode == 0 and "exit codes:" in module.stdout
