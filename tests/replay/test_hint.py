"""The replay hint a failing run prints and its report shows names the results file as the user
would type it: relative to the working directory when under it, else absolute; that path exists."""

from __future__ import annotations

import html
import re
import shlex
from pathlib import Path

import pytest

from conformance.commands.cli import main

pytestmark = pytest.mark.slow  # starts the CLI or the embedded mock as processes

HINT = re.compile(r"opentact-conformance replay ([^<\s]+)")


def _run(report_dir: Path) -> tuple[int, str]:
    code = main(
        [
            "run",
            "--fault",
            "missing_thread",
            "--max-examples",
            "1",
            "--report-dir",
            str(report_dir),
            "--quiet",
        ]
    )
    return code, (report_dir / "report.html").read_text(encoding="utf-8")


def _named(text: str) -> str:
    match = HINT.search(text)
    assert match, text
    return shlex.split(html.unescape(match.group(1)))[0]


def test_a_report_dir_under_the_working_directory_is_named_relative_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, report = _run(Path("out") / "r")
    console = capsys.readouterr().out
    assert code == 1
    assert _named(console) == _named(report) == "out/r/results.json"
    assert Path(_named(console)).is_file()


def test_a_report_dir_elsewhere_is_named_by_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    code, report = _run(Path("..") / "there")
    console = capsys.readouterr().out
    assert code == 1
    named = _named(console)
    assert named == _named(report) == str(tmp_path / "there" / "results.json")
    assert Path(named).is_absolute() and Path(named).is_file()


def test_a_clean_run_suggests_no_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--max-examples", "1", "--report-dir", str(tmp_path / "r"), "--quiet"]) == 0
    assert "replay" not in capsys.readouterr().out
