"""check-traffic reads its inputs strictly: numbers that are not finite, statuses that are no HTTP status,
bodies that are not the base64 they claim, custom ``_`` fields of any shape and files too large for a run.
Each fault is refused (exit 2, one paragraph naming the file and the field) or, for an entry the reader
cannot decode, counted and named without blaming the target; each beside a clean file that passes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from support import run_cli

from conformance.engine.traffic.files import MAX_TRAFFIC_ENTRIES, MAX_TRAFFIC_FILE_BYTES
from observed.wire import REQUESTS, observe, served, to_har

pytestmark = pytest.mark.slow  # starts the CLI or the embedded mock as processes


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    """A HAR (base64 bodies) of three valid sends to the clean mock on 127.0.0.1."""
    with served() as (_server, client):
        seen = [observe(client, request) for request in REQUESTS[:3]]
    return to_har(seen, base64_bodies=True)


def _write(tmp_path: Path, document: dict[str, Any], name: str = "app.har") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, allow_nan=True), encoding="utf-8")
    return path


def _check(tmp_path: Path, *files: Path) -> tuple[int, str, str, dict[str, Any] | None]:
    report_dir = tmp_path / f"out-{len(list(tmp_path.glob('out-*')))}"  # a fresh one per call
    done = run_cli("check-traffic", *(str(f) for f in files), "--report-dir", str(report_dir), cwd=tmp_path)
    out = report_dir / "results.json"
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return done.returncode, done.stdout, done.stderr, data


def _refused(tmp_path: Path, path: Path, *words: str) -> None:
    code, stdout, stderr, data = _check(tmp_path, path)
    assert code == 2, stdout + stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr  # one paragraph
    assert str(path) in stderr and all(word in stderr for word in words), stderr
    assert data is None


def test_the_clean_recording_passes_with_nothing_skipped(tmp_path: Path, recorded: dict[str, Any]) -> None:
    code, stdout, stderr, data = _check(tmp_path, _write(tmp_path, recorded))
    assert code == 0, stdout + stderr
    assert data is not None and data["stats"]["observed"] == 3
    assert data["stats"]["skipped_entries"] == [] and "not readable" not in stdout


@pytest.mark.parametrize("number", ["Infinity", "-Infinity", "NaN", "1e400"])
@pytest.mark.parametrize("field", ["time", "size"])
def test_a_number_that_is_not_finite_is_refused(
    tmp_path: Path, recorded: dict[str, Any], number: str, field: str
) -> None:
    document = copy.deepcopy(recorded)
    entry = document["log"]["entries"][1]
    (entry if field == "time" else entry["response"]["content"])[field] = "@NUMBER@"
    path = tmp_path / "app.har"
    path.write_text(json.dumps(document).replace('"@NUMBER@"', number), encoding="utf-8")
    where = "$.log.entries[1].time" if field == "time" else "$.log.entries[1].response.content.size"
    _refused(tmp_path, path, where, "not strict JSON")  # refused by the strict parser, naming the place (D51)


def test_elapsed_ms_that_is_not_finite_in_a_results_file_is_refused(
    tmp_path: Path, recorded: dict[str, Any]
) -> None:
    document = copy.deepcopy(recorded)
    document["log"]["entries"][0]["response"]["headers"] = []  # no Content-Type: a deviation with exchange
    code, _, stderr, data = _check(tmp_path, _write(tmp_path, document))
    assert code == 1 and data is not None, stderr
    fed = tmp_path / "fed.json"
    fed.write_text(json.dumps(data), encoding="utf-8")
    assert _check(tmp_path, fed)[0] == 1  # read back as it is: the same deviation
    first = data["deviations"][0]
    stored = data["exchanges"][first["exchange"]] if "exchange" in first else first  # results v2 or v1
    stored["response"]["elapsed_ms"] = float("inf")
    fed.write_text(json.dumps(data, allow_nan=True), encoding="utf-8")
    _refused(tmp_path, fed, "elapsed_ms", "not strict JSON")


@pytest.mark.parametrize("status", [99999, 99, 600, -5])
def test_a_status_outside_100_to_599_is_refused(
    tmp_path: Path, recorded: dict[str, Any], status: int
) -> None:
    document = copy.deepcopy(recorded)
    document["log"]["entries"][2]["response"]["status"] = status
    _refused(tmp_path, _write(tmp_path, document), "$.log.entries[2].response.status", "100-599")


def test_status_0_is_still_an_entry_without_a_response(tmp_path: Path, recorded: dict[str, Any]) -> None:
    document = copy.deepcopy(recorded)
    document["log"]["entries"][2]["response"]["status"] = 0
    code, stdout, stderr, data = _check(tmp_path, _write(tmp_path, document))
    assert code == 1 and data is not None and data["stats"]["observed"] == 3, stdout + stderr
    assert {d["check"] for d in data["deviations"]} == {"transport"}


@pytest.mark.parametrize("garbage", ["!!!! not base64 ????", "eyJzdWNjZXNzIjp0cnVl}", "Zm9v=YmFy"])
def test_a_body_that_is_not_base64_is_counted_and_named_never_blamed_on_the_target(
    tmp_path: Path, recorded: dict[str, Any], garbage: str
) -> None:
    document = copy.deepcopy(recorded)
    document["log"]["entries"][1]["response"]["content"]["text"] = garbage
    path = _write(tmp_path, document)
    code, stdout, stderr, data = _check(tmp_path, path)
    assert code == 0, stdout + stderr
    assert data is not None and data["deviations"] == []  # no "Empty response body" of the target
    where = "$.log.entries[1].response.content.text"
    reason = "response body is not valid base64 (encoding: base64)"
    assert data["stats"]["skipped_entries"] == [{"file": str(path), "entry": where, "reason": reason}]
    assert data["stats"]["observed"] == 2 and data["stats"]["skipped_by_reason"] == {reason: 1}
    assert f"not readable, not judged: {path} {where}: {reason}" in stdout


def test_base64_wrapped_over_lines_or_without_padding_is_read(
    tmp_path: Path, recorded: dict[str, Any]
) -> None:
    document = copy.deepcopy(recorded)
    content = document["log"]["entries"][0]["response"]["content"]
    text = content["text"].rstrip("=")
    content["text"] = "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    code, stdout, stderr, data = _check(tmp_path, _write(tmp_path, document))
    assert code == 0 and data is not None, stdout + stderr
    assert data["stats"]["observed"] == 3 and data["stats"]["skipped_entries"] == []


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"_inner": [value]}
    return value


def test_a_deep_custom_field_is_ignored(tmp_path: Path, recorded: dict[str, Any]) -> None:
    document = copy.deepcopy(recorded)
    document["log"]["entries"][0]["_custom"] = _nested(35)  # 70 levels: objects and arrays
    document["log"]["entries"][1]["response"]["_error"] = _nested(35)
    document["log"]["_tool"] = {"_x": _nested(60)}
    code, stdout, stderr, data = _check(tmp_path, _write(tmp_path, document))
    assert code == 0, stdout + stderr
    assert data is not None and data["stats"]["observed"] == 3 and data["deviations"] == []


def test_a_file_nested_deeper_than_the_limit_is_refused_naming_it(
    tmp_path: Path, recorded: dict[str, Any]
) -> None:
    document = copy.deepcopy(recorded)
    document["log"]["entries"][0]["_custom"] = _nested(200)  # 400 levels
    _refused(tmp_path, _write(tmp_path, document), "nested too deeply", "256")


def _many(recorded: dict[str, Any], count: int) -> dict[str, Any]:
    entry = recorded["log"]["entries"][0]
    return {"log": {"version": "1.2", "entries": [entry] * count}}


def test_a_file_with_more_entries_than_a_run_reads_is_refused(
    tmp_path: Path, recorded: dict[str, Any]
) -> None:
    path = _write(tmp_path, _many(recorded, MAX_TRAFFIC_ENTRIES + 1))
    _refused(tmp_path, path, f"{MAX_TRAFFIC_ENTRIES + 1:,} entries", f"at most {MAX_TRAFFIC_ENTRIES:,}")


def test_files_with_more_entries_together_than_a_run_reads_are_refused(
    tmp_path: Path, recorded: dict[str, Any]
) -> None:
    half = MAX_TRAFFIC_ENTRIES // 2 + 1
    first = _write(tmp_path, _many(recorded, half), "a.har")
    second = _write(tmp_path, _many(recorded, half), "b.har")
    code, stdout, stderr, data = _check(tmp_path, first, second)
    assert code == 2 and data is None, stdout + stderr
    assert f"2 traffic files: {2 * half:,} entries" in stderr and len(stderr.strip().splitlines()) == 1


def test_a_file_larger_than_a_run_reads_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.har"
    with path.open("wb") as handle:  # sparse: the size is there, the disk blocks are not
        handle.truncate(MAX_TRAFFIC_FILE_BYTES + 1)
    _refused(tmp_path, path, f"{MAX_TRAFFIC_FILE_BYTES + 1:,} bytes", f"at most {MAX_TRAFFIC_FILE_BYTES:,}")
