"""The one parser of untrusted JSON: a depth scan whose steps grow with the size of the text (never
its square), strictness findings with their places (D51), a parse kept once per response (a failure
too), the strict_json check on a fault and on clean bodies, and output that never holds NaN."""

from __future__ import annotations

import gc
import json
import math
import tracemalloc
from dataclasses import replace
from pathlib import Path

import msgspec
import pytest
from engine.test_checks_unit import CTX, exchange, payload

import conformance.model.exchange as exchange_module
from conformance.checks import run_checks
from conformance.engine.traffic.files import TrafficFileError, read_traffic
from conformance.model.deviations import Severity
from conformance.model.jsontext import (
    DUPLICATE_MEMBER,
    MAX_FINDINGS,
    MAX_JSON_DEPTH,
    NON_JSON_NUMBER,
    NUMBER_OUT_OF_RANGE,
    JSONTooDeepError,
    ParsedJSON,
    depth_scan,
    dumps_strict,
    loads_bounded,
)
from conformance.model.results import load_results, results_text

MIB = 1_048_576

# texts of 1 MiB shaped against a depth scan: every character a bracket, a quote or an escape
HOSTILE = {
    "brackets then escaped quotes": "[" * 65 + '\\"' * ((MIB - 65) // 2),
    "closed brackets then an open string": "[" * 64 + "]" * 64 + '["' + '\\"' * ((MIB - 131) // 2),
    "empty strings": '"' * MIB,
    "brackets only": "[]" * (MIB // 2),
    "escaped backslashes": '["' + "\\\\" * ((MIB - 4) // 2) + '"]',
    "strings between brackets": '["",' * (MIB // 4),
}


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_the_depth_scan_takes_at_most_one_step_per_bracket(shape: str) -> None:
    text = HOSTILE[shape]
    brackets = sum(text.count(c) for c in "[]{}")
    deepest, steps = depth_scan(text)
    assert steps <= brackets + 1 <= len(text) + 1  # linear: at most one step per character
    assert deepest <= brackets


def test_the_depth_scan_skips_strings_and_honours_escapes() -> None:
    assert depth_scan('["[[[", {"a": "]]]{"}]')[0] == 2
    assert depth_scan('["\\"[[[", ["\\\\"]]')[0] == 2  # \" stays in the string, \\ ends with it
    assert depth_scan('[["unterminated [[[[')[0] == 2  # everything after an open quote is in the string
    assert depth_scan("")[0] == 0


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_a_hostile_mebibyte_is_refused_or_parsed_without_a_crash(shape: str) -> None:
    try:
        loads_bounded(HOSTILE[shape])
    except JSONTooDeepError as exc:
        assert exc.limit == MAX_JSON_DEPTH
    except ValueError:
        pass  # not JSON: refused as such


def test_non_json_numbers_and_repeated_members_are_findings_with_their_places() -> None:
    text = (
        '{"a": NaN, "b": [Infinity, -Infinity, 1e400, 2.5], "odd key": {"success": false, "x": 1, '
        '"success": true, "x": 2}}'
    )
    parsed = loads_bounded(text)
    found = {(f.kind, f.path, f.text) for f in parsed.findings}
    assert found == {
        (NON_JSON_NUMBER, "$.a", "NaN"),
        (NON_JSON_NUMBER, "$.b[0]", "Infinity"),
        (NON_JSON_NUMBER, "$.b[1]", "-Infinity"),
        (NUMBER_OUT_OF_RANGE, "$.b[2]", "1e400"),
        (DUPLICATE_MEMBER, '$["odd key"].success', "success"),
        (DUPLICATE_MEMBER, '$["odd key"].x', "x"),
    }
    assert dict(parsed.finding_counts) == {NON_JSON_NUMBER: 3, NUMBER_OUT_OF_RANGE: 1, DUPLICATE_MEMBER: 2}
    assert math.isnan(parsed.value["a"]) and parsed.value["b"] == [math.inf, -math.inf, math.inf, 2.5]
    assert parsed.value["odd key"] == {"success": True, "x": 2}  # read as Python reads it: the last value


def test_a_strict_body_has_no_findings() -> None:
    parsed = loads_bounded(json.dumps(payload()))
    assert parsed.findings == () and parsed.finding_counts == ()
    assert loads_bounded('{"n": 1.7976931348623157e308, "s": "NaN"}').findings == ()


def test_findings_are_all_counted_and_the_first_few_kept() -> None:
    parsed = loads_bounded("[" + ",".join(["NaN"] * 100_000) + "]")
    assert parsed.count(NON_JSON_NUMBER) == 100_000
    assert [f.path for f in parsed.findings] == [f"$[{i}]" for i in range(MAX_FINDINGS)]


def test_lone_surrogates_are_replaced_and_counted_alongside_findings() -> None:
    parsed = loads_bounded('{"k\\ud800": [NaN, "v\\udfff"], "k\\ud800": 1}')
    assert parsed.lone_surrogates == 1  # the kept member's key (the repeated one is dropped with its value)
    assert parsed.value == {"k\ufffd": 1}
    assert [(f.kind, f.path) for f in parsed.findings] == [(DUPLICATE_MEMBER, '$["k\ufffd"]')]
    assert parsed.count(NON_JSON_NUMBER) == 1


def test_a_response_is_parsed_once_and_a_failure_is_kept_too(monkeypatch: pytest.MonkeyPatch) -> None:
    good = exchange(200, payload()).response
    bad = exchange(200, b'{"success": tru').response
    assert good is not None and bad is not None
    assert good.parsed() is good.parsed()
    parses: list[str] = []

    def counted(text: str) -> ParsedJSON:
        parses.append(text)
        return loads_bounded(text)

    monkeypatch.setattr(exchange_module, "loads_bounded", counted)
    with pytest.raises(json.JSONDecodeError) as first:
        bad.parsed()
    with pytest.raises(json.JSONDecodeError) as second:
        bad.json()
    assert len(parses) == 1  # the body was not parsed twice: the failure is kept and raised again
    assert (str(first.value), first.value.lineno, first.value.pos) == (
        str(second.value),
        second.value.lineno,
        second.value.pos,
    )
    assert first.value.doc == ""  # the kept error holds no copy of the body
    cut = replace(bad, body=b'{"success": true}')  # a changed body is parsed afresh
    assert cut.json() == {"success": True}


def test_a_failed_parse_keeps_nothing_of_the_body_once_the_response_is_dropped() -> None:
    """The kept error holds no decoded text (not in a ``JSONDecodeError``'s ``doc``, not in the frames of the
    ``StopIteration`` it was raised during), and raising it again makes no cycle through the response:
    a megabyte body that is not JSON is freed as soon as its response is, without the garbage collector."""
    gc.disable()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        response = exchange(200, b" " * MIB).response  # "Expecting value": raised during a StopIteration
        assert response is not None
        for _ in range(3):
            with pytest.raises(ValueError):
                response.json()
        del response
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.enable()
    assert after - before < 100_000, f"{after - before} bytes still held"


def _strict(body: bytes, status: int = 200) -> list[tuple[str, Severity, str]]:
    deviations, crashes = run_checks(CTX, exchange(status, body), ["strict_json"])
    assert crashes == []
    return [(d.title, d.severity, d.path) for d in deviations]


def test_strict_json_reports_each_kind_once_at_its_severity() -> None:
    body = json.dumps(payload()).replace('"delivered": false', '"delivered": false, "price": NaN')
    assert _strict(body.encode()) == [
        ("Response body holds NaN or Infinity, which is not JSON", Severity.ERROR, "$.payload.price")
    ]
    twice = b'{"success": false, ' + json.dumps(payload()).encode()[1:]
    assert _strict(twice) == [("Response body names a member twice", Severity.ERROR, "$.success")]
    big = json.dumps(payload()).replace('"to": 14155550100', '"to": 1e400')
    assert _strict(big.encode()) == [
        ("Response body holds a number beyond the double range", Severity.WARNING, "$.payload.to")
    ]


def test_strict_json_follows_the_body_severity_of_an_inferred_status() -> None:
    assert CTX.contract.inferred(401)
    body = b'{"success": false, "status": 401, "message": "Unauthorized", "status": 401}'
    assert _strict(body, 401) == [("Response body names a member twice", Severity.WARNING, "$.status")]


def test_strict_json_is_silent_on_strict_bodies_and_leaves_broken_ones_to_json_body() -> None:
    assert _strict(json.dumps(payload()).encode()) == []
    assert _strict(b'{"success": false, "status": 400, "message": "x", "fields": {}}', 400) == []
    assert _strict(b'{"success": tru') == []
    assert _strict(b"") == []
    assert _strict(("[" * 65 + '\\"' * 100).encode()) == []


def test_written_results_never_hold_nan_or_infinity() -> None:
    recorded = load_results(Path(__file__).parents[1] / "fixtures" / "results_v1_main_5106d4e.json")
    results = replace(
        recorded, duration_s=math.inf, stats={"max_latency_ms": math.nan, "x": [-math.inf, 1.5]}
    )
    text = results_text(results.to_file())
    decoded = msgspec.json.decode(text)  # a strict parser: NaN or Infinity would be refused
    assert decoded["run"]["duration_s"] is None
    assert decoded["stats"] == {"max_latency_ms": None, "x": [None, 1.5]}
    assert dumps_strict({"a": 1.5}) == json.dumps({"a": 1.5})


def test_a_recorded_non_finite_time_is_written_as_null() -> None:
    response = exchange(200, payload()).response
    assert response is not None
    assert replace(response, elapsed_ms=math.inf).to_dict(())["elapsed_ms"] is None


@pytest.mark.parametrize(
    ("member", "where"),
    [('"time": Infinity', "$.log.entries[0].time"), ('"time": 1, "time": 2', "$.log.entries[0].time")],
)
def test_a_traffic_file_that_is_not_strict_json_is_refused_naming_the_place(
    tmp_path: Path, member: str, where: str
) -> None:
    har = tmp_path / "traffic.har"
    har.write_text('{"log": {"version": "1.2", "entries": [{' + member + "}]}}", encoding="utf-8")
    with pytest.raises(TrafficFileError) as refused:
        list(read_traffic(har))
    message = str(refused.value)
    assert where in message and "not strict JSON" in message and str(har) in message
