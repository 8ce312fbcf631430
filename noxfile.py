"""Sessions for opentact-conformance. `nox -l` lists them; `nox -s tests lint typecheck` is the PR check,
`nox -s fast` the developer's loop (the tests not marked slow)."""

from __future__ import annotations

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
    """Run the self-tests (pytest) as the README and CI do, two workers per core; extra args after `--`
    go to pytest."""
    install(session, "test")
    session.run("python", "-m", "pytest", "-n", "auto", *session.posargs)


@nox.session(python=PYTHON, default=False)
def fast(session: nox.Session) -> None:
    """The developer's loop: every test not marked slow (no process started, none over ~1 s), on all
    cores; extra args after `--` go to pytest. The whole suite (`nox -s tests`) is the PR check."""
    install(session, "test")
    session.run("python", "-m", "pytest", "-m", "not slow", "-n", "auto", *session.posargs)


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
def docs(session: nox.Session) -> None:
    """The manual: regenerate docs/faults.md, docs/checks.md and spec/SOURCES.md, then `mkdocs build --strict`
    into site/ (a broken link or anchor fails). `nox -s docs -- serve` serves it while you edit instead."""
    install(session, "docs")
    session.run("python", "docs/gen_tables.py")
    env = {"NO_MKDOCS_2_WARNING": "1"}  # Material's banner about MkDocs 2.0, not about this manual
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:], env=env)
    else:
        session.run("mkdocs", "build", "--strict", *session.posargs, env=env)


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks (`python -m bench`): whole processes against loopback servers, counted at the server,
    paired ratios over interleaved rounds. Targets: >= 3x schemathesis, --help/--version < 0.5 s, the
    default gate <= 1.5x --baseline-rev, hostile input in linear time, >= 90 % of a 5/s rate limit at
    100 ms latency; the rest is information. Fails at the end naming the missed targets. `wrk`
    (apt-get install -y wrk) adds the physical limit, as information. Options after `--`: `-- --quick`."""
    install(session, "test")
    try:
        session.run("python", "-m", "bench", *session.posargs)
    except nox.command.CommandFailed:
        session.error("targets missed or figures not measured: see the table above")
