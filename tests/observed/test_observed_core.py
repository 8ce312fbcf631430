"""The observed core: traffic the suite did not generate, checked with the checks that apply (D38, D39).

Every exchange here comes from the real mock on 127.0.0.1, sent by httpx and wrapped as the wire saw
it. Each fault of the catalogue must be flagged in the traffic by its named check (or, for a check that
cannot apply to traffic, by nothing), and the clean mock must give nothing at all. That the severities
are ones ``run`` gives the same fault is proven next to the fault's one gate run, in
tests/engine/test_selftest.py (a gate per fault, not two).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import replace

import msgspec
import pytest
from hostile.hostile_server import token_forms
from support import untimed_mock

from conformance.checks import CHECKS, all_check_names
from conformance.contract.specfile import load_spec
from conformance.engine.profiles import MOCK_TOKEN_ENV, mock_profile
from conformance.engine.traffic.observed import ObservedChecker
from conformance.engine.traffic.observed_cases import APPLIES, Applies
from conformance.mock.faults import FAULTS, Fault
from conformance.model.deviations import Deviation, Severity
from conformance.model.redaction import REDACTED
from observed.wire import REQUESTS, TOKEN, observe, observed_run, served

CASELESS_FORMS = ("raw", "lower", "upper", "swapcase", "url", "hex")


def fired(deviations: tuple[Deviation, ...], check: str) -> set[Severity]:
    return {d.severity for d in deviations if d.check == check}


UNTIMED = untimed_mock()  # response_time is proven on traffic by the slow_responses fault below


@pytest.mark.slow  # generates cases: the drawing child is a process
def test_the_clean_mock_gives_no_deviation_and_every_request_is_classified() -> None:
    checker, _ = observed_run(profile=UNTIMED)
    results = checker.results(partial=False)
    assert [(d.check, d.title) for d in results.deviations] == []
    assert results.crashes == ()
    assert results.stats["observed"] == len(REQUESTS)
    assert results.stats["unclassified"] == 0
    assert results.stats["sent"] == 0
    assert results.verdict == "pass"


#: faults the fixed traffic cannot meet, and why
NOT_IN_THIS_TRAFFIC = {
    "shared_state_race": "it shows only with two requests in flight at once; the traffic is sequential",
    "auth_skipped_for_json_body": "the traffic sends the query form only, never a JSON body",
    "loose_sender_matching": "traffic classification cannot tell an unleased sender from one the profile "
    "does not list (D39), so such a request is not judged",
    "undocumented_carriers_accepted": "traffic classification reads the documented placements only, so a "
    "token in a cookie reads as no credentials (an error) where the run's matrix gives a warning (D57)",
}


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_each_fault_is_flagged_in_the_traffic_by_its_named_check(fault: Fault) -> None:
    """That ``run`` gives the same fault that check at these severities is proven beside the fault's one
    gate run, in tests/engine/test_selftest.py."""
    checker, _ = observed_run(fault.name)
    results = checker.results(partial=False)
    observed = fired(results.deviations, fault.check)
    if APPLIES[fault.check] is Applies.NEVER:
        assert observed == set(), f"{fault.check} cannot apply to traffic (D38) yet fired"
        return
    if fault.name in NOT_IN_THIS_TRAFFIC:
        return  # NOT_IN_THIS_TRAFFIC says why; the gate run catches it (tests/engine/test_auth_matrix.py)
    assert observed, f"{fault.name}: {fault.check} did not fire on the traffic; fired: " + ", ".join(
        sorted({d.check for d in results.deviations})
    )


def test_every_registered_check_says_whether_it_applies_to_traffic() -> None:
    assert set(APPLIES) == set(all_check_names())


def test_a_check_that_crashes_is_a_crash_record_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(ctx: object, exchange: object) -> Iterator[Deviation]:
        raise RuntimeError("boom")

    monkeypatch.setitem(CHECKS, "explodes", explode)
    checker, _ = observed_run("content_type_text")
    results = checker.results(partial=False)
    assert {c.check for c in results.crashes} == {"explodes"}
    assert len(results.crashes) == len(REQUESTS)
    assert fired(results.deviations, "content_type") == {Severity.ERROR}


def test_other_hosts_paths_methods_and_duplicates_are_counted_and_skipped() -> None:
    with served() as (server, client):
        checker = ObservedChecker(load_spec(), mock_profile(), token=TOKEN, base_url=server.url)
        exchange = observe(client, REQUESTS[0])
    port = server.url.rsplit(":", 1)[1]
    others = [
        replace(exchange, url=exchange.url.replace("127.0.0.1", "127.0.0.2")),
        replace(exchange, url=exchange.url.replace(f":{port}", ":1")),
        replace(exchange, url=exchange.url.replace("/rest/sms", "/rest/numbers")),
        replace(exchange, method="GET"),
    ]
    for other in others:
        assert not checker.relevant(other)
        assert checker.add(other) == ()
    assert checker.relevant(exchange)
    checker.add(exchange)
    checker.add(exchange)  # the same exchange twice (a file given twice): once
    stats = checker.results(partial=False).stats
    assert stats["observed"] == 1
    assert stats["skipped_by_reason"] == {
        "other host": 2,
        "other path": 1,
        "other method": 1,
        "duplicate exchange": 1,
    }


def test_without_the_profiles_token_a_refused_token_leaves_the_request_unclassified() -> None:
    checker, _ = observed_run("jwt_query_ignored", token=None)
    results = checker.results(partial=False)
    assert fired(results.deviations, "valid_data_rejected") == set()
    # the jwt query refused, the wrong token and the unsigned JWT
    assert results.stats["unclassified_by_reason"] == {"an unverifiable token was refused": 3}
    # the wrong-token requests are no longer known to be wrong: 401 withdraws them; no-credentials stays AUTH
    assert results.stats["expectations"]["auth"] == 1


def test_with_the_profiles_token_the_same_refusal_is_the_error_run_reports() -> None:
    checker, _ = observed_run("jwt_query_ignored")
    assert fired(checker.results(partial=False).deviations, "valid_data_rejected") == {Severity.ERROR}


def test_a_request_body_or_an_undocumented_parameter_is_judged_only_by_expectation_free_checks() -> None:
    with served("success_status_202") as (server, client):
        checker = ObservedChecker(load_spec(), mock_profile(), token=TOKEN, base_url=server.url)
        exchange = observe(client, REQUESTS[0])
    with_body = replace(exchange, request_body=b'{"from": "12017771234"}')
    with_param = replace(exchange, url=exchange.url + "&campaign=7")
    for variant in (with_body, with_param):
        assert [d.check for d in checker.add(variant)] == []  # status_documented needs the expectation
    assert [d.check for d in checker.add(exchange)] == ["status_documented"]
    reasons = checker.results(partial=False).stats["unclassified_by_reason"]
    assert reasons == {"request body (the JSON-body variants, D2)": 1, "undocumented parameter": 1}


def test_no_response_is_a_transport_deviation() -> None:
    with served() as (server, client):
        checker = ObservedChecker(load_spec(), mock_profile(), token=TOKEN, base_url=server.url)
        exchange = observe(client, REQUESTS[0])
    aborted = replace(exchange, status=None, response_headers=(), response_body=b"", error="upstream reset")
    assert [(d.check, d.severity) for d in checker.add(aborted)] == [("transport", Severity.ERROR)]


def test_results_can_be_taken_repeatedly_and_never_change_what_was_gathered() -> None:
    checker, _ = observed_run("uuid_from_content")
    first = checker.results(partial=True, partial_reason="still running")
    second = checker.results(partial=False)
    assert first.verdict == "incomplete" and second.verdict == "fail"
    assert msgspec.json.encode(first.deviations) == msgspec.json.encode(second.deviations)
    assert fired(second.deviations, "uuid_unique") == {Severity.ERROR}


def test_add_is_safe_from_several_threads() -> None:
    checker, seen = observed_run(profile=UNTIMED)
    fresh = ObservedChecker(load_spec(), UNTIMED, token=TOKEN, base_url=checker.base_url)
    threads = [
        threading.Thread(target=lambda part=part: [fresh.add(e) for e in part])
        for part in (seen[0::3], seen[1::3], seen[2::3])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    results = fresh.results(partial=False)
    assert results.stats["observed"] == len(REQUESTS)
    assert results.deviations == ()


def test_no_form_of_an_observed_or_profile_token_reaches_the_results(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MOCK_TOKEN_ENV, TOKEN)
    checker, _ = observed_run("error_success_true", "wrong_token_accepted", token=None)
    results = checker.results(partial=False)
    assert results.deviations, "the faults make deviations that carry the requests"
    assert REDACTED in json.dumps(results.to_dict())
    text = json.dumps(results.to_dict(), ensure_ascii=False)
    for token in (TOKEN, "not-the-token-" + "9" * 12):
        found = {
            form
            for form, value in token_forms(token).items()
            if re.search(re.escape(value), text, re.IGNORECASE if form in CASELESS_FORMS else 0)
        }
        assert found == set(), (token, found)
