"""Normalisation and comparison, unit-tested on hand-built exchanges and on two real mocks."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from conformance.contract.specfile import load_spec
from conformance.engine.generation.cases import GenerationOptions, generate_cases
from conformance.engine.profiles import AuthConfig, Profile, mock_profile
from conformance.engine.run.differential import compare, map_case, normalise
from conformance.engine.sending.client import TargetClient
from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer
from conformance.model.cases import Case, Expectation
from conformance.model.deviations import Severity
from conformance.model.exchange import Exchange, RecordedRequest, RecordedResponse

CASE = Case(id="positive-0001", phase="positive", kind="valid send", expectation=Expectation.SUCCESS)
SIDES = ("sandbox", "production")


def exchange(
    body: Any, *, status: int = 200, content_type: str = "application/json", query: Any = ()
) -> Exchange:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = RecordedRequest(
        "POST", "http://127.0.0.1:1", "/rest/sms", tuple(query), (("X-Auth-Token", "s3cret"),)
    )
    response = RecordedResponse(status, {"content-type": content_type}, raw, 3.0)
    return Exchange(case=CASE, request=request, response=response)


def payload(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uuid": "6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
        "type": "smso",
        "state": "created",
        "from": "12017771234",
        "to": 14155550100,
        "message": "hello",
        "thread": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "delivered": False,
        "automated": False,
        "tn": {"tn": 12017771234, "created_on": "2023-01-04T07:52:58.127Z", "deleted_on": None},
        "created_on": "2026-05-01T12:00:00.123Z",
    }
    body.update(changes)
    return {"success": True, "payload": body}


def test_volatile_values_become_placeholders_and_types_stay() -> None:
    shape = normalise(exchange(payload()))
    members = {path: (m.type, m.value) for path, m in shape.members.items()}
    assert members["$.payload.uuid"] == ("string", "<uuid>")
    assert members["$.payload.thread"] == ("string", "<thread>")
    assert members["$.payload.created_on"] == ("string", "<timestamp>")
    assert members["$.payload.tn.created_on"] == ("string", "<timestamp>")
    assert members["$.payload.to"] == ("integer", "<echo>")
    assert members["$.payload.tn.tn"] == ("integer", "<echo>")
    assert members["$.payload.message"] == ("string", "<echo>")
    assert members["$.payload.type"] == ("string", '"smso"')
    assert members["$.payload.delivered"] == ("boolean", "false")
    assert members["$.payload.tn.deleted_on"] == ("null", "<null>")
    assert (shape.status, shape.media_type, shape.body) == (200, "application/json", "json")


def test_different_ids_threads_times_and_echoes_are_no_difference() -> None:
    other = payload(
        uuid="11111111-2222-4333-8444-555555555555",
        thread="ffffffffffffffffffffffffffffffff",
        created_on="2030-01-01T00:00:00.999Z",
        to=16175550199,
        message="another text",
    )
    assert compare(CASE, exchange(payload()), exchange(other), sides=SIDES) == []


def test_error_messages_echoing_the_request_are_compared_without_the_echo() -> None:
    a = exchange(
        {"success": False, "status": 404, "message": "TN 12017771234 not leased"},
        status=404,
        query=(("FROM", "12017771234"),),
    )
    b = exchange(
        {"success": False, "status": 404, "message": "TN 12013046585 not leased"},
        status=404,
        query=(("FROM", "12013046585"),),
    )
    assert compare(CASE, a, b, sides=SIDES) == []


def test_a_different_error_message_is_a_warning_naming_both_sides() -> None:
    a = exchange({"success": False, "status": 404, "message": "not found"}, status=404)
    b = exchange({"success": False, "status": 404, "message": "gone"}, status=404)
    [deviation] = compare(CASE, a, b, sides=SIDES, secrets=("s3cret",), seed=9)
    assert deviation.severity is Severity.WARNING
    assert (deviation.title, deviation.path) == ("Error message text differs between targets", "$.message")
    assert (deviation.expected, deviation.actual) == ("not found", "gone")
    assert "sandbox" in deviation.detail and "production" in deviation.detail
    assert deviation.other_response["target"] == "sandbox" and deviation.response["target"] == "production"
    assert deviation.seed == 9 and deviation.check == "differential"
    assert "s3cret" not in msgspec.json.encode(deviation).decode() and "REDACTED" in deviation.curl


def test_a_missing_member_is_reported_once_at_its_top() -> None:
    body = payload()
    del body["payload"]["tn"]
    found = compare(CASE, exchange(payload()), exchange(body), sides=SIDES)
    assert [(d.title, d.path, d.expected, d.actual) for d in found] == [
        ("Body shape differs between targets", "$.payload.tn", "present", "absent")
    ]


def test_a_success_and_an_error_differ_only_in_status() -> None:
    error = exchange({"success": False, "status": 400, "message": "Validation failed"}, status=400)
    found = compare(CASE, exchange(payload()), error, sides=SIDES)
    assert [(d.title, d.expected, d.actual) for d in found] == [
        ("Status code differs between targets", "200", "400")
    ]


def test_a_transport_error_on_one_side_is_one_difference() -> None:
    broken = Exchange(case=CASE, request=exchange({}).request, response=None, error="ReadTimeout: slow")
    [deviation] = compare(CASE, exchange(payload()), broken, sides=SIDES)
    assert deviation.title == "Only one target answered"
    assert deviation.response == {"target": "production", "error": "ReadTimeout: slow"}


def test_charset_parameters_do_not_count_as_a_content_type_difference() -> None:
    a = exchange(payload(), content_type="application/json")
    b = exchange(payload(), content_type="application/json; charset=utf-8")
    assert compare(CASE, a, b, sides=SIDES) == []


def test_cases_map_to_the_other_sides_senders_and_destinations() -> None:
    auth = AuthConfig("header", "T")
    a = Profile("a", "http://127.0.0.1:1", auth, ("12017771234", "12013046585"), ("14155550100",))
    b = Profile(
        "b", "http://127.0.0.1:2", auth, ("13125550111",), ("16175550199",), unleased_sender="13125550000"
    )
    case = Case(
        id="c",
        phase="p",
        kind="k",
        expectation=Expectation.SUCCESS,
        params={"FROM": "12013046585", "TO": "14155550100", "Message": "hi"},
    )
    assert map_case(case, a, b).params == {"FROM": "13125550111", "TO": "16175550199", "Message": "hi"}
    unleased = Case(
        id="u",
        phase="p",
        kind="k",
        expectation=Expectation.NOT_FOUND,
        params={"FROM": a.unleased_sender, "TO": "12ab"},
    )
    assert map_case(unleased, a, b).params == {"FROM": "13125550000", "TO": "12ab"}  # invalid TO kept
    stray = Case(id="s", phase="p", kind="k", expectation=Expectation.SUCCESS, params={"TO": "12125550123"})
    assert map_case(stray, a, b).params == {"TO": "16175550199"}  # B's allow-list always holds


def test_a_parameter_given_twice_has_every_value_mapped_to_the_other_side() -> None:
    auth = AuthConfig("header", "T")
    a = Profile("a", "http://127.0.0.1:1", auth, ("12017771234", "12013046585"), ("14155550100",))
    b = Profile("b", "http://127.0.0.1:2", auth, ("13125550111",), ("16175550199",))
    for first, second in (("14155550100", "12ab"), ("12ab", "14155550100")):
        case = Case(
            id="twice",
            phase="coverage",
            kind="TO given twice",
            expectation=Expectation.EITHER,
            params={"FROM": "12017771234", "TO": first, "Message": "hi"},
            extra_query=(("TO", second), ("FROM", "12013046585")),
        )
        mapped = map_case(case, a, b)
        b_numbers = {"14155550100": "16175550199", "12ab": "12ab", "12013046585": "13125550111"}
        assert mapped.query_values("TO") == (b_numbers[first], b_numbers[second])
        assert mapped.query_values("FROM") == ("13125550111", "13125550111")
        assert "14155550100" not in {v for _, v in (*mapped.params.items(), *mapped.extra_query)}
    untouched = Case(
        id="same", phase="p", kind="k", expectation=Expectation.SUCCESS, extra_query=(("TO", "12ab"),)
    )
    assert map_case(untouched, a, b) is untouched


@pytest.mark.parametrize("seeds", [(0, 1), (5, 99)])
def test_two_clean_mocks_with_different_seeds_give_the_same_shapes(seeds: tuple[int, int]) -> None:
    profile = mock_profile()
    cases = generate_cases(profile, load_spec(), GenerationOptions(seed=2, max_examples=4))
    token = "mock-normalise-token"
    with (
        MockServer(MockConfig(token=token, seed=seeds[0])) as a,
        MockServer(MockConfig(token=token, seed=seeds[1])) as b,
    ):
        client_a = TargetClient(a.url, token, timeout_s=10)
        client_b = TargetClient(b.url, token, timeout_s=10)
        try:
            pairs = [(case, client_a.send(case), client_b.send(case)) for case in cases]
        finally:
            client_a.close()
            client_b.close()
    uuids = {
        json.loads(x.response.body)["payload"]["uuid"]
        for _, x, _ in pairs
        if x.response and x.response.status == 200
    }
    other = {
        json.loads(y.response.body)["payload"]["uuid"]
        for _, _, y in pairs
        if y.response and y.response.status == 200
    }
    assert uuids and not uuids & other  # the raw ids really differ
    for case, x, y in pairs:
        assert normalise(x) == normalise(y), case.id
        assert compare(case, x, y, sides=SIDES) == []
