"""The pytest plugin behind `pytest --pyargs conformance.suite` (and `pytest conformance/suite`).

Installed, it is loaded through the ``pytest11`` entry point ``opentact_conformance``; from a
checkout without that entry point, ``conformance/suite/conftest.py`` registers it. It also
declares the ``xdist_group`` mark, so runs without pytest-xdist raise no unknown-mark warning.

Cases are generated once per shard (hypothesis and schemathesis under the seed; read from the
case cache as ``run`` reads them, unless ``--no-cache``, D43), sent within
the profile's budget and checked; each test then asserts one phase of one shard. Without
pytest-xdist there is one shard. With `-n N` there are N shards, each with its share of
`max_sends`. xdist may hand tests of one shard to several workers whatever the grouping, so each
shard is *claimed* by exactly one process (a file created with O_EXCL under
`--report-dir/.shards/<session>/`): that process sends the shard and writes its results, the
others wait for that file and read it. No shard is ever sent twice, so the sends of all workers
together stay within `max_sends`, and the merged results.json counts what was sent (D17).
A session's folder records its controller (``owner.pid``); folders of killed sessions, whose
processes are all gone, are removed when the next session starts (``shard_dirs``).

Run-level checks run once per shard, over that shard's exchanges (each shard sends its own
repeats); a finding is reported on the earliest exchange involved, so the test of that exchange's
phase fails on it, and a crashing run-level check fails ``test_no_check_crashed``.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from conformance.model.deviations import Severity
from conformance.model.results import RunResults, load_results
from conformance.suite.shard_dirs import recorded_pid_alive, remove_stale, write_owner

PLUGIN_NAME = "opentact_conformance"
PARTS = ".shards"
SESSION_KEY = "opentact_conformance_session"
OWNER_KEY = "opentact_conformance_owner"
CLAIM_POLL_S = 0.2
CLAIM_WAIT_LIMIT_S = 6 * 3600.0  # a claimed shard that never finishes while its owner lives


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("opentact-conformance")
    group.addoption("--profile", default=None, help="target profile YAML or 'mock' (default)")
    group.addoption("--base-url", default=None, help="override the profile's base URL")
    group.addoption("--token-env", default=None, help="environment variable holding the token")
    group.addoption("--sender", action="append", default=[], help="leased sender (repeatable)")
    group.addoption("--seed", type=int, default=0, help="seed of the generated cases (default 0)")
    group.addoption("--max-examples", type=int, default=25, help="generated cases per phase (default 25)")
    group.addoption("--fail-on", default="error", choices=[s.value for s in Severity])
    group.addoption("--live", action="store_true", help="allow a live non-loopback target")
    group.addoption("--negative-only", action="store_true", help="only requests that must be rejected")
    group.addoption("--report-dir", default="conformance-report", help="where results.json goes")
    group.addoption(
        "--no-cache",
        action="store_true",
        help="generate the cases afresh; read and write no case cache (D43)",
    )


def shard_count() -> int:
    return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "xdist_group(name): keep a shard's tests on one pytest-xdist worker (no-op without xdist)"
    )
    # keep a shard's tests together where xdist can; the claims below make it correct regardless
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadgroup"
    if not hasattr(config, "workerinput"):
        config.stash[_SESSION] = uuid.uuid4().hex
        # folders left by killed sessions (every process that used them gone); never a live one's
        remove_stale(_report_dir(config) / PARTS, keep=config.stash[_SESSION])


_SESSION = pytest.StashKey[str]()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: every worker learns this session's id (its shard claims live under it)."""
    node.workerinput[SESSION_KEY] = node.config.stash[_SESSION]
    node.workerinput[OWNER_KEY] = os.getpid()


def _session_dir(config: pytest.Config) -> Path:
    workerinput = getattr(config, "workerinput", None)
    session = workerinput[SESSION_KEY] if workerinput else config.stash[_SESSION]
    return _report_dir(config) / PARTS / session


def _claim(path: Path, owner: int) -> bool:
    """True for the one process that creates the claim file of a shard."""
    write_owner(path.parent, owner)  # before any claim: the folder is never without its owner
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        handle.write(str(os.getpid()))
    return True


def _wait_for(results_path: Path, claim: Path) -> RunResults:
    """The results of a shard another worker claimed, once it has written them."""
    waited = 0.0
    while not results_path.exists():
        if not recorded_pid_alive(claim) or waited > CLAIM_WAIT_LIMIT_S:
            pytest.fail(f"shard claimed in {claim} stopped without writing {results_path.name}")
        time.sleep(CLAIM_POLL_S)
        waited += CLAIM_POLL_S
    return load_results(results_path)


