"""A loopback target's profile, and the gate run against it as a user runs it: `opentact-conformance run`
or `pytest conformance/suite`, each in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support import run_cli

from .conftest import TOKEN, TOKEN_ENV

ROOT = Path(__file__).resolve().parents[2]


def profile_file(
    tmp_path: Path, url: str, *, name: str = "loopback", senders: str = "'12017771234'", extra: str = ""
) -> Path:
    """A minimal profile of the target at ``url``: no max_sends unless ``extra`` gives it (default 20)."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nbase_url: {url}\nauth:\n  method: header\n  token_env: {TOKEN_ENV}\n"
        f"senders: [{senders}]\n{extra}",
        encoding="utf-8",
    )
    return path


def run_gate(
    tmp_path: Path, profile: Path, *extra: str, command: str = "run", token: str = TOKEN
) -> subprocess.CompletedProcess[str]:
    """`opentact-conformance run --max-examples 3 --quiet`, its report in ``tmp_path/report``; for
    ``command="diff"`` the second profile is in ``extra``."""
    return run_cli(
        command,
        "--profile",
        str(profile),
        "--max-examples",
        "3",
        "--quiet",
        "--report-dir",
        str(tmp_path / "report"),
        *extra,
        cwd=tmp_path,
        env={TOKEN_ENV: token},
        timeout=400,
    )


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
