"""`report --history`: four real runs (fault added, removed, re-added) on one page, read back from the HTML.

Run #1 has `extra_field` on; #2 adds `missing_thread`; #3 removes it; #4 adds it again. The page
must say of `payload.thread` is missing: first seen #2, fixed in #3, came back in #4, open; of
the undocumented member: first seen #1, never fixed, open.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conformance.commands.cli import main
from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute

ALWAYS = ("extra_field",)
SOMETIMES = "missing_thread"
PLAN = [ALWAYS, (*ALWAYS, SOMETIMES), ALWAYS, (*ALWAYS, SOMETIMES)]


class _Table(HTMLParser):
    """The rows of one table (by id) as lists of cell texts, plus each row's attributes."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.depth = table_id, False, 0
        self.rows: list[tuple[dict[str, str | None], list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append((dict(attrs), []))
        elif self.inside and tag == "td":
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag == "td" and self.cell is not None:
            self.rows[-1][1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _table(html: str, table_id: str) -> list[tuple[dict[str, str | None], list[str]]]:
    parser = _Table(table_id)
    parser.feed(html)
    return [row for row in parser.rows if row[1]]


@pytest.fixture(scope="module")
def runs_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four real runs against the mock, written as run-N.json with one hour between their starts."""
    folder = tmp_path_factory.mktemp("history")
    for number, faults in enumerate(PLAN, start=1):
        results = execute(RunOptions(profile=mock_profile(faults=faults), seed=3, max_examples=2))
        results = replace(results, started_at=f"2026-11-0{number}T10:00:00+00:00")
        results.write(folder / f"run-{number}.json")
    return folder


def _problem_titles(results: Path) -> set[str]:
    return {d["title"] for d in json.loads(results.read_text(encoding="utf-8"))["deviations"]}


def test_history_page_says_first_seen_fixed_and_came_back(runs_folder: Path, tmp_path: Path) -> None:
    files = [runs_folder / f"run-{n}.json" for n in (3, 1, 4, 2)]  # any order: sorted by start time
    assert main(["report", "--history", *map(str, files), "--out", str(tmp_path)]) == 0
    html = (tmp_path / "history.html").read_text(encoding="utf-8")

    runs = _table(html, "runs")
    assert [cells[0] for _, cells in runs] == ["#1", "#2", "#3", "#4"]
    assert [cells[-1] for _, cells in runs] == [str(runs_folder / f"run-{n}.json") for n in (1, 2, 3, 4)]

    matrix = {cells[2]: (attrs, cells) for attrs, cells in _table(html, "matrix")}
    assert set(matrix) == set().union(*(_problem_titles(f) for f in files))
    thread = matrix["`payload.thread` is missing"][1]
    assert thread[4:9] == ["#2", "#4", "#3", "#4", "open"]  # first, last, fixed in, came back in, now
    cells = thread[9:13]  # runs #1..#4
    assert cells[0].startswith("·") and "new" in cells[1] and "fixed" in cells[2] and "back" in cells[3]

    extra = [cells for _, (_, cells) in matrix.items() if cells[3] == "$.payload.debug_route"]
    assert extra and all(c[4:9] == ["#1", "#4", "–", "–", "open"] for c in extra)
    assert "<svg" in html and "<rect" in html and "http" not in html.split("<svg", 1)[1].split("</svg>")[0]


def test_history_of_a_folder_and_a_problem_that_stays_fixed(runs_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    for n in (1, 2, 3):
        (folder / f"run-{n}.json").write_bytes((runs_folder / f"run-{n}.json").read_bytes())
    assert main(["report", "--history", str(folder)]) == 0
    html = (folder / "history.html").read_text(encoding="utf-8")
    attrs, thread = {c[2]: (a, c) for a, c in _table(html, "matrix")}["`payload.thread` is missing"]
    assert thread[4:9] == ["#2", "#2", "#3", "–", "fixed"]
    assert attrs["data-state"] == "fixed"


def test_history_refuses_an_empty_folder_and_a_broken_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--history", str(tmp_path)]) == 2
    assert "holds no results file" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert main(["report", "--history", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "broken.json" in err and "Traceback" not in err


def test_history_orders_equal_start_times_as_given(runs_folder: Path) -> None:
    from conformance.model.results import load_results
    from reports.history import build_history

    loaded = [(f"r{n}", load_results(runs_folder / f"run-{n}.json")) for n in (1, 2)]
    same_time = [(name, replace(r, started_at="2026-01-01T00:00:00+00:00")) for name, r in loaded]
    random.Random(1).shuffle(same_time)
    view = build_history(same_time)
    assert [run.source for run in view.runs] == [name for name, _ in same_time]


def test_history_of_files_goes_into_the_newest_runs_folder(runs_folder: Path, tmp_path: Path) -> None:
    """Without --out, as `--help` says: the one folder given, else the newest run's (not the first's)."""
    paths = []
    for n in (3, 1, 2):  # named in another order than their time: the first argument is run 1
        folder = tmp_path / f"run-{n}"
        folder.mkdir()
        (folder / "results.json").write_bytes((runs_folder / f"run-{n}.json").read_bytes())
        paths.append(str(folder / "results.json"))
    newest = tmp_path / "run-4"
    newest.mkdir()
    (newest / "results.json").write_bytes((runs_folder / "run-4.json").read_bytes())
    assert main(["report", "--history", *paths[1:], str(newest / "results.json"), paths[0]]) == 0
    assert (newest / "history.html").is_file()
    assert [p.name for p in tmp_path.rglob("history.html")] == ["history.html"]