def _report_dir(config: pytest.Config) -> Path:
    return Path(config.getoption("--report-dir"))


@functools.cache
def _run(config: pytest.Config, index: int, count: int) -> RunResults:
    if count == 1:
        return _send_shard(config, index, count)
    parts = _session_dir(config)
    results_path = parts / f"results-{index}-of-{count}.json"
    claim = parts / f"shard-{index}-of-{count}.claim"
    workerinput = getattr(config, "workerinput", None)
    if not _claim(claim, int(workerinput[OWNER_KEY]) if workerinput else os.getpid()):
        return _wait_for(results_path, claim)
    results = _send_shard(config, index, count)
    results.write(results_path)
    return results


def _send_shard(config: pytest.Config, index: int, count: int) -> RunResults:
    """Generate, send and check one shard in this process (the only process that sends it)."""
    from conformance.engine.generation import cache as case_cache
    from conformance.engine.profiles import ProfileError, load_profile
    from conformance.engine.run.runner import PreflightError, RunOptions, SafetyError, execute

    option = config.getoption
    try:
        profile = load_profile(option("--profile")).with_overrides(
            base_url=option("--base-url"), token_env=option("--token-env"), senders=option("--sender")
        )
        options = RunOptions(
            profile=profile,
            seed=option("--seed"),
            max_examples=option("--max-examples"),
            fail_on=Severity.parse(option("--fail-on")),
            allow_live=option("--live"),
            negative_only=option("--negative-only"),
            shard=None if count == 1 else (index, count),
        )
        with case_cache.caching(not option("--no-cache")):  # as `run` does; the shards generate once
            results = execute(options)
    except (ProfileError, SafetyError, PreflightError) as exc:  # a refused token: one paragraph (D56)
        pytest.exit(str(exc), returncode=2)
    results = _with_invocation(config, results, profile, None if count == 1 else (index, count))
    if count == 1:
        from conformance.commands.run import write_artefacts

        write_artefacts(results, _report_dir(config))
    return results


def _with_invocation(
    config: pytest.Config, results: RunResults, profile: Any, shard: tuple[int, int] | None
) -> RunResults:
    """Record the options of the run (as for `opentact-conformance run`) and how to reproduce it."""
    import argparse
    from dataclasses import replace

    from conformance.commands.invocation import record_invocation
    from conformance.engine.generation.cases import PHASES
    from conformance.engine.profiles import ProfileError, resolve_token

    option = config.getoption
    args = argparse.Namespace(
        program="pytest",
        argv=list(config.invocation_params.args),
        profile=option("--profile"),
        base_url=option("--base-url"),
        token_env=option("--token-env"),
        sender=option("--sender"),
        seed=option("--seed"),
        max_examples=option("--max-examples"),
        phase=[],
        check=[],
        fault=[],
        negative_only=option("--negative-only"),
        fail_on=option("--fail-on"),
        live=option("--live"),
        shard=shard,
        baseline=None,
    )
    try:
        secrets: tuple[str, ...] = (resolve_token(profile),)
    except ProfileError:
        secrets = ()
    invocation = record_invocation(
        args, profile, phases=PHASES, checks=tuple(results.checks), spec=results.spec, secrets=secrets
    )
    return replace(results, invocation=invocation)


@pytest.fixture
def shard_results(request: pytest.FixtureRequest) -> RunResults:
    index, count = request.param
    return _run(request.config, index, count)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "shard_results" not in metafunc.fixturenames:
        return
    count = shard_count()
    params = [
        pytest.param(
            (index, count), id=f"shard{index}of{count}", marks=pytest.mark.xdist_group(f"shard{index}")
        )
        for index in range(1, count + 1)
    ]
    metafunc.parametrize("shard_results", params, indirect=True)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On the xdist controller: merge the shards' results into one set of artefacts."""
    if hasattr(session.config, "workerinput"):
        return
    parts_dir = _session_dir(session.config)
    parts = sorted(parts_dir.glob("results-*.json")) if parts_dir.is_dir() else []
    if not parts:
        shutil.rmtree(parts_dir, ignore_errors=True)
        return
    from conformance.commands.run import write_artefacts
    from reports.merge import merge_results

    merged = merge_results([load_results(p) for p in parts])
    write_artefacts(merged, _report_dir(session.config))
    shutil.rmtree(parts_dir, ignore_errors=True)
    if parts_dir.parent.is_dir() and not any(parts_dir.parent.iterdir()):
        parts_dir.parent.rmdir()
