"""`pytest conformance/suite` in a process of its own, as a user runs it against a profile."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_suite(
    tmp_path: Path, profile: Path, env: dict[str, str], *extra: str
) -> subprocess.CompletedProcess[str]:
    """One shard (``-n 0``): nothing of this test run's xdist workers or OPENTACT_* variables leaks in."""
    outside_xdist = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPENTACT_"))}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(ROOT / "conformance" / "suite"),
            "-p",
            "no:cacheprovider",
            "-n",
            "0",
            "--profile",
            str(profile),
            "--max-examples",
            "3",
            "--report-dir",
            str(tmp_path / "report"),
            "-q",
            *extra,
        ],
        cwd=ROOT,
        env={**outside_xdist, **env},
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
