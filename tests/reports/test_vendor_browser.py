"""The first screen of a failing report and of the vendor export, in headless Chromium.

A real run against the mock with two faults; ``export`` of it. Both pages must show the distinct
problems in the first 1,000 px, each with a link to its public documentation page; a group opened
from the report's table must not hide under the sticky filter bar. Screenshots are written next to
the pages (for a person to look at when a run fails).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_report_browser import CHROMIUM, CLOSED_NETWORK_FLAGS, _require_browser

from conformance.commands.cli import main
from conformance.contract.sources import load_sources

pytestmark = pytest.mark.browser

FAULTS = ("html_error_page", "missing_thread")
PUBLIC_URLS = {source.url for source in load_sources()}
INDEX = re.compile(r"\[\d+\]")
TOKEN_HEADER = re.compile(r"X-Auth-Token: ([^'\"]*)")
MOCK_TOKEN = re.compile(r"mock-[0-9a-f]{32}")  # the embedded mock's token (profiles.resolve_token)
FIRST_SCREEN = 1000


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("two-faults")
    args = ["run", "--max-examples", "3", "--report-dir", str(out), "--quiet"]
    for fault in FAULTS:
        args += ["--fault", fault]
    assert main(args) == 1
    assert main(["export", str(out / "results.json")]) == 0
    return out


def _problem_count(results: Path) -> int:
    data = json.loads(results.read_text(encoding="utf-8"))
    return len({(d["check"], d["title"], INDEX.sub("[*]", d["path"])) for d in data["deviations"]})


@pytest.fixture
def browser_page() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CLOSED_NETWORK_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": FIRST_SCREEN})
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            yield context.new_page()
        finally:
            browser.close()


def _open(page: Any, path: Path) -> None:
    page.goto(path.as_uri())
    page.wait_for_load_state("load")


def _in_first_screen(locator: Any) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] < FIRST_SCREEN and locator.is_visible()


def test_the_export_shows_every_problem_and_its_documentation_first(browser_page: Any, run_dir: Path) -> None:
    _open(browser_page, run_dir / "opentact-problems.html")
    browser_page.screenshot(path=str(run_dir / "export-first-screen.png"))
    assert (run_dir / "export-first-screen.png").stat().st_size > 0
    items = browser_page.locator("#contents li")
    assert items.count() == _problem_count(run_dir / "results.json")
    assert _in_first_screen(items.last)
    named = 0
    for section in browser_page.locator("section.problem").all():
        links = [link.get_attribute("href") for link in section.locator("a.doc").all()]
        assert links and set(links) <= PUBLIC_URLS, links
        curl = section.locator("pre.curl").inner_text()
        # the token as the profile's variable, or as the case sent it when that was no token at all (a
        # problem such as response_time may be shown with an authentication case's empty token)
        assert set(TOKEN_HEADER.findall(curl)) <= {"$OPENTACT_MOCK_TOKEN", ""}, curl
        assert not MOCK_TOKEN.search(curl), curl
        named += "$OPENTACT_MOCK_TOKEN" in curl
    assert named >= len(FAULTS)  # the faults' problems are found with the profile's token
    assert not browser_page.locator("#appendix").evaluate("node => node.open")  # collapsed


def test_the_failing_reports_first_screen_lists_problems_with_documentation(
    browser_page: Any, run_dir: Path
) -> None:
    _open(browser_page, run_dir / "report.html")
    browser_page.screenshot(path=str(run_dir / "report-first-screen.png"))
    rows = browser_page.locator("#problems tbody tr")
    assert rows.count() == _problem_count(run_dir / "results.json")
    assert _in_first_screen(rows.last)
    for row in rows.all():
        links = [link.get_attribute("href") for link in row.locator("a.doc").all()]
        assert links and set(links) <= PUBLIC_URLS
    assert browser_page.locator("#replay").is_visible()  # a failing run: re-send its failing cases


def test_a_group_opened_from_the_table_is_not_under_the_filter_bar(browser_page: Any, run_dir: Path) -> None:
    _open(browser_page, run_dir / "report.html")
    for link in browser_page.locator("#problems a[data-open-group]").all():
        group_id = link.get_attribute("data-open-group")
        link.click()
        summary = browser_page.locator(f"#{group_id} > summary")
        bar = browser_page.locator("#filters").bounding_box()
        box = summary.bounding_box()
        assert bar is not None and box is not None
        assert box["y"] >= bar["y"] + bar["height"] - 1, (group_id, box, bar)
