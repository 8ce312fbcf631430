"""Distinct problems: deviations folded by check, title and index-folded path, worst first."""

from __future__ import annotations

from conformance.model.deviations import Deviation, Severity
from conformance.model.problems import against_baseline, distinct_problems, problem_id


def d(
    check: str,
    title: str,
    path: str,
    *,
    severity: Severity = Severity.ERROR,
    case: str = "c",
    phase: str = "p",
) -> Deviation:
    return Deviation(
        check=check, severity=severity, title=title, detail="", path=path, case_id=case, phase=phase
    )


def test_one_problem_per_check_title_and_folded_path_whatever_the_phase_or_case() -> None:
    deviations = [
        d("response_schema", "`a` is missing", "$.a", case="positive-1", phase="positive"),
        d("response_schema", "`a` is missing", "$.a", case="boundaries-9", phase="boundaries"),
        d("error_envelope", "bad field", "$.fields[0].message", case="negative-2"),
        d("error_envelope", "bad field", "$.fields[4].message", severity=Severity.WARNING, case="negative-3"),
        d("response_schema", "`b` is missing", "$.b", severity=Severity.INFO),
    ]
    problems = distinct_problems(deviations)
    assert [(p.check, p.path, p.count, p.severity, p.first_case_id) for p in problems] == [
        ("error_envelope", "$.fields[*].message", 2, Severity.ERROR, "negative-2"),  # ties: by check
        ("response_schema", "$.a", 2, Severity.ERROR, "positive-1"),
        ("response_schema", "$.b", 1, Severity.INFO, "c"),
    ]
    assert len(problems[1].keys) == 2, "two phases: two deviation keys, one problem"
    assert problem_id(deviations[2]) == problem_id(deviations[3])


def test_against_a_baseline_problems_are_new_persisting_or_fixed() -> None:
    kept = d("response_schema", "`a` is missing", "$.a")
    gone = d("content_type", "not json", "$")
    half = d("status_documented", "202", "$", phase="positive")
    now = distinct_problems(
        [kept, d("json_body", "cut off", "$"), d("status_documented", "202", "$", phase="x")]
    )
    split = against_baseline(now, persisting_keys=[kept.key], fixed=[gone, half])
    assert [p.check for p in split.persisting] == ["response_schema"]
    assert sorted(p.check for p in split.new) == ["json_body", "status_documented"]
    assert [p.check for p in split.fixed] == ["content_type"], "a problem still present is not fixed"


def test_no_deviations_no_problems() -> None:
    assert distinct_problems([]) == ()
