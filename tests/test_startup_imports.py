"""`--version` and every `--help` import none of the heavy libraries (issue 13): a fact, not a timing.

Each command line runs in a fresh interpreter under ``python -X importtime``; the modules it loaded
are read from that report. The same reader is shown to see the heavy modules when the engine *is*
imported, so a clean result means "not imported", not "not detected".
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import listed_checks

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
        "import conformance.commands.cli, conformance.engine.generation.cases, conformance.checks"
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
    from conformance.checks import CHECKS, LIFECYCLE_CHECKS, RUN_CHECKS

    assert listed_checks(done.stdout) == {
        "": set(CHECKS),
        "run-level": set(RUN_CHECKS),
        "life-cycle": set(LIFECYCLE_CHECKS),
    }


def _loaded_modules(code: str) -> set[str]:
    """Full names of every module in ``sys.modules`` after a fresh interpreter ran ``code``."""
    listing = "\nimport sys\nprint('\\n'.join(k for k, v in sys.modules.items() if v))"
    return set(_python("-c", code + listing).stdout.split())


def test_a_run_before_its_first_request_imports_no_report_writer() -> None:
    # the runner and the client (and the checks the runner makes before its first request): the report
    # writers and jinja2 come when the artefacts are written. The client sends through httpx (D45): a
    # run imports it, and with it what httpx itself imports
    loaded = _loaded_modules("import conformance.engine.run.runner, conformance.engine.sending.client")
    wanted = {"conformance.engine.run.runner", "conformance.engine.sending.client", "httpx", "httpcore"}
    assert wanted <= loaded
    unwanted = {"jinja2", "reports.html", "reports.junit"}
    assert sorted(loaded & unwanted) == []


def test_no_module_of_the_tool_writes_sys_modules() -> None:
    # a library's imports are its own business: no module here marks names absent to skip them
    write = re.compile(
        r"sys\.modules\[[^\]]*\]\s*=[^=]|del sys\.modules\[|sys\.modules\.(pop|update|setdefault)\("
    )
    assert write.search("sys.modules['trio'] = None") and not write.search("sys.modules['x'] == m")
    written = [
        str(path.relative_to(ROOT))
        for package in ("conformance", "strategies", "reports")
        for path in sorted((ROOT / package).rglob("*.py"))
        if write.search(path.read_text(encoding="utf-8"))
    ]
    assert written == []
