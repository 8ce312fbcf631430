"""The README stays a true landing page: its commands run in CI, its tables match the code, its links resolve.

The fault and check tables moved to the manual (docs/faults.md, docs/checks.md); tests/test_docs.py
checks them there.
"""

from __future__ import annotations

import re
from pathlib import Path

from conformance.commands import exit_codes
from conformance.commands.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI_RUN = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
MAX_LINES = 250


def section(title: str) -> str:
    """The README's text under one `## ` heading, up to the next."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, flags=re.S | re.M)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


def test_readme_is_a_landing_page_of_at_most_250_lines() -> None:
    assert len(README.splitlines()) <= MAX_LINES


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)
    test_command = next(b for b in blocks if "pytest" in b and "pip install" in b)
    assert test_command.strip() in CI_RUN
    assert any("opentact-conformance run" in b for b in blocks)


def test_exit_code_table_holds_exactly_the_codes_of_exit_codes_py() -> None:
    constants = vars(exit_codes).items()
    codes = {value for name, value in constants if name.startswith("EXIT_") and isinstance(value, int)}
    rows = {int(code) for code in re.findall(r"^\| (\d+) \| ", section("Exit codes"), flags=re.M)}
    assert rows == codes


def test_which_command_table_names_every_command_once() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    commands = set(subparsers.choices or {})
    rows = re.findall(r"^\| \[`([a-z-]+)`\]\(", section("Which command when"), flags=re.M)
    assert sorted(rows) == sorted(commands)


def test_every_relative_link_names_a_file_that_exists() -> None:
    links = [
        target.split("#")[0]
        for target in re.findall(r"\]\(([^)\s]+)\)", README)
        if not re.match(r"[a-z]+:", target)
    ]
    assert "docs/index.md" in links
    assert [link for link in links if not (ROOT / link).is_file()] == []
