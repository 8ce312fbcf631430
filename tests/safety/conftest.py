"""Fixtures for the safety tests: hostile loopback servers, profiles pointing at them, CLI runs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import run_cli

from .servers import LEASED, LenientSmsServer

TOKEN_ENV = "SAFETY_TEST_TOKEN"
TOKEN = "safety-test-token-7c41"


@pytest.fixture
def lenient() -> Iterator[LenientSmsServer]:
    with LenientSmsServer() as server:
        yield server


def write_profile(path: Path, base_url: str, **fields: Any) -> Path:
    """A target profile for a loopback server (the token comes from TOKEN_ENV)."""
    data: dict[str, Any] = {
        "name": path.stem,
        "base_url": base_url,
        "auth": {"method": "header", "token_env": TOKEN_ENV},
        "senders": [LEASED],
        "timeout_s": 10,
        **fields,
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env={TOKEN_ENV: TOKEN}, timeout=timeout)


def results_of(report_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    return data
