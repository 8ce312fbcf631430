"""The report's distinct-problems table and the console count the same problems, with and without a
baseline (two real runs against the mock: one fault, then that fault plus another)."""

from __future__ import annotations

import re

import pytest
from support import untimed_mock

from conformance.commands.console import summary_lines
from conformance.engine.profiles import Profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.model.results import RunResults
from reports.baseline import compare
from reports.html import render_html


def _profile(*faults: str) -> Profile:
    return untimed_mock(*faults)


@pytest.fixture(scope="module")
def old_and_new() -> tuple[RunResults, RunResults]:
    old = execute(RunOptions(profile=_profile("missing_thread", "extra_field"), max_examples=1))
    new = execute(RunOptions(profile=_profile("missing_thread", "validation_as_500"), max_examples=1))
    return old, new


def _rows(html: str) -> list[tuple[str, str]]:
    """Each row of the problems table as (check, baseline status, "" without a baseline)."""
    table = html.split('<table id="problems">', 1)[1].split("</table>", 1)[0]
    return [
        (check, status)
        for status, check in re.findall(
            r'<tr data-problem="p-[0-9a-f]+" data-severity="\w+"(?: data-status="(\w+)")?>'
            r'<td><span class="sev \w+">\w+</span></td><td class="mono">(\w+)</td>',
            table,
        )
    ]


def test_without_a_baseline_the_table_has_the_consoles_problems(
    old_and_new: tuple[RunResults, RunResults],
) -> None:
    _, new = old_and_new
    rows = _rows(render_html(new))
    head = summary_lines(new)[0]
    assert head.startswith(f"distinct problems: {len(rows)} (")
    assert {status for _, status in rows} == {""}


def test_with_a_baseline_new_persisting_and_fixed_problems_agree(
    old_and_new: tuple[RunResults, RunResults],
) -> None:
    old, new = old_and_new
    compared = new.with_baseline(compare(old, new, label="old"))
    rows = _rows(render_html(compared))
    # missing_thread is two problems: the sends' answers lack the thread (response_schema), and so does
    # the lookup of each message, whose S4 shape requires it (lifecycle_envelope, a warning: D66)
    assert sorted(rows) == [
        ("lifecycle_envelope", "persisting"),
        ("rejection_status", "new"),  # validation_as_500
        ("response_schema", "persisting"),
        ("undocumented_fields", "fixed"),  # extra_field
    ]
    statuses = [status for _, status in rows]
    counts = {s: statuses.count(s) for s in ("new", "persisting", "fixed")}
    head = summary_lines(compared)[0]
    new_, persisting, fixed = counts["new"], counts["persisting"], counts["fixed"]
    assert head.endswith(f"against the baseline: {new_} new, {persisting} persisting, {fixed} fixed problems")
    html = render_html(compared)
    assert "`payload.thread` is missing" in html.split('<table id="problems">', 1)[1].split("</table>")[0]
