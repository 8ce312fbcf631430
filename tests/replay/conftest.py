"""Shared parts of the replay tests: a token in the environment, profiles for real loopback servers,
a failing run to replay, and the verdicts read back from `replay --details`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conformance.commands.cli import main
from conformance.mock.server import MockServer

TOKEN_ENV = "OPENTACT_REPLAY_TOKEN"
TOKEN = "replay-test-token-0b3c77"
MAX_SENDS = 40
# one line per case under --details: verdict, case id
CASE_LINE = re.compile(
    r"^    (FIXED|NOT REPRODUCED|STILL PASSING|STILL INTERMITTENT|STILL FAILING|CHANGED|"
    r"CHECK CRASHED|NOT SENT|NOT EVALUATED)\s+(\S+)",
    re.M,
)


def write_profile(
    folder: Path,
    name: str,
    url: str,
    senders: tuple[str, ...],
    *,
    max_sends: int = MAX_SENDS,
    extra: str = "",
) -> Path:
    path = folder / f"{name}.yaml"
    numbers = ", ".join(f'"{s}"' for s in senders)
    path.write_text(
        f"name: {name}\nbase_url: {url}\nauth: {{method: header, token_env: {TOKEN_ENV}}}\n"
        f"senders: [{numbers}]\nmax_sends: {max_sends}\ntimeout_s: 10\n{extra}",
        encoding="utf-8",
    )
    return path


def mock_profile(folder: Path, name: str, server: MockServer, **kwargs: object) -> Path:
    return write_profile(folder, name, server.url, server.config.senders, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return TOKEN


def failing_cases(results: Path) -> list[str]:
    """Counted from results.json directly: case ids with a deviation at/above the run's threshold."""
    data = json.loads(results.read_text(encoding="utf-8"))
    rank = {"info": 1, "warning": 2, "error": 3}
    threshold = rank[data["run"]["fail_on"]]
    found = [d["case_id"].split("~")[0] for d in data["deviations"] if rank[d["severity"]] >= threshold]
    return list(dict.fromkeys(found))


def verdicts(output: str) -> dict[str, str]:
    """case id -> verdict, from the per-case lines `--details` prints."""
    return {case_id: verdict for verdict, case_id in CASE_LINE.findall(output)}


def run_into(profile: Path, report_dir: Path, *options: str) -> Path:
    """A run of the suite; its results.json."""
    main(["run", "--profile", str(profile), "--report-dir", str(report_dir), "--quiet", *options])
    return report_dir / "results.json"
