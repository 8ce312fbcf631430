"""Run-level checks in real runs against the mock under uvicorn: faults caught on every seed, the clean
mock silent, --check and the registry, crashes recorded, repeats budget-counted, shards."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from support import listed_checks, run_cli

from conformance.checks import CHECKS, LIFECYCLE_CHECKS, RUN_CHECKS, all_check_names
from conformance.checks.base import register_run_check
from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.mock.faults import FAULTS
from conformance.model.deviations import Deviation
from conformance.model.exchange import Exchange
from conformance.model.results import RunResults

from .builders import CTX

SEEDS = (1, 2, 3, 4, 5)
RUN_LEVEL_FAULTS = [f for f in FAULTS if f.check in RUN_CHECKS or f.check == "field_value_echo"]
MINE = {*RUN_CHECKS, "field_value_echo"}


def run(*faults: str, seed: int = 3, max_examples: int = 2, **options: object) -> RunResults:
    profile = mock_profile(faults=faults, max_sends=int(options.pop("max_sends", 100_000)))  # type: ignore[call-overload]
    return execute(RunOptions(profile=profile, seed=seed, max_examples=max_examples, **options))  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fault", RUN_LEVEL_FAULTS, ids=lambda f: f.name)
def test_each_run_level_fault_is_caught_by_its_check_on_every_seed(fault: object, seed: int) -> None:
    name, check = fault.name, fault.check  # type: ignore[attr-defined]
    results = run(name, seed=seed)
    fired = Counter(d.check for d in results.deviations)
    assert fired[check] > 0, f"{name} seed {seed}: {check} silent; fired {dict(fired)}"
    assert results.crashes == ()


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_clean_mock_gives_the_run_level_checks_nothing_at_any_severity(seed: int) -> None:
    results = run(seed=seed)
    assert [d for d in results.deviations if d.check in MINE] == []
    assert results.crashes == ()
    assert results.stats["repeats_sent"] >= 4  # one of each documented outcome was sent again


@pytest.mark.slow
def test_check_selects_run_level_checks_by_id_and_repeats_only_go_out_for_checks_that_need_them() -> None:
    only = run("uuid_from_content", checks=("uuid_unique",))
    assert {d.check for d in only.deviations} == {"uuid_unique"}
    assert only.checks == {"uuid_unique": only.checks["uuid_unique"]}
    assert only.stats["repeats_sent"] > 0
    per_exchange = run("uuid_from_content", checks=("response_schema", "lease_live"))
    assert per_exchange.stats["repeats_sent"] == 0
    assert {d.check for d in per_exchange.deviations} <= {"response_schema", "lease_live"}


@pytest.mark.slow
def test_list_checks_names_the_run_level_checks(tmp_path: Path) -> None:
    """Every check a run accepts (``--check ID``) is listed, each under its kind: per exchange first,
    then the run-level and the life-cycle sections, each opened by a heading line."""
    done = run_cli("run", "--list-checks", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    sections = listed_checks(done.stdout)
    assert sections == {"": set(CHECKS), "run-level": set(RUN_CHECKS), "life-cycle": set(LIFECYCLE_CHECKS)}
    assert set().union(*sections.values()) == set(all_check_names())


@pytest.fixture
def crashing_check() -> Iterator[str]:
    @register_run_check("crashes_on_purpose")
    def crashes_on_purpose(ctx: object, exchanges: Sequence[Exchange]) -> Iterator[Deviation]:
        """A run-level check with a bug."""
        raise RuntimeError(f"bug after {len(exchanges)} exchanges")
        yield  # pragma: no cover

    try:
        yield "crashes_on_purpose"
    finally:
        del RUN_CHECKS["crashes_on_purpose"]


@pytest.mark.slow
def test_a_crashing_run_level_check_is_recorded_as_a_suite_crash_and_the_run_goes_on(
    crashing_check: str,
) -> None:
    results = run("lease_deleted", checks=(crashing_check, "lease_live"))
    assert [(c.check, c.case_id) for c in results.crashes] == [(crashing_check, "(run)")]
    assert "RuntimeError: bug after" in results.crashes[0].error
    assert {d.check for d in results.deviations} == {"lease_live"}
    assert not results.partial


def test_a_name_is_registered_once_across_both_registries() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        register_run_check("response_schema")(lambda ctx, exchanges: iter(()))
    assert "response_schema" not in RUN_CHECKS and CTX is not None


@pytest.mark.slow
def test_repeats_count_against_the_send_budget() -> None:
    planned = run(checks=("lease_live",))  # no repeat-using check: only the planned cases
    needed = planned.stats["sends_used"]
    squeezed = run(max_sends=needed)
    assert squeezed.stats["sends_used"] == needed == squeezed.stats["send_budget"]
    repeats = next(p for p in squeezed.phases if p.name == "repeats")
    assert repeats.skipped > 0  # the repeats that could send found the budget spent


@pytest.mark.slow
def test_each_shard_sends_its_own_repeats_and_finds_repeated_uuids() -> None:
    shards = [run("uuid_from_content", seed=2, shard=(index, 2)) for index in (1, 2)]
    for shard in shards:
        assert shard.stats["repeats_sent"] > 0
        assert any(d.check == "uuid_unique" for d in shard.deviations)


@pytest.mark.slow
def test_the_pytest_route_fails_the_phase_of_a_run_level_finding(tmp_path: Path) -> None:
    suite = Path(__file__).resolve().parents[2] / "conformance" / "suite"
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
            "mock:uuid_from_content",
            "--seed",
            "2",
            "--max-examples",
            "2",
            "--report-dir",
            "out",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1, done.stdout[-3000:]
    assert "[error] uuid_unique: Two sends got the same payload.uuid" in done.stdout
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert {d["check"] for d in results["deviations"]} == {"uuid_unique"}
    assert results["crashes"] == []
