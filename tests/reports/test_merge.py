"""Merging shards of one run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from builders import crash, faulty_deviations, run_results

from conformance.model.deviations import Severity
from conformance.model.results import PhaseStats, ResultsError, RunResults, load_results
from reports.baseline import compare
from reports.merge import MergeError, merge_results, merge_stats


def _shards() -> tuple[RunResults, RunResults]:
    deviations = faulty_deviations()
    first = run_results(
        deviations[::2],
        started_at="2025-11-24T20:00:05+00:00",
        finished_at="2025-11-24T20:00:40+00:00",
        duration_s=35.0,
        phases=(PhaseStats("positive", cases=20, sent=20, status_counts={"200": 20}),),
        stats={"requests": 100, "max_latency_ms": 50.0, "mock": True, "operations": ["POST /rest/sms"]},
        crashes=(crash("timestamps"),),
    )
    second = run_results(
        deviations[1::2],
        target=replace(first.target, base_url="http://127.0.0.1:9999"),
        started_at="2025-11-24T20:00:00+00:00",
        finished_at="2025-11-24T20:00:50+00:00",
        duration_s=50.0,
        phases=(
            PhaseStats("positive", cases=20, sent=19, skipped=1, status_counts={"200": 18, "202": 1}),
            PhaseStats("auth", cases=6, sent=6, status_counts={"401": 6}),
        ),
        stats={"requests": 64, "max_latency_ms": 88.0, "mock": False, "operations": ["POST /rest/sms"]},
        partial=True,
        partial_reason="shard 2 interrupted",
    )
    return first, second


def test_merging_is_independent_of_the_order_of_the_shards() -> None:
    first, second = _shards()
    assert merge_results([first, second]).to_dict() == merge_results([second, first]).to_dict()


def test_deviations_are_concatenated_in_a_stable_order() -> None:
    merged = merge_results(_shards())
    assert len(merged.deviations) == len(faulty_deviations())
    order = [(d.check, d.path, d.title, d.case_id, d.key) for d in merged.deviations]
    assert order == sorted(order)


def test_phases_stats_times_and_flags_are_combined() -> None:
    merged = merge_results(_shards())
    assert [(p.name, p.cases, p.sent, p.skipped) for p in merged.phases] == [
        ("positive", 40, 39, 1),
        ("auth", 6, 6, 0),
    ]
    assert merged.phases[0].status_counts == {"200": 38, "202": 1}
    assert merged.started_at == "2025-11-24T20:00:00+00:00"
    assert merged.finished_at == "2025-11-24T20:00:50+00:00"
    assert merged.duration_s == 50.0
    assert merged.partial and merged.partial_reason == "shard 2 interrupted"
    assert merged.stats["requests"] == 164
    assert merged.stats["max_latency_ms"] == 88.0
    assert merged.stats["mock"] is True
    assert merged.stats["operations"] == ["POST /rest/sms"]
    assert merged.stats["merged_shards"] == 2
    assert [c.check for c in merged.crashes] == ["timestamps"]
    assert merged.target.base_url == "http://127.0.0.1:9999"  # the earliest shard's


def test_merge_stats_sums_nested_counters() -> None:
    merged = merge_stats(
        [
            {"status": {"200": 2}, "min_ms": 5, "label": "a"},
            {"status": {"200": 3, "400": 1}, "min_ms": 2, "label": "b"},
        ]
    )
    assert merged == {"status": {"200": 5, "400": 1}, "min_ms": 2, "label": ["a", "b"]}


def test_shards_of_different_runs_are_refused() -> None:
    first, second = _shards()
    with pytest.raises(MergeError, match="seed 7 but part 1 used seed 4242"):
        merge_results([first, replace(second, seed=7)])
    with pytest.raises(MergeError, match="spec sha256"):
        merge_results([first, replace(second, spec={**second.spec, "sha256": "ff" * 32})])
    with pytest.raises(MergeError, match="--fail-on"):
        merge_results([first, replace(second, fail_on=Severity.INFO)])
    with pytest.raises(MergeError, match="no results files"):
        merge_results([])


def test_merge_error_is_a_results_error_and_a_value_error() -> None:
    assert issubclass(MergeError, ResultsError) and issubclass(MergeError, ValueError)


def test_baseline_comparisons_of_shards_merge_into_one() -> None:
    first, second = _shards()
    everything = faulty_deviations()
    gone = replace(everything[0], check="content_type", title="gone")
    baseline = run_results((*everything[:4], gone))
    merged = merge_results(
        [
            first.with_baseline(compare(baseline, first, label="b")),
            second.with_baseline(compare(baseline, second, label="b")),
        ]
    )
    whole = run_results(everything)
    expected = compare(baseline, whole, label="b")
    assert merged.baseline is not None
    assert set(merged.baseline.new) == set(expected.new)
    assert set(merged.baseline.persisting) == set(expected.persisting)
    assert merged.baseline.fixed == (gone,)


def test_shards_with_and_without_a_baseline_are_refused() -> None:
    first, second = _shards()
    with pytest.raises(MergeError, match="same baseline"):
        merge_results([first.with_baseline(compare(first, first, label="b")), second])


def test_merged_shards_list_the_union_of_the_coverage_classes_and_survive_a_round_trip(
    tmp_path: Path,
) -> None:
    def shard(classes: tuple[str, ...]) -> RunResults:
        phase = PhaseStats("coverage", cases=2, sent=2, status_counts={"200": 2}, classes=classes)
        return run_results((), phases=(phase,))

    merged = merge_results([shard(("text:crlf", "text:ucs2")), shard(("number:empty", "text:ucs2"))])
    (coverage,) = merged.phases
    assert coverage.classes == ("number:empty", "text:crlf", "text:ucs2")
    merged.write(tmp_path / "results.json")
    assert load_results(tmp_path / "results.json").phases == merged.phases
