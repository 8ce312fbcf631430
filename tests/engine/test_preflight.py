"""The preflight (D56): the run's first valid send goes out first and alone. A refused token or an
unleased sender ends the run with exit 2 after exactly one request reached the server; any other answer
is judged as that case and the run sends what it would have sent without a preflight."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from conformance.commands.run import verdict_word
from conformance.contract.specfile import load_spec
from conformance.engine.generation.cases import GenerationOptions, generate_cases
from conformance.engine.run.preflight import WATCH_AFTER, AuthWatch, first_valid_send
from conformance.engine.run.runner import PreflightError, RunOptions, execute
from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer
from conformance.model.exchange import Exchange, RecordedRequest, RecordedResponse
from conformance.model.redaction import Redactor
from strategies.derived_tokens import derived_token_kinds

from .conftest import TOKEN, TOKEN_ENV
from .counting_target import counting_target
from .gate_runs import profile_file, run_gate, run_suite
from .test_budget import loopback_profile

pytestmark = pytest.mark.slow  # CLI runs in subprocesses

WRONG_TOKEN = "not-the-token-of-this-target-77"
UNLEASED_SENDER = "12025550199"  # not among the mock's leased senders
REFUSED = b'{"success": false, "status": 401, "message": "Unauthorized"}'
FORBIDDEN = b'{"success": false, "status": 403, "message": "Forbidden"}'
OK = b'{"success": true, "status": 200, "message": "ok", "data": {}}'


def _profile_file(tmp_path: Path, url: str, senders: str = "'12017771234'", name: str = "loopback") -> Path:
    return profile_file(tmp_path, url, name=name, senders=senders, extra="max_sends: 400\n")


def _run(tmp_path: Path, profile: Path, token: str = TOKEN) -> subprocess.CompletedProcess[str]:
    return run_gate(tmp_path, profile, token=token)


def _refused_at(tmp_path: Path, done: subprocess.CompletedProcess[str], *named: str) -> None:
    """Exit 2, one paragraph naming what to fix, nothing written, no secret shown."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for word in named:
        assert word in done.stderr
    assert TOKEN not in done.stderr + done.stdout and WRONG_TOKEN not in done.stderr + done.stdout
    assert not (tmp_path / "report" / "results.json").exists()  # no verdict: a configuration error


def test_a_refused_token_exits_2_after_one_request_at_the_server(tmp_path: Path) -> None:
    with MockServer(MockConfig(token=TOKEN)) as mock:
        done = _run(tmp_path, _profile_file(tmp_path, mock.url), token=WRONG_TOKEN)
        assert mock.store.request_count == 1
    _refused_at(tmp_path, done, TOKEN_ENV, "HTTP 401", "examples-")
    print(done.stderr)


def test_an_unleased_sender_exits_2_after_one_request_at_the_server(tmp_path: Path) -> None:
    with MockServer(MockConfig(token=TOKEN)) as mock:
        done = _run(tmp_path, _profile_file(tmp_path, mock.url, f"'{UNLEASED_SENDER}'"))
        assert mock.store.request_count == 1
    _refused_at(tmp_path, done, "'senders'", "HTTP 404", UNLEASED_SENDER, "TNLease and SMSCampaign not found")


@pytest.mark.parametrize(
    ("status", "body"),
    [(403, FORBIDDEN), (200, REFUSED)],  # a 403; the documented 401 envelope whatever the HTTP status
    ids=["http-403", "envelope-401"],
)
def test_the_other_authentication_refusals_exit_2_after_one_request(
    tmp_path: Path, status: int, body: bytes
) -> None:
    with counting_target(status, body) as (target, url):
        done = _run(tmp_path, _profile_file(tmp_path, url))
        assert target.requests == 1
    _refused_at(tmp_path, done, TOKEN_ENV, f"HTTP {status}")


def test_a_good_token_sends_exactly_what_the_plan_holds(token_env: str) -> None:
    """No request is added: the server counts what the run counts, and the run what it planned."""
    with MockServer(MockConfig(token=TOKEN)) as mock:
        profile = loopback_profile(mock, max_sends=2000)
        results = execute(RunOptions(profile=profile, max_examples=3))
        at_server = mock.store.request_count  # POST /rest/sms
        looked_up = mock.store.lookups  # the lifecycle phase's reads (GET /rest/sms/outbound/{uuid})
    plan = generate_cases(
        profile, load_spec(), GenerationOptions(max_examples=3, token_kinds=derived_token_kinds(TOKEN))
    )
    assert not results.partial, results.partial_reason
    sends = sum(p.sent for p in results.phases if p.name != "lifecycle")
    assert at_server == sends and at_server + looked_up == results.stats["sent"]
    assert looked_up == sum(p.sent for p in results.phases if p.name == "lifecycle")
    after = ("variants", "race", "repeats", "lifecycle")  # planned from the answers, not generated
    planned = {p.name: p.cases for p in results.phases if p.name not in after}
    assert planned == {phase: sum(1 for c in plan if c.phase == phase) for phase in planned}
    assert results.stats["cases"] == len(plan)
    first = plan[first_valid_send(plan, profile) or 0]
    assert results.stats["preflight"] == f"{first.id} (examples) sent first: HTTP 200"
    assert results.phases[0].name == "examples"


