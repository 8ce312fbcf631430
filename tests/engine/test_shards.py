"""Scale-out: shards merged give the same deviation keys as one unsharded run with the same seed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.engine.phases import RACE_PHASE
from conformance.engine.profiles import mock_profile
from conformance.engine.run.progress import ProgressTick
from conformance.engine.run.runner import RunOptions, execute, shard_budget
from conformance.model.results import RunResults
from reports.merge import merge_results

from .test_cli import cli

FAULTS = ("to_as_string", "validation_without_fields", "echo_non_ascii_mangled", "unleased_sender_500")
MOCK_WITH_FAULTS = "mock:" + ",".join(FAULTS)


def planned_sent(results: dict[str, object]) -> dict[str, int]:
    """Requests sent per generated phase (the `variants` probes depend on each shard's first refusal,
    the `repeats` on each shard's own answers: every shard repeats its own; the `lifecycle` reads on
    each shard's own messages, how often each is read on when it settles, and every shard sends its own
    two guard probes: the life cycle is compared by its rule below)."""
    others = ("variants", "repeats", "lifecycle")
    return {p["name"]: p["sent"] for p in results["phases"] if p["name"] not in others}  # type: ignore[attr-defined]


@pytest.mark.slow
def test_two_shards_merged_equal_one_unsharded_run() -> None:
    sent: dict[tuple[int, int] | None, set[str]] = {}

    def run(shard: tuple[int, int] | None) -> RunResults:
        ids = sent.setdefault(shard, set())

        def progress(tick: ProgressTick) -> None:  # the planned cases the shard sent
            assert tick.case is not None
            ids.add(tick.case.id)

        options = RunOptions(
            profile=mock_profile(faults=FAULTS), seed=9, max_examples=8, shard=shard, progress=progress
        )
        return execute(options)

    whole = run(None)
    shards = ((1, 2), (2, 2))
    parts = [run(shard) for shard in shards]
    merged = merge_results(parts)
    assert {d.key for d in merged.deviations} == {d.key for d in whole.deviations} != set()
    assert len(merged.deviations) == len(whole.deviations)
    # each shard probes documented variants for its own first refusal, so compare the planned phases
    assert planned_sent(merged.to_dict()) == planned_sent(whole.to_dict())
    # the life cycle (D68): a shard follows only the messages it sent (the race burst's on the first
    # shard), within its share of the plan's messages and reads; the shares add up to one run's plan
    plan = mock_profile().follow_plan()
    assert plan is not None
    for shard, part in zip(shards, parts, strict=True):
        followed = part.stats["lifecycle"]
        for timeline in followed["timelines"]:
            case_id = timeline["case_id"].split("~")[0]  # a repeat follows its own message, of its case
            assert case_id in sent[shard] or (shard[0] == 1 and case_id.startswith(f"{RACE_PHASE}-"))
        assert followed["followed"] == len(followed["timelines"]) == shard_budget(plan.max_messages, shard)
        assert followed["read_budget"] == shard_budget(plan.max_reads, shard)
        assert followed["reads"] == next(p.sent for p in part.phases if p.name == "lifecycle")
        assert followed["reads"] <= followed["read_budget"]
    together, alone = merged.stats["lifecycle"], whole.stats["lifecycle"]
    assert together["followed"] == alone["followed"] == plan.max_messages
    assert together["found"] == alone["found"] == plan.max_messages
    assert together["read_budget"] == alone["read_budget"] == plan.max_reads


def test_shard_budgets_add_up_to_the_profile_budget() -> None:
    for budget in (0, 1, 7, 20):
        for count in (1, 2, 3, 5):
            assert sum(shard_budget(budget, (i, count)) for i in range(1, count + 1)) == budget


@pytest.mark.slow
def test_cli_shards_merged_with_report_merge_equal_the_unsharded_cli_run(tmp_path: Path) -> None:
    common = ("--profile", MOCK_WITH_FAULTS, "--seed", "9", "--max-examples", "6")
    cli("run", *common, "--report-dir", "whole", cwd=tmp_path)
    cli("run", *common, "--shard", "1/2", "--report-dir", "s1", cwd=tmp_path)
    cli("run", *common, "--shard", "2/2", "--report-dir", "s2", cwd=tmp_path)
    done = cli("report", "--merge", "s1/results.json", "s2/results.json", "--out", "merged", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    whole = json.loads((tmp_path / "whole" / "results.json").read_text())
    merged = json.loads((tmp_path / "merged" / "results.json").read_text())
    assert {d["key"] for d in merged["deviations"]} == {d["key"] for d in whole["deviations"]} != set()
    assert merged["counts"] == whole["counts"]
    assert (tmp_path / "merged" / "report.html").is_file()


@pytest.mark.slow
def test_the_pytest_suite_under_xdist_writes_one_merged_results_file(tmp_path: Path) -> None:
    suite = Path(__file__).resolve().parents[2] / "conformance" / "suite"

    def pytest_run(*extra: str) -> dict[str, object]:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(suite),
                "-q",
                "-p",
                "no:cacheprovider",
                "--profile",
                MOCK_WITH_FAULTS,
                "--seed",
                "9",
                "--max-examples",
                "6",
                *extra,
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 1, done.stdout[-3000:]  # the faults fail their phases
        assert "Traceback" not in done.stderr
        report_dir = extra[extra.index("--report-dir") + 1]
        return json.loads((tmp_path / report_dir / "results.json").read_text())  # type: ignore[no-any-return]

    single = pytest_run("--report-dir", "single")
    parallel = pytest_run("-n", "2", "--report-dir", "parallel")
    assert planned_sent(parallel) == planned_sent(single)
    keys = [{d["key"] for d in r["deviations"]} for r in (single, parallel)]  # type: ignore[attr-defined]
    assert keys[0] == keys[1] != set()
    assert not (tmp_path / "parallel" / ".shards").exists()
