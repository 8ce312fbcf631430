"""Fixtures for every test folder.

The case cache (``conformance.engine.generation.cache``) of every run the tests start, in this process or in a
subprocess, goes into a temporary folder of the session, never into the user's ``~/.cache``: both the
tool's own override and ``XDG_CACHE_HOME`` point there (the latter also survives the helpers that drop
``OPENTACT_*`` variables from a child's environment). Under ``pytest -n`` the workers of a session share
that folder (entries are written atomically, D43), so a case list is drawn once per session, not once
per worker. Runs a test starts in this process (``execute``) use the cache as ``run`` does, unless the
test is marked ``fresh_cases``: the tests that prove generation itself (the same seed draws the same
cases, the cache's own behaviour) generate every time.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.engine.generation.cache import CACHE_DIR_ENV, caching


def _session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's temporary root: under xdist, the parent of every worker's own base folder."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` starts two workers per core this process may run on: a test here spends much of its
    time waiting on a socket, a child process or a poll, and a second worker per core fills it.
    Measured on two cores: the whole suite 815-906 s at ``-n 2``, 632 s at ``-n 4``."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return 2 * cores


@pytest.fixture(scope="session", autouse=True)
def _case_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    folder = _session_folder(tmp_path_factory) / "xdg-cache"
    folder.mkdir(exist_ok=True)
    saved = {name: os.environ.get(name) for name in (CACHE_DIR_ENV, "XDG_CACHE_HOME")}
    os.environ[CACHE_DIR_ENV] = str(folder / "opentact-conformance")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    with caching():  # fixtures of any scope and tests: ``execute`` in this process caches as ``run`` does
        yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _fresh_cases_when_marked(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test marked ``fresh_cases`` generates its cases every time, as a library caller does."""
    with caching(request.node.get_closest_marker("fresh_cases") is None):
        yield


# ---------------------------------------------------------------------------------------------------
# The two test loops. `python -m pytest -m "not slow"` is the developer's loop (about a minute on two
# cores); the whole suite is the PR check. A test is `slow` when it starts a process (the CLI, the
# embedded mock of a gate run, a proxy, a browser) or takes more than about a second on its own. Most
# carry the mark in their module (`pytestmark` or a decorator); the lists below add it by fixture, by
# mark, and for the folders whose modules other changes own (tests/client, tests/spec, tests/strategies).
# The guard keeps the fast loop honest: a test without the mark that starts a process (in a fixture of
# any scope or in its body) fails, naming the mark it needs.

#: fixtures whose use makes a test slow: each starts processes or runs gates
SLOW_FIXTURES = frozenset(
    {
        "chromium",  # a headless browser (tests/observed)
        "start_proxy",  # the proxy as a user runs it (tests/proxy)
        "runs_folder",  # gate runs against the embedded mock (tests/history)
        "old_and_new",  # gate runs against the embedded mock (tests/reports/test_problem_table.py)
        "sleeper",  # a child process (tests/engine/test_stale_shard_dirs.py)
    }
)
#: marks that imply `slow`
SLOW_MARKS = frozenset({"browser"})
#: tests over ~1 s (hypothesis searches and shrinks) or starting a process, in folders other changes own
SLOW_NODES = (
    "tests/client/test_client_faults.py::",
    "tests/client/test_wire.py::test_the_request_target_is_the_one_httpx_sent_for_the_same_query",
    "tests/spec/test_fast_validity_differential.py::test_the_fast_test_answers_as_jsonschema",
    "tests/spec/test_fast_validity_differential.py::test_json_equal_is_jsonschemas_equality",
    "tests/spec/test_fast_validity_units.py::test_a_schema_without_format_compiles_and_runs_without_importing",
    "tests/spec/test_validator_cache.py::test_a_run_compiles_each_validator_once_and_a_second_run_none",
    "tests/strategies/test_number_strategies.py::test_valid_numbers_shrinks_towards_the_first_region",
    "tests/strategies/test_number_strategies.py::test_invalid_numbers_shrink_to_short_values_of_their_kind",
    "tests/strategies/test_schemathesis_format_registration.py::test_positive_generation_from_the_spec",
    "tests/strategies/test_strategies_public_api.py::test_importing_strategies_does_not_import_schemathesis",
    "tests/strategies/test_text_strategies.py::test_boundary_texts_reach_the_over_length_only_when_asked",
    "tests/strategies/test_text_strategies.py::test_message_texts_shrink_towards_a_single_gsm7_character",
    "tests/strategies/test_text_strategies.py::test_required_characters_shrink_to_a_readable_sample",
    "tests/strategies/test_token_strategies.py::test_bad_tokens_skip_the_excluded_value_even_when",
    "tests/strategies/test_token_strategies.py::test_bad_tokens_shrink_towards_a_missing_token",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if (
            SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))
            or any(item.get_closest_marker(mark) for mark in SLOW_MARKS)
            or item.nodeid.startswith(SLOW_NODES)
        ):
            item.add_marker(pytest.mark.slow)


@contextlib.contextmanager
def _no_process_unless_slow(item: pytest.Item) -> Iterator[None]:
    """Outside the `slow` mark, starting a process fails the test: it needs the mark."""
    if item.get_closest_marker("slow") is not None:
        yield
        return
    started = subprocess.Popen

    class Refused(started):  # type: ignore[misc,valid-type]
        def __init__(self, args: object, *rest: object, **options: object) -> None:
            raise AssertionError(
                f"{item.nodeid} starts a process ({args!r}) but is not marked slow: add "
                "@pytest.mark.slow (or pytestmark = pytest.mark.slow for the module)"
            )

    subprocess.Popen = Refused  # type: ignore[misc]
    try:
        yield
    finally:
        subprocess.Popen = started  # type: ignore[misc]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _no_process_unless_slow(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _no_process_unless_slow(item):
        return (yield)


SELFTEST = "tests/engine/test_selftest.py::test_fault_is_caught_by_its_named_check["


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The self-test score (faults caught by their named check / faults run), from the outcomes of
    tests/engine/test_selftest.py, which each assert their own fault: also under ``pytest -n``."""
    outcomes = {
        report.nodeid[len(SELFTEST) : -1]: outcome
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if getattr(report, "when", "") == "call" and report.nodeid.startswith(SELFTEST)
    }
    if not outcomes:
        return
    missed = sorted(name for name, outcome in outcomes.items() if outcome == "failed")
    caught = len(outcomes) - len(missed)
    terminalreporter.write_line(
        f"self-test score: {caught}/{len(outcomes)} faults caught by their named check"
    )
    if missed:
        terminalreporter.write_line("missed: " + ", ".join(missed))
