"""`--version` and every `--help` import none of the heavy libraries (issue 13): a fact, not a timing.

Each command line runs in a fresh interpreter under ``python -X importtime``; the modules it loaded
are read from that report. The same reader is shown to see the heavy modules when the engine *is*
imported, so a clean result means "not imported", not "not detected".
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("schemathesis", "hypothesis", "httpx", "jsonschema", "yaml", "jinja2", "uvicorn", "starlette")
COMMAND_LINES = (
    ["--version"],
    ["--help"],
    ["run", "--help"],
    ["diff", "--help"],
    ["replay", "--help"],
    ["report", "--help"],
    ["mock", "--help"],
)


def _python(*python_args: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter on this tree, which must exit 0."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, *python_args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _imported(*python_args: str) -> set[str]:
    """Top-level names of every module the interpreter imported (``-X importtime`` on stderr)."""
    done = _python("-X", "importtime", *python_args)
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if not name.startswith("imported"):  # the header line
                names.add(name.split(".")[0])
    return names


@pytest.mark.parametrize("arguments", COMMAND_LINES, ids=" ".join)
def test_version_and_help_import_no_heavy_library(arguments: list[str]) -> None:
    loaded = _imported("-m", "conformance.commands.cli", *arguments)
    assert "conformance" in loaded  # the reader saw the tool's own imports
    assert sorted(loaded.intersection(HEAVY)) == []


def test_the_reader_sees_heavy_libraries_when_the_engine_is_imported() -> None:
    # generation imports schemathesis and the strategies only when it draws (a cache-served run never does)
    loaded = _imported(
        "-c",
        "import conformance.commands.cli, conformance.engine.generation, conformance.checks"
        ", strategies.numbers, reports"
        "; import schemathesis",
    )
    assert {"schemathesis", "hypothesis", "jsonschema", "yaml", "jinja2"} <= loaded


def test_a_subcommand_still_gets_its_engine_when_it_runs() -> None:
    """`run --list-checks` imports the checks lazily and still lists them (the lazy imports resolve)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "conformance.commands.cli", "run", "--list-checks"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    listed = {
        line.split()[0] for line in done.stdout.splitlines() if line and not line.startswith("run-level")
    }
    from conformance.checks import CHECKS, RUN_CHECKS

    assert listed == set(CHECKS) | set(RUN_CHECKS)


def _loaded_modules(code: str) -> set[str]:
    """Full names of every module in ``sys.modules`` after a fresh interpreter ran ``code``."""
    listing = "\nimport sys\nprint('\\n'.join(k for k, v in sys.modules.items() if v))"
    return set(_python("-c", code + listing).stdout.split())


def test_what_a_run_needs_before_its_first_request_leaves_imports_no_check_and_no_unused_http_extra() -> None:
    # the runner and the client: the checks, the report writers and jinja2 come later, on the preload
    # thread (conformance.engine.preload); the client sends on its own wire (h11), without httpx (D45)
    loaded = _loaded_modules("import conformance.engine.runner, conformance.engine.client")
    assert {"conformance.engine.runner", "conformance.engine.wire", "h11"} <= loaded  # the reader saw them
    unwanted = {
        "httpx",
        "httpcore",
        "trio",
        "jsonschema",
        "conformance.checks",
        "conformance.engine.checking",
    }
    unwanted |= {"jinja2", "rich"}
    assert sorted(loaded & unwanted) == []


def test_trio_and_the_httpx_command_line_stay_importable_after_the_transport_client() -> None:
    # the marks that kept them out while httpx and httpcore were imported are gone again
    code = (
        "import sys, conformance.engine.transport_wire\n"
        "assert 'trio' not in sys.modules and 'httpx._main' not in sys.modules\n"
        "import httpx._main\n"
        "try:\n    import trio\nexcept ModuleNotFoundError as exc:\n    assert exc.name == 'trio', exc\n"
    )
    assert "httpx._main" in _loaded_modules(code)


def test_the_finder_of_moved_modules_costs_no_importlib_abc() -> None:
    # `import conformance` installs the finder of old module paths on every start-up, --version too;
    # importlib.abc (and importlib.resources behind it) was about 15 ms of a 100 ms --version
    assert "importlib.abc" not in _loaded_modules("import conformance")
