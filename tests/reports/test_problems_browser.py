"""The report top down, in headless Chromium: with three faults on, the distinct problems come first.

The table must be visible in the first 1,000 px, hold exactly one row per distinct problem
(counted here straight from results.json: check, title and index-folded path), and each row's
link must open the group with that problem's deviations. The console lists the same number.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_report_browser import CHROMIUM, CLOSED_NETWORK_FLAGS, _require_browser

from conformance.commands.cli import main

pytestmark = pytest.mark.browser

THREE_FAULTS = ("missing_thread", "validation_as_500", "extra_field")
INDEX = re.compile(r"\[\d+\]")


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """results.json and report.html of a real run against the mock with three faults on; the console."""
    out = tmp_path_factory.mktemp("three-faults")
    with pytest.MonkeyPatch.context() as patch:
        import io
        import sys

        console = io.StringIO()
        patch.setattr(sys, "stdout", console)
        args = ["run", "--max-examples", "4", "--report-dir", str(out), "--quiet"]
        for fault in THREE_FAULTS:
            args += ["--fault", fault]
        assert main(args) == 1
    return out, console.getvalue()


def _problems_from_results(results: Path) -> Counter[tuple[str, str, str]]:
    data = json.loads(results.read_text(encoding="utf-8"))
    return Counter((d["check"], d["title"], INDEX.sub("[*]", d["path"])) for d in data["deviations"])


@pytest.fixture
def page(fault_run: tuple[Path, str]) -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CLOSED_NETWORK_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            opened = context.new_page()
            opened.goto((fault_run[0] / "report.html").as_uri())
            opened.wait_for_load_state("load")
            yield opened
        finally:
            browser.close()


def test_distinct_problems_table_is_in_the_first_screen_with_one_row_per_problem(
    page: Any, fault_run: tuple[Path, str]
) -> None:
    expected = _problems_from_results(fault_run[0] / "results.json")
    assert len(expected) >= 3, "three faults give at least three distinct problems"
    table = page.locator("#problems")
    box = table.bounding_box()
    assert box is not None and table.is_visible()
    assert box["y"] + box["height"] <= 1000, f"the problems table ends at {box['y'] + box['height']} px"

    rows = table.locator("tbody tr").all()
    shown = Counter()
    for row in rows:
        cells = row.locator("td").all_inner_texts()
        check, title, path, count = cells[1], cells[2], cells[3], int(cells[4])
        shown[(check, title, path)] += count
    assert len(rows) == len(expected)
    assert shown == expected

    console = fault_run[1]
    assert f"distinct problems: {len(expected)} " in console
    for (check, title, path), count in expected.items():
        assert f"{check:<20} {title} at {path} ×{count}" in console


def test_each_problem_row_opens_its_group(page: Any, fault_run: tuple[Path, str]) -> None:
    rows = page.locator("#problems tbody tr").all()
    for row in rows:
        check, path = row.locator("td").nth(1).inner_text(), row.locator("td").nth(3).inner_text()
        link = row.locator("a[data-open-group]")
        anchor = link.get_attribute("data-open-group")
        group = page.locator(f"details.group#{anchor}")
        link.click()
        assert group.get_attribute("open") is not None
        assert group.get_attribute("data-check") == check
        assert group.locator("code.path").inner_text() == path
        first = group.locator("article.example").first
        assert first.is_visible(), "the group's first example is open"
        assert row.locator("td.first-case").inner_text() in group.inner_text()
        page.evaluate("window.scrollTo(0, 0)")


def test_groups_show_one_example_and_keep_the_rest_behind_a_control(page: Any) -> None:
    groups = page.locator("details.group").all()
    assert groups
    for group in groups:
        group.evaluate("g => { g.open = true; }")
        visible = [e for e in group.locator("article.example").all() if e.is_visible()]
        assert len(visible) == 1
        more = group.locator("details.more-examples")
        if more.count():
            hidden = more.locator("article.example").count()
            more.locator("summary").click()
            assert sum(1 for e in group.locator("article.example").all() if e.is_visible()) == 1 + hidden


def test_the_page_records_the_options_and_one_command_that_reproduces_the_run(
    page: Any, fault_run: tuple[Path, str]
) -> None:
    invocation = json.loads((fault_run[0] / "results.json").read_text(encoding="utf-8"))["invocation"]
    command = page.locator("#reproduce").inner_text()
    assert command == invocation["reproduce"]
    for fault in THREE_FAULTS:
        assert f"--fault {fault}" in command
    assert "--max-examples 4" in command and "--seed 0" in command
    assert f"reproduce: {command}" in fault_run[1]
