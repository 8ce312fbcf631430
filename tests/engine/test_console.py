"""The console: live progress (plain lines off a TTY, a rich bar on one, nothing with --quiet) and the
closing distinct-problem lines, capped near 20 lines."""

from __future__ import annotations

import io

from conformance.commands.console import (
    MAX_PROBLEM_LINES,
    PlainProgress,
    RichProgress,
    make_progress,
    problem_lines,
    summary_lines,
)
from conformance.engine.run.progress import ProgressTick
from conformance.model.deviations import Deviation, Severity
from conformance.model.results import RunResults, TargetInfo


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _tick(phase: str, done: int, total: int = 6, deviations: int = 0) -> ProgressTick:
    return ProgressTick(phase, done, total, "200", done, 4, deviations)


def test_plain_progress_prints_a_line_per_finished_phase_with_budget_and_deviations() -> None:
    stream = io.StringIO()
    progress = make_progress(False, stream)
    assert isinstance(progress, PlainProgress)
    for tick in (
        _tick("auth", 1),
        _tick("auth", 2),
        _tick("positive", 3, deviations=1),
        _tick("positive", 6, deviations=2),
    ):
        progress(tick)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].split()[:3] == ["auth", "done", "2/6"]
    assert "sends 2/4" in lines[0] and "deviations 0" in lines[0]
    assert "ETA" not in lines[0]  # one case measured: no rate yet (tests/console/test_eta.py)
    assert lines[1].split()[:3] == ["positive", "done", "6/6"] and "deviations 2" in lines[1]
    assert lines[1].endswith("ETA 0 s")


def test_plain_progress_speaks_inside_a_long_phase_at_its_interval() -> None:
    stream = io.StringIO()
    progress = PlainProgress(stream, interval=0.0)
    progress(_tick("generated", 1))
    progress(_tick("generated", 2))
    assert [line.split()[0] for line in stream.getvalue().splitlines()] == ["generated", "generated"]


def test_quiet_prints_nothing_and_a_terminal_gets_a_live_bar() -> None:
    quiet = io.StringIO()
    make_progress(True, quiet)(_tick("auth", 6))
    assert quiet.getvalue() == ""
    terminal = _Terminal()
    bar = make_progress(False, terminal)
    assert isinstance(bar, RichProgress)
    bar(_tick("auth", 3, deviations=5))
    bar(_tick("auth", 6, deviations=5))
    bar.close()
    shown = terminal.getvalue()
    assert "6/6" in shown and "sends 6/4" in shown and "deviations 5" in shown


def _results(deviations: list[Deviation]) -> RunResults:
    return RunResults(
        target=TargetInfo("t", "http://127.0.0.1:1"),
        spec={},
        seed=0,
        started_at="",
        finished_at="",
        duration_s=0.0,
        fail_on=Severity.ERROR,
        deviations=tuple(deviations),
    )


def test_the_summary_lists_distinct_problems_and_caps_its_length() -> None:
    many = [
        Deviation(
            "response_schema", Severity.ERROR, f"`m{i}` is missing", "", path=f"$.m{i}", case_id=f"c{j}"
        )
        for i in range(30)
        for j in range(2)
    ]
    lines = summary_lines(_results(many))
    assert lines[0].startswith("distinct problems: 30 (60 error")
    assert len(lines) == 1 + MAX_PROBLEM_LINES + 1 <= 20
    assert lines[1].split() == ["error", "response_schema", "`m0`", "is", "missing", "at", "$.m0", "×2"]
    assert lines[-1].startswith("  … and 18 more distinct problems (36 deviations)")
    assert problem_lines(_results([])) == []


def test_a_problem_line_says_what_the_target_did() -> None:
    labelled = Deviation(
        "content_type",
        Severity.ERROR,
        "Response is not labelled application/json",
        "",
        path="Content-Type",
        expected="application/json",
        actual="text/html; charset=utf-8",
    )
    [line] = problem_lines(_results([labelled, labelled]))
    assert line.endswith("at Content-Type ×2 (got text/html; charset=utf-8)")
