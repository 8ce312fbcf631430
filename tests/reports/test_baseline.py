"""Baseline matching by stable key: new, persisting, fixed."""

from __future__ import annotations

from dataclasses import replace

from builders import faulty_deviations, make_deviation, run_results

from conformance.model.deviations import Severity
from reports.baseline import compare


def test_compare_splits_new_persisting_and_fixed_by_key() -> None:
    old_only = make_deviation("content_type", Severity.ERROR, "$", title="Response is not labelled JSON")
    shared = faulty_deviations()[:5]  # response_schema, 2 keys
    new_one = make_deviation("timestamps", Severity.ERROR, "$.x", title="Naive timestamp")
    baseline = run_results((*shared, old_only, old_only))
    current = run_results((*shared, new_one))

    comparison = compare(baseline, current, label="old/results.json")

    assert comparison.baseline == "old/results.json"
    assert comparison.new == (new_one.key,)
    assert comparison.persisting == tuple(dict.fromkeys(d.key for d in shared))
    assert comparison.fixed == (old_only,)  # one per key


def test_volatile_values_do_not_make_a_deviation_new() -> None:
    before = make_deviation("response_schema", Severity.ERROR, "$.payload.items[0].id", case_id="a")
    after = replace(
        before, path="$.payload.items[7].id", case_id="zz", actual="other", detail="other", seed=9
    )
    comparison = compare(run_results((before,)), run_results((after,)), label="b")
    assert comparison.new == () and comparison.fixed == ()
    assert comparison.persisting == (after.key,)


def test_gate_with_a_baseline_fails_only_on_new_deviations_at_or_above_threshold() -> None:
    persisting = make_deviation("response_schema", Severity.ERROR, "$.a")
    new_info = make_deviation("undocumented_fields", Severity.INFO, "$.b")
    baseline = run_results((persisting,))
    current = run_results((persisting, new_info))
    compared = current.with_baseline(compare(baseline, current, label="b"))
    assert compared.verdict == "pass"
    new_error = make_deviation("semantic_echo", Severity.ERROR, "$.c")
    current = run_results((persisting, new_info, new_error))
    compared = current.with_baseline(compare(baseline, current, label="b"))
    assert compared.gating() == (new_error,)