def test_an_unclassified_answer_goes_on_judged_as_its_case(tmp_path: Path) -> None:
    """A 500 is a vendor answer, not a configuration error: the run goes on and reports it."""
    with counting_target(500, b'{"success": false}') as (target, url):
        done = _run(tmp_path, _profile_file(tmp_path, url))
        assert done.returncode == 1, done.stderr
        at_server = target.requests
    results = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))
    assert at_server == results["stats"]["sent"] > 1
    assert results["stats"]["preflight"].endswith("sent first: HTTP 500")
    first = results["stats"]["preflight"].split(" ")[0]
    assert [d for d in results["deviations"] if d["case_id"] == first]  # judged as its case


def test_negative_only_sends_no_preflight(shared_mock: MockServer, token_env: str) -> None:
    results = execute(
        RunOptions(profile=loopback_profile(shared_mock, max_sends=500), max_examples=3, negative_only=True)
    )
    assert results.stats["preflight"] == "none: negative-only sends no valid request (D18)"
    assert results.stats["positive_total"] == 0
    # every planned case was sent, yet no valid request was: not a plain PASS either (D55)
    assert verdict_word(results).startswith("PASS (PARTIAL COVERAGE: ")
    assert "negative-only: no valid request planned" in verdict_word(results)


def test_a_token_refused_mid_run_stops_the_run(shared_mock: MockServer, token_env: str) -> None:
    """Accepted at first, then refused: WATCH_AFTER valid sends refused in a row stop the run."""
    with counting_target(200, OK, lambda n: (200, OK) if n <= 3 else (401, REFUSED)) as (target, url):
        profile = replace(loopback_profile(shared_mock, max_sends=2000), base_url=url)
        with pytest.raises(PreflightError, match=f"{WATCH_AFTER} valid requests in a row") as stopped:
            execute(RunOptions(profile=profile, max_examples=25))
        at_server = target.requests
    plan = generate_cases(profile, load_spec(), GenerationOptions(max_examples=25))
    print(f"stopped after {at_server} requests of {len(plan)} planned")
    assert at_server < len(plan) // 2
    assert TOKEN_ENV in str(stopped.value) and "The run stopped there." in str(stopped.value)


def _answer(case_exchange: Exchange, status: int) -> Exchange:
    body = REFUSED if status == 401 else OK
    return replace(case_exchange, response=RecordedResponse(status, {}, body, 1.0))


def test_the_watch_needs_refusals_in_a_row(shared_mock: MockServer) -> None:
    """Fed real exchanges: five refused valid sends in a row stop it; a 200 among them starts again."""
    profile = loopback_profile(shared_mock)
    plan = generate_cases(profile, load_spec(), GenerationOptions(max_examples=3))
    valid = plan[first_valid_send(plan, profile) or 0]
    exchange = Exchange(valid, RecordedRequest("POST", "http://127.0.0.1", "/rest/sms"), None)
    refused, mixed = AuthWatch(profile), AuthWatch(profile)
    assert [refused.see(_answer(exchange, 401), Redactor()) for _ in range(5)] == [False] * 4 + [True]
    statuses = (401, 401, 401, 401, 200, 401, 401, 401, 401)
    assert not any(mixed.see(_answer(exchange, s), Redactor()) for s in statuses)


def test_diff_names_the_side_whose_token_was_refused(tmp_path: Path) -> None:
    with MockServer(MockConfig(token=TOKEN)) as side_a, MockServer(MockConfig(token=WRONG_TOKEN)) as side_b:
        sides = (("side-a", side_a), ("side-b", side_b))
        profiles = [_profile_file(tmp_path, mock.url, name=name) for name, mock in sides]
        done = run_gate(tmp_path, profiles[0], "--profile", str(profiles[1]), command="diff")
        assert (side_a.store.request_count, side_b.store.request_count) == (1, 1)
    _refused_at(tmp_path, done, "side side-b:", TOKEN_ENV, "HTTP 401")


def test_pytest_ends_the_session_on_a_refused_token(tmp_path: Path) -> None:
    """One paragraph and exit 2, not one failure per phase test; one request reached the server."""
    with MockServer(MockConfig(token=TOKEN)) as mock:
        done = run_suite(tmp_path, _profile_file(tmp_path, mock.url), {TOKEN_ENV: WRONG_TOKEN})
        assert mock.store.request_count == 1
    output = done.stdout + done.stderr
    assert done.returncode == 2, output[-3000:]
    assert TOKEN_ENV in output and "HTTP 401" in output
    assert " failed" not in output and WRONG_TOKEN not in output
