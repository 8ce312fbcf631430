"""Sessions for opentact-conformance. `nox -l` lists them; `nox -s tests lint typecheck` is the PR check."""

from __future__ import annotations

from pathlib import Path

import nox
import nox.command

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.default_venv_backend = "venv"

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHON = ["3.11"]


def install(session: nox.Session, *groups: str) -> None:
    """Install the package (editable) and the named dependency groups from pyproject.toml."""
    session.install("-e", ".")
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the self-tests (pytest); extra args after `--` go to pytest."""
    install(session, "test")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over the whole tree, and the package's layer contract (import-linter, pyproject.toml)."""
    install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("lint-imports", "--no-cache")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package code (conformance, strategies, reports)."""
    install(session, "lint")
    session.run("mypy")


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """Run the gate; default target the embedded mock. Pass a profile and options after `--`."""
    install(session)
    session.run("opentact-conformance", "run", *session.posargs)


@nox.session(python=PYTHON)
def selftest(session: nox.Session) -> None:
    """Every fault in the mock's catalogue must be caught by its named check; prints the score."""
    install(session, "test")
    session.run("python", "-m", "pytest", "tests/engine/test_selftest.py", "-q", "-s", *session.posargs)


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks: every script prints its ratios (measured side by side in one run); the session
    fails at the end, naming the scripts with a missed target, after all of them have printed."""
    install(session, "test")
    missed = []
    for script in sorted(Path("bench").glob("bench_*.py")):
        try:
            session.run("python", str(script), *session.posargs)
        except nox.command.CommandFailed:
            missed.append(script.name)
    if missed:
        session.error(f"targets missed in: {', '.join(missed)} (see the tables above)")
