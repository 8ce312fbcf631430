"""The mock with faults behind the proxy: the client's answers are the mock's, the mock got exactly the
client's requests, and the proxy's report flags every fault with the check and severity `run` gives it;
the clean mock behind the same proxy gives no deviation at all."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from proxy_support import TOKEN_HEADERS
from support import run_cli

from conformance.mock.config import DEFAULT_TOKEN
from conformance.mock.faults import FAULTS

pytestmark = pytest.mark.slow

SENDER, DEST, UNLEASED = "12017771234", "14155550100", "15555550100"
TOKEN_ENV = "PROXY_TEST_TOKEN"
# per-exchange faults the fixed request list below reaches, one or more per check
FAULT_SET = (
    "to_as_string",  # response_schema, a warning (D7 variant)
    "missing_thread",  # response_schema, an error
    "extra_field",  # undocumented_fields, info
    "echo_to_drops_country_code",  # semantic_echo
    "state_not_created",  # message_state
    "error_success_true",  # error_envelope
    "auth_not_enforced",  # auth_enforced
    "accept_letters_in_to",  # negative_data_accepted
    "unleased_sender_500",  # rejection_status
)
CHECK_OF = {f.name: f.check for f in FAULTS}
REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("POST", f"/rest/sms?FROM={SENDER}&TO={DEST}&Message=hello%20world", TOKEN_HEADERS),
    ("POST", f"/rest/sms?FROM={SENDER}&TO={DEST}&Message=again&jwt={DEFAULT_TOKEN}", {}),
    ("POST", f"/rest/sms?FROM={SENDER}&TO=qwerty123456789&Message=letters", TOKEN_HEADERS),
    ("POST", f"/rest/sms?FROM={SENDER}&TO={DEST}", TOKEN_HEADERS),  # Message missing
    ("POST", f"/rest/sms?FROM={SENDER}&TO={DEST}&Message=no%20credentials", {}),
    ("POST", f"/rest/sms?FROM={UNLEASED}&TO={DEST}&Message=unleased", TOKEN_HEADERS),
    ("GET", "/health", {}),  # not POST /rest/sms: forwarded, counted, not checked
]


def _profile(path: Path, url: str) -> Path:
    path.write_text(
        f"name: proxied-mock\nbase_url: {url}\nauth: {{method: header, token_env: {TOKEN_ENV}}}\n"
        f"senders: ['{SENDER}', '12013046585']\nunleased_sender: '{UNLEASED}'\ntimeout_s: 10\n",
        encoding="utf-8",
    )
    return path


def _through_proxy(tmp_path: Path, capturing_mock, start_proxy, faults: frozenset[str]):
    mock, seen = capturing_mock(faults)
    report = tmp_path / f"report-{len(faults)}"
    proxy = start_proxy(
        "--upstream",
        mock.url,
        "--port",
        "0",
        "--profile",
        str(_profile(tmp_path / "p.yaml", mock.url)),
        "--report-dir",
        str(report),
        "--max-exchanges",
        str(len(REQUESTS)),
        env={TOKEN_ENV: DEFAULT_TOKEN},
    )
    with httpx.Client(base_url=proxy.url, timeout=20) as client:
        answers = [client.request(m, p, headers=h) for m, p, h in REQUESTS]
    code = proxy.wait()
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    return answers, seen, code, results, proxy


def _pairs(results: dict[str, object]) -> set[tuple[str, str]]:
    return {(d["check"], d["severity"]) for d in results["deviations"]}  # type: ignore[index,attr-defined]


def test_the_proxy_flags_each_fault_with_the_check_and_severity_run_gives_it(
    tmp_path: Path,
    capturing_mock,
    start_proxy,
) -> None:
    answers, seen, code, results, proxy = _through_proxy(
        tmp_path, capturing_mock, start_proxy, frozenset(FAULT_SET)
    )
    assert len(seen.api_requests()) == len(REQUESTS)  # nothing added, nothing retried
    assert all(a.matches(r) for a, r in zip(seen.answers, answers, strict=True))  # the mock's own bytes
    assert code == 1, proxy.stderr()
    assert results["run"]["verdict"] == "fail" and results["run"]["partial"] is False
    assert results["stats"]["proxy_forwarded"] == len(REQUESTS)
    assert results["stats"]["skipped"] == 1  # GET /health
    gate = run_cli(
        "run",
        "--profile",
        "mock",
        *[a for f in FAULT_SET for a in ("--fault", f)],
        "--report-dir",
        str(tmp_path / "run"),
        "--max-examples",
        "2",
        "--quiet",
        *[a for p in ("examples", "auth", "not_found", "negative", "positive") for a in ("--phase", p)],
        cwd=tmp_path,
    )
    assert gate.returncode == 1, gate.stderr
    by_run = _pairs(json.loads((tmp_path / "run" / "results.json").read_text(encoding="utf-8")))
    by_proxy = _pairs(results)
    for fault in FAULT_SET:
        check = CHECK_OF[fault]
        mine = {pair for pair in by_proxy if pair[0] == check}
        assert mine, f"{fault}: the proxy did not flag {check}"
        assert mine <= {pair for pair in by_run if pair[0] == check}, (fault, mine, by_run)
    assert by_proxy <= by_run  # nothing the gate would not say about the same target


def test_the_clean_mock_behind_the_proxy_gives_no_deviation(
    tmp_path: Path, capturing_mock, start_proxy
) -> None:
    answers, seen, code, results, proxy = _through_proxy(tmp_path, capturing_mock, start_proxy, frozenset())
    assert [a.status_code for a in answers] == [200, 200, 400, 400, 401, 404, 404]
    assert len(seen.api_requests()) == len(REQUESTS)
    assert results["deviations"] == [] and results["crashes"] == []
    assert results["stats"]["observed"] == 6
    assert code == 0, proxy.stderr()
