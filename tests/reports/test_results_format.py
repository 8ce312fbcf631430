"""results.json version 2: each exchange's evidence stored once, version 1 still read (D44)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from builders import CANARY, REDACTED, faulty_results

from conformance.commands.cli import main
from conformance.model.redaction import Redactor
from conformance.model.results import (
    RESULTS_SCHEMA_VERSION,
    BaselineComparison,
    ResultsError,
    inline_exchanges,
    load_results,
)

# written by `opentact-conformance run --profile mock --seed 0 --max-examples 1 --fault missing_thread
# --fault to_as_string` on main 5106d4e (results format 1), its deviations cut to the first 6 cases
V1_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "results_v1_main_5106d4e.json"


def _v1() -> dict[str, object]:
    data: dict[str, object] = json.loads(V1_FILE.read_text(encoding="utf-8"))
    return data


def test_a_results_file_of_version_1_written_by_main_is_read_with_every_field() -> None:
    loaded = load_results(V1_FILE)
    raw = _v1()["deviations"]
    assert isinstance(raw, list) and len(loaded.deviations) == len(raw) == 12
    for deviation, item in zip(loaded.deviations, raw, strict=True):
        assert deviation.key == item["key"]
        assert deviation.request == item["request"] and deviation.response == item["response"]
        assert deviation.curl == item["curl"] and deviation.curl.startswith("curl ")


def test_version_2_stores_each_exchange_once_and_reads_back_the_same_deviations(tmp_path: Path) -> None:
    original = load_results(V1_FILE)
    path = tmp_path / "results.json"
    original.write(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema_version"] == RESULTS_SCHEMA_VERSION == 2
    cases = {d.case_id for d in original.deviations}
    assert len(data["exchanges"]) == len(cases) == 6 < len(data["deviations"]) == 12
    assert all("request" not in d and isinstance(d["exchange"], int) for d in data["deviations"])
    again = load_results(path)
    assert again.deviations == original.deviations
    assert [d.key for d in again.deviations] == [d.key for d in original.deviations]
    # one object per exchange in memory too: the deviations of a case share its request and response
    by_case = {}
    for deviation in again.deviations:
        first = by_case.setdefault(deviation.case_id, deviation)
        assert deviation.request is first.request and deviation.response is first.response
    # and tools without the model still see every deviation with its evidence
    assert [d["request"] for d in inline_exchanges(data)] == [d.request for d in original.deviations]


def test_a_written_file_reads_back_as_the_same_results(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    written = faulty_results()
    written.write(path)
    again = load_results(path)
    assert again.deviations and again == written
    assert [d.key for d in again.deviations] == [d.key for d in written.deviations]
    assert again.to_dict() == written.to_dict() == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("where", "value", "named"),
    [
        (("run", "seed"), "seven", "$.run.seed"),
        (("deviations", 0, "severity"), "fatal", "$.deviations[0].severity"),
        (("deviations", 0, "exchange"), "3", "$.deviations[0].exchange"),
        (("exchanges", 0, "curl"), ["curl"], "$.exchanges[0].curl"),
    ],
)
def test_a_field_of_the_wrong_type_is_an_error_naming_its_json_path(
    tmp_path: Path, where: tuple[str | int, ...], value: object, named: str
) -> None:
    path = tmp_path / "results.json"
    faulty_results().write(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    parent = data
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = value
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ResultsError, match="missing or has a malformed field") as refused:
        load_results(path)
    assert named in str(refused.value) and str(path) in str(refused.value)
    assert "\n" not in str(refused.value)  # one paragraph


def test_free_form_parts_nested_past_the_limit_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    faulty_results().write(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    deep: object = "x"
    for _ in range(40):
        deep = {"a": deep}
    data["stats"]["deep"] = deep
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ResultsError, match=r"nested at least \d+ levels deep; the limit is 32"):
        load_results(path)


def test_fixed_deviations_of_a_baseline_share_the_same_exchanges_table(tmp_path: Path) -> None:
    results = faulty_results()
    fixed = results.deviations[:2]
    compared = results.with_baseline(BaselineComparison("old.json", new=(), persisting=(), fixed=fixed))
    path = tmp_path / "results.json"
    compared.write(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert all(isinstance(d["exchange"], int) for d in data["baseline"]["fixed"])
    again = load_results(path)
    assert again.baseline is not None and again.baseline.fixed == fixed


def test_a_reference_to_a_missing_exchange_is_a_one_paragraph_error(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    faulty_results().write(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["deviations"][0]["exchange"] = len(data["exchanges"]) + 5
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ResultsError, match=r"missing or has a malformed field .*exchange"):
        load_results(path)


def test_an_exchange_nested_past_the_limit_is_refused_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    faulty_results().write(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    deep: object = "x"
    for _ in range(50):
        deep = [deep]
    data["exchanges"][0]["request"]["headers"] = {"x": deep}
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ResultsError, match="not a results file of this tool"):
        load_results(path)


def test_redaction_reaches_the_exchanges_table(tmp_path: Path) -> None:
    results = faulty_results()
    leaky = replace(
        results.deviations[0],
        request={**results.deviations[0].request, "body": f'{{"token": "{CANARY}"}}'},
        curl=f"curl -H 'X-Auth-Token: {CANARY}'",
    )
    path = tmp_path / "results.json"
    replace(results, deviations=(leaky, *results.deviations[1:])).redacted(Redactor([CANARY])).write(path)
    text = path.read_text(encoding="utf-8")
    assert CANARY not in text
    exchange = json.loads(text)["exchanges"][0]
    assert REDACTED in exchange["request"]["body"] and REDACTED in exchange["curl"]


def test_report_diff_and_history_read_both_versions(tmp_path: Path) -> None:
    new = tmp_path / "new" / "results.json"
    load_results(V1_FILE).write(new)
    assert main(["report", str(V1_FILE), "--out", str(tmp_path / "old-out")]) == 0
    assert main(["report", str(V1_FILE), str(new), "--out", str(tmp_path / "compared")]) == 0
    assert main(["report", "--history", str(V1_FILE), str(new), "--out", str(tmp_path / "h")]) == 0
    page = (tmp_path / "old-out" / "report.html").read_text(encoding="utf-8")
    assert "payload.thread" in page
    assert (tmp_path / "compared" / "report.html").is_file() and (tmp_path / "h" / "history.html").is_file()
