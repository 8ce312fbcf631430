"""The manual (docs/, mkdocs.yml): its generated pages match the code, and it builds with no broken link."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conformance.checks import all_check_names, describe
from conformance.mock.faults import FAULTS

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ("docs/faults.md", "docs/checks.md", "spec/SOURCES.md")
# How docs/faults.md's gate column reads for each severity: only an error fails the default gate.
GATE_CELL = {"error": "FAIL", "warning": "PASS (warnings)", "info": "PASS (info)"}


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_tables", ROOT / "docs" / "gen_tables.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def row(page: str, start: str) -> str:
    """The one table row of a generated page that starts with ``start``."""
    text = (ROOT / page).read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith(start)]
    assert len(rows) == 1, f"{page}: {len(rows)} rows start with {start!r}"
    return rows[0]


def test_committed_generated_pages_match_a_fresh_generation() -> None:
    stale = [str(path.relative_to(ROOT)) for path in load_generator().stale()]
    assert stale == [], "out of date: run `python docs/gen_tables.py` and commit the result"


def test_an_edited_generated_page_is_found_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*GENERATED, "spec/sources.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, tmp_path / name)
    generator = load_generator()
    monkeypatch.setattr(generator, "ROOT", tmp_path)
    assert generator.stale() == []
    faults = tmp_path / "docs" / "faults.md"
    edited = faults.read_text(encoding="utf-8").replace("`json_body`", "`content_type`")
    faults.write_text(edited, encoding="utf-8")
    assert generator.stale() == [faults]
    assert generator.main(["--check"]) == 1


def test_every_fault_has_its_row_with_category_description_check_severity_and_gate() -> None:
    generator = load_generator()
    for fault in FAULTS:
        line = row("docs/faults.md", f"| `{fault.name}` |")
        assert f"| {fault.category} | {generator.cell(fault.description)} |" in line
        gate = GATE_CELL[fault.severity]
        assert line.endswith(f"| [`{fault.check}`](checks.md#{fault.check}) | {fault.severity} | {gate} |")


def test_every_check_has_its_row_with_its_description() -> None:
    generator = load_generator()
    for name in all_check_names():  # per-exchange and run-level
        line = row("docs/checks.md", f'| <span id="{name}"></span>`{name}` |')
        assert f"| {generator.cell(describe(name))} |" in line


@pytest.mark.slow
def test_manual_builds_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install --group docs)")
    pytest.importorskip("material", reason="mkdocs-material is not installed (pip install --group docs)")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    site = tmp_path / "site"
    # the included files arrived: the README's exit codes, DECISIONS.md and the generated sources table
    def page(name: str) -> str:
        return (site / name / "index.html").read_text(encoding="utf-8")

    assert "Every command exits with one of these" in page("commands")
    assert 'id="d1-path-and-host"' in page("decisions")
    assert "S22" in page("sources")
