"""The send budget holds on every route, counted by the server: CLI, --shard, pytest -n 3, diff.

The lenient server counts every request that names the leased sender in any value (any query
name, any JSON body member, read as leniently as int()/parseInt would). That count must never
exceed max_sends, and results.json must report exactly that count as sends_used.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TOKEN, TOKEN_ENV, cli, results_of, write_profile
from .servers import LenientSmsServer

pytestmark = pytest.mark.slow

SUITE = Path(__file__).resolve().parents[2] / "conformance" / "suite"


def test_cli_run_sends_at_most_max_sends_and_reports_what_the_server_counted(
    tmp_path: Path, lenient: LenientSmsServer
) -> None:
    profile = write_profile(tmp_path / "p.yaml", lenient.url, max_sends=7)
    done = cli("run", "--profile", str(profile), "--max-examples", "4", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    stats = results_of(tmp_path / "out")["stats"]
    counted = lenient.traffic.naming_leased
    print(
        f"CLI: server counted {counted} requests naming the leased sender, max_sends 7, "
        f"results.json sends_used {stats['sends_used']}, {lenient.traffic.requests} requests in all"
    )
    assert 0 < counted <= 7
    assert stats["sends_used"] == counted
    assert stats["skipped_budget"] > 0  # the budget, not a lack of cases, stopped the sends


def test_cli_shards_together_stay_within_max_sends(tmp_path: Path, lenient: LenientSmsServer) -> None:
    profile = write_profile(tmp_path / "p.yaml", lenient.url, max_sends=5)
    used = []
    for shard in ("1/2", "2/2"):
        before = lenient.traffic.naming_leased
        out = f"s{shard[0]}"
        done = cli(
            "run",
            "--profile",
            str(profile),
            "--max-examples",
            "4",
            "--shard",
            shard,
            "--report-dir",
            out,
            cwd=tmp_path,
        )
        assert done.returncode in (0, 1), done.stderr
        counted = lenient.traffic.naming_leased - before
        assert results_of(tmp_path / out)["stats"]["sends_used"] == counted
        used.append(counted)
    print(f"--shard: server counted {used} (sum {sum(used)}), max_sends 5")
    assert used == [3, 2]  # shard i gets its share of the budget, all of it spent on this lenient target


def _pytest_suite(tmp_path: Path, profile: Path, workers: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENTACT_", "PYTEST_"))}
    env[TOKEN_ENV] = TOKEN
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(SUITE),
            "-p",
            "no:cacheprovider",
            "-q",
            "-n",
            str(workers),
            "--profile",
            str(profile),
            "--max-examples",
            "3",
            "--report-dir",
            str(tmp_path / "out"),
            "--rootdir",
            str(SUITE),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )


def test_pytest_suite_under_xdist_stays_within_max_sends(tmp_path: Path, lenient: LenientSmsServer) -> None:
    # three workers share five sends unevenly (2, 2, 1): a tight budget split between more than two shards
    workers, max_sends = 3, 5
    profile = write_profile(tmp_path / "p.yaml", lenient.url, max_sends=max_sends)
    done = _pytest_suite(tmp_path, profile, workers)
    assert "error" not in done.stdout.splitlines()[-1].lower(), done.stdout[-3000:] + done.stderr[-2000:]
    results = results_of(tmp_path / "out")
    counted = lenient.traffic.naming_leased
    print(
        f"pytest -n {workers}: server counted {counted} requests naming the leased sender, "
        f"max_sends {max_sends}, merged sends_used {results['stats']['sends_used']}, "
        f"{results['stats'].get('merged_shards')} shards merged"
    )
    assert 0 < counted <= max_sends
    assert results["stats"]["sends_used"] == counted
    assert results["stats"]["merged_shards"] == workers
    assert not (tmp_path / "out" / ".shards").exists()


def test_diff_keeps_each_side_within_its_own_max_sends(tmp_path: Path) -> None:
    with LenientSmsServer() as side_a, LenientSmsServer() as side_b:
        a = write_profile(tmp_path / "a.yaml", side_a.url, max_sends=6)
        b = write_profile(tmp_path / "b.yaml", side_b.url, max_sends=4)
        done = cli(
            "diff",
            "--profile",
            str(a),
            "--profile",
            str(b),
            "--max-examples",
            "4",
            "--report-dir",
            "out",
            cwd=tmp_path,
        )
        assert done.returncode in (0, 1), done.stderr
        sides = results_of(tmp_path / "out")["stats"]["sides"]
        counted = {"a": side_a.traffic.naming_leased, "b": side_b.traffic.naming_leased}
    print(f"diff: server counts {counted} for max_sends a=6 b=4; results.json sides {sides}")
    assert 0 < counted["a"] <= 6 and 0 < counted["b"] <= 4
    assert sides["a"]["used"] == counted["a"] and sides["b"]["used"] == counted["b"]
