"""The report page in headless Chromium: groups, filters, no network, no console errors, no XSS.

``faulty_results`` is the one fixture to swap for a real engine run against the mock with faults on.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.model.deviations import normalise_path
from conformance.model.results import RunResults
from reports.html import write_html

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CLOSED_NETWORK_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _require_browser() -> None:
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "the playwright Python package is not installed (pip install playwright)"
    if problem is None and not (CHROMIUM.is_file() or shutil.which(str(CHROMIUM))):
        problem = f"Chromium not found at {CHROMIUM}; install it with `apt-get install -y chromium`"
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser test cannot run on CI: {problem}", pytrace=False)
    pytest.skip(problem)


BROWSER_FAULTS = (
    "to_as_string",
    "extra_field",
    "error_success_true",
    "html_error_page",
    "wrong_token_accepted",
    "validation_as_500",
)


@pytest.fixture(scope="module")
def faulty_results() -> RunResults:
    """A real engine run against the reference mock with several faults on."""
    return execute(RunOptions(profile=mock_profile(faults=BROWSER_FAULTS), seed=5, max_examples=6))


@pytest.fixture
def expected_groups(faulty_results: RunResults) -> dict[tuple[str, str], int]:
    """Counted straight from the results, independently of the report's view model."""
    counts = Counter((d.check, normalise_path(d.path)) for d in faulty_results.deviations)
    return dict(counts)


@dataclass
class OpenedReport:
    """The report open in Chromium, with everything it tried to fetch and every console error."""

    page: Any
    outside_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
def opened(tmp_path: Path, faulty_results: RunResults) -> Iterator[OpenedReport]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    report = write_html(faulty_results, tmp_path)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CLOSED_NETWORK_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            watched = OpenedReport(context.new_page())

            def guard(route: Any) -> None:
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    watched.outside_requests.append(route.request.url)
                    route.abort()

            def on_console(message: Any) -> None:
                if message.type == "error":
                    watched.console_errors.append(message.text)

            def on_page_error(error: Any) -> None:
                watched.console_errors.append(str(error))

            context.route("**/*", guard)
            watched.page.on("console", on_console)
            watched.page.on("pageerror", on_page_error)
            watched.page.goto(report.as_uri())
            watched.page.wait_for_load_state("load")
            yield watched
        finally:
            browser.close()


def test_report_renders_groups_filters_and_stays_offline(
    opened: OpenedReport, expected_groups: dict[tuple[str, str], int]
) -> None:
    page = opened.page
    shown: dict[tuple[str, str], int] = {}
    for group in page.locator("#section-deviations details.group").all():
        key = (group.get_attribute("data-check"), group.locator("code.path").inner_text())
        shown[key] = int(group.locator(".count").inner_text())
        assert shown[key] == int(group.get_attribute("data-count"))
    assert shown == expected_groups
    assert (
        page.locator("#groups-shown").inner_text()
        == f"{len(expected_groups)} of {len(expected_groups)} groups shown"
    )

    # the mock's HTML error page carries a <script>: it is text on the page, never executed
    page.locator("details.group[data-check=content_type] > summary").click()
    response = page.locator("details.group[data-check=content_type] pre.response").first
    assert "<script>" in response.inner_text()
    assert response.is_visible()
    assert page.evaluate("typeof window.__pwned") == "undefined"

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)

    # unticking "warning" hides the warning-only groups and every warning example
    warning_only = page.locator('details.group[data-severities="warning"]').count()
    assert warning_only > 0, "the faulty run should have at least one warning-only group"
    page.locator("input[data-filter-severity][value=warning]").uncheck()
    for group in page.locator("details.group").all():
        assert group.is_hidden() == (group.get_attribute("data-severities") == "warning")
    for example in page.locator(".example[data-severity=warning]").all():
        assert example.is_hidden()
    assert page.locator("details.group[data-severities~=error]").first.is_visible()
    total = len(expected_groups)
    assert page.locator("#groups-shown").inner_text() == f"{total - warning_only} of {total} groups shown"

    # the check filter narrows to one check
    page.locator("input[data-filter-severity][value=warning]").check()
    page.locator("#filter-check").select_option("undocumented_fields")
    expected_visible = sum(1 for check, _ in expected_groups if check == "undocumented_fields")
    assert page.locator("details.group:visible").count() == expected_visible
    page.screenshot(path=str(ARTIFACTS / "report-filtered.png"), full_page=False)

    assert opened.outside_requests == []
    assert opened.console_errors == []
