"""`opentact-conformance report`: exit codes, outputs, and no tracebacks on bad input."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest
from builders import CANARY, faulty_results, run_results

from conformance.commands.report import add_parser, run
from conformance.model.results import RunResults, load_results

REPO = Path(__file__).resolve().parents[2]


def _report(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="opentact-conformance")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", *argv])
    return int(args.handler(args))


def _write(results: RunResults, path: Path) -> Path:
    results.write(path)
    return path


def test_one_file_re_renders_into_its_folder(tmp_path: Path) -> None:
    source = _write(faulty_results(), tmp_path / "run" / "results.json")
    assert _report(str(source)) == 0
    assert (tmp_path / "run" / "report.html").is_file()
    assert (tmp_path / "run" / "junit.xml").is_file()


def test_out_folder_is_respected(tmp_path: Path) -> None:
    source = _write(faulty_results(), tmp_path / "results.json")
    assert _report(str(source), "--out", str(tmp_path / "elsewhere")) == 0
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["junit.xml", "report.html"]


def test_two_files_render_a_comparison(tmp_path: Path) -> None:
    current = faulty_results()
    old = _write(run_results(current.deviations[:5]), tmp_path / "old.json")
    new = _write(current, tmp_path / "new" / "results.json")
    assert _report(str(old), str(new), "--out", str(tmp_path / "cmp")) == 0
    html = (tmp_path / "cmp" / "report.html").read_text(encoding="utf-8")
    assert 'id="section-new" data-count="12"' in html and 'id="section-fixed" data-count="0"' in html


def test_merge_writes_results_report_and_junit(tmp_path: Path) -> None:
    current = faulty_results()
    a = _write(run_results(current.deviations[:8]), tmp_path / "a.json")
    b = _write(run_results(current.deviations[8:]), tmp_path / "b.json")
    out = tmp_path / "merged"
    assert _report("--merge", str(a), str(b), "--out", str(out)) == 0
    assert len(load_results(out / "results.json").deviations) == len(current.deviations)
    for name in ("results.json", "report.html", "junit.xml"):
        assert CANARY not in (out / name).read_text(encoding="utf-8")


def test_merge_refuses_to_overwrite_an_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _write(faulty_results(), tmp_path / "results.json")
    assert _report("--merge", str(a), "--out", str(tmp_path)) == 2
    assert "would overwrite" in capsys.readouterr().err


def test_merge_of_different_runs_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _write(faulty_results(), tmp_path / "a.json")
    b = _write(faulty_results(seed=1), tmp_path / "b.json")
    assert _report("--merge", str(a), str(b), "--out", str(tmp_path / "m")) == 2
    assert "seed" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [(), ("a.json", "b.json", "c.json")])
def test_wrong_number_of_files_is_a_usage_error(
    argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _report(*argv) == 2
    assert "expected RESULTS" in capsys.readouterr().err


@pytest.mark.slow
def test_files_and_merge_together_are_a_usage_error(tmp_path: Path) -> None:
    args = argparse.Namespace(results=[tmp_path / "x.json"], merge=[tmp_path / "y.json"], out=None)
    assert run(args) == 2


def _run_in_subprocess(path: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import argparse, sys; from pathlib import Path; from conformance.commands.report import run; "
        f"sys.exit(run(argparse.Namespace(results=[Path({str(path)!r})], merge=None, out=None)))"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read results file"),
        ("{not json", "is not valid JSON"),
        ('{"schema_version": 99}', "schema_version 99 is not supported"),
        ('{"schema_version": 1, "run": {}}', "missing or has a malformed field"),
    ],
)
def test_unreadable_results_exit_2_with_one_message_and_no_traceback(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    completed = _run_in_subprocess(path)
    assert completed.returncode == 2
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_a_good_file_exits_0_in_a_subprocess(tmp_path: Path) -> None:
    path = _write(faulty_results(), tmp_path / "results.json")
    completed = _run_in_subprocess(path)
    assert completed.returncode == 0, completed.stderr
    assert "wrote" in completed.stdout
