"""Baseline gating end to end: same faults pass, one more fault is the only new one, a removed is fixed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .test_cli import cli

pytestmark = pytest.mark.slow


def section(report: Path, name: str) -> str:
    """The HTML of one report section (new / persisting / fixed / deviations)."""
    html = report.read_text(encoding="utf-8")
    start = html.index(f'id="section-{name}"')
    end = html.find("<section", start)
    return html[html.rfind("<section", 0, start) : end if end != -1 else len(html)]


FAULTS = ("to_as_string", "extra_field", "validation_without_fields")


def gate(tmp_path: Path, name: str, faults: tuple[str, ...], *extra: str) -> tuple[int, dict[str, object]]:
    args = ["run", "--max-examples", "5", "--seed", "4", "--report-dir", name]
    for fault in faults:
        args += ["--fault", fault]
    done = cli(*args, *extra, cwd=tmp_path)
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads((tmp_path / name / "results.json").read_text())


def keys_of(results: dict[str, object], check: str | None = None) -> set[str]:
    return {d["key"] for d in results["deviations"] if check is None or d["check"] == check}  # type: ignore[index,union-attr]


def test_baseline_marks_new_persisting_and_fixed(tmp_path: Path) -> None:
    code, first = gate(tmp_path, "first", FAULTS)
    assert code == 1  # the faults are errors on their own

    code, same = gate(tmp_path, "same", FAULTS, "--baseline", "first/results.json")
    assert code == 0
    assert same["baseline"]["new"] == []  # type: ignore[index]
    assert set(same["baseline"]["persisting"]) == keys_of(first)  # type: ignore[index]

    code, more = gate(tmp_path, "more", (*FAULTS, "tn_not_sender"), "--baseline", "first/results.json")
    assert code == 1
    assert set(more["baseline"]["new"]) == keys_of(more, "semantic_echo") != set()  # type: ignore[index]
    new_section = section(tmp_path / "more" / "report.html", "new")
    assert set(re.findall(r'data-check="([a-z_]+)"', new_section)) == {"semantic_echo"}
    assert 'data-count="0"' not in new_section.split(">", 1)[0]

    code, fewer = gate(tmp_path, "fewer", FAULTS[:2], "--baseline", "first/results.json")
    assert code == 0
    fixed_section = section(tmp_path / "fewer" / "report.html", "fixed")
    assert "error_envelope" in fixed_section
    fixed = {d["key"] for d in fewer["baseline"]["fixed"]}  # type: ignore[index]
    assert fixed == keys_of(first) - keys_of(fewer)
    assert fixed and all(
        d["check"] in ("error_envelope", "response_schema") for d in fewer["baseline"]["fixed"]
    )  # type: ignore[index]
