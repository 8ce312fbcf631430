"""The view model: grouping, counts, caps, verdict wording."""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders import EXPECTED_GROUPS, clean_results, faulty_results, make_deviation, run_results

from conformance.model.deviations import Severity
from reports import groups as groups_module
from reports.examples import build_example, example_weight
from reports.groups import GroupView, fill_examples
from reports.view import ReportView, build_view, format_duration, verdict_text


def _groups(view: ReportView) -> dict[tuple[str, str], GroupView]:
    return {(g.check, g.path): g for section in view.sections for g in section.groups}


def test_deviations_are_grouped_by_check_and_normalised_path_with_counts() -> None:
    view = build_view(faulty_results())
    assert {key: g.count for key, g in _groups(view).items()} == EXPECTED_GROUPS
    items = _groups(view)[("response_schema", "$.payload.items[*].id")]
    assert [(c.severity, c.count) for c in items.counts] == [("error", 2)]


def test_groups_are_ordered_worst_severity_then_size_then_name() -> None:
    view = build_view(faulty_results())
    order = [(g.worst, g.count, g.check, g.path) for g in view.sections[0].groups]
    ranks = {"error": 0, "warning": 1, "info": 2}
    assert order == sorted(order, key=lambda o: (ranks[o[0]], -o[1], o[2], o[3]))
    assert view.sections[0].groups[0].open
    assert not any(g.open for g in view.sections[0].groups[1:])


def test_examples_are_capped_per_group_and_the_rest_counted() -> None:
    view = build_view(faulty_results(), examples_per_group=2)
    extra = _groups(view)[("undocumented_fields", "$.payload.extra")]
    assert extra.count == 4
    assert len(extra.examples) == 2
    assert extra.not_shown == 2


def test_examples_prefer_distinct_titles_and_worse_severities() -> None:
    deviations = (
        make_deviation("c", Severity.INFO, "$.a", title="same", case_id="1"),
        make_deviation("c", Severity.INFO, "$.a", title="same", case_id="2"),
        make_deviation("c", Severity.WARNING, "$.a", title="other", case_id="3"),
        make_deviation("c", Severity.INFO, "$.a", title="third", case_id="4"),
    )
    group = build_view(run_results(deviations), examples_per_group=3).sections[0].groups[0]
    assert [e.case_id for e in group.examples] == ["3", "1", "4"]
    assert [c.severity for c in group.counts] == ["warning", "info"]
    assert group.severities == "warning info"


def test_many_groups_shrink_the_per_group_cap_but_keep_one_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(groups_module, "MAX_EXAMPLES_TOTAL", 4)
    view = build_view(faulty_results(), examples_per_group=5)
    assert all(len(g.examples) == 1 for g in view.sections[0].groups)


def test_the_character_budget_stops_adding_examples_breadth_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(groups_module, "EXAMPLE_BUDGET", 0)
    view = build_view(faulty_results())
    assert all(not g.examples and g.not_shown == g.count for g in view.sections[0].groups)


def test_examples_are_filled_breadth_first_within_the_budget() -> None:
    deviations = [make_deviation("c", Severity.ERROR, "$", case_id=str(i)) for i in range(6)]
    one = example_weight(build_example(deviations[0]))
    picks = [(deviations[:3], ""), (deviations[3:], "new")]
    chosen = fill_examples(picks, budget=3 * one + 10)
    assert [[e.case_id for e in examples] for examples in chosen] == [["0", "1"], ["3"]]
    assert chosen[1][0].status == "new"


def test_groups_beyond_the_section_limit_are_summarised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(groups_module, "MAX_GROUPS_PER_SECTION", 3)
    section = build_view(faulty_results()).sections[0]
    assert len(section.groups) == 3
    assert section.hidden_groups == len(EXPECTED_GROUPS) - 3
    assert section.hidden_deviations + sum(g.count for g in section.groups) == section.count == 17


def test_header_counts_cases_per_phase_and_severities() -> None:
    view = build_view(faulty_results())
    assert (view.total_cases, view.total_requests) == (166, 164)  # stats.cases, stats.sent
    assert [(p.name, p.cases) for p in view.phases] == [("positive", 40), ("negative", 120), ("auth", 6)]
    assert view.phases[0].statuses == "200×38, 202×2"
    assert [(c.severity, c.count) for c in view.counts] == [("error", 8), ("warning", 4), ("info", 5)]
    assert view.spec_sha256 == "ab12" * 16


def test_checks_table_lists_every_check_even_without_deviations() -> None:
    view = build_view(faulty_results())
    rows = {row.id: row for row in view.checks}
    assert rows["content_type"].total == 0
    assert rows["response_schema"].total == 5


def test_a_check_seen_only_in_deviations_still_gets_a_row() -> None:
    results = run_results((make_deviation("brand_new_check", Severity.INFO, "$"),))
    assert "brand_new_check" in {row.id for row in build_view(results).checks}


def test_clean_run_view_says_no_deviations() -> None:
    view = build_view(clean_results())
    assert view.clean and view.verdict == "pass"
    assert view.verdict_text.startswith("No deviations")


def test_verdict_text_explains_the_gate() -> None:
    assert verdict_text(faulty_results()) == "8 deviations at or above error"
    only_info = run_results((make_deviation("c", Severity.INFO, "$"),))
    assert verdict_text(only_info) == "No deviations at or above error (1 below the threshold)"
    assert verdict_text(replace(only_info, fail_on=Severity.INFO)) == "1 deviation at or above info"


def test_durations_read_naturally() -> None:
    assert format_duration(4.25) == "4.2 s"
    assert format_duration(125) == "2 min 5 s"
    assert format_duration(7260) == "2 h 1 min"
