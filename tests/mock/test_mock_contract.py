"""The clean mock answers POST /rest/sms exactly as the spec documents it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from conformance.contract.schemas import load_contract
from conformance.mock.config import DEFAULT_TOKEN
from conformance.mock.server import MockServer

VALID = {"FROM": "12017771234", "TO": "14155550100", "Message": "Hello world"}
AUTH = {"X-Auth-Token": DEFAULT_TOKEN}
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def send(http: httpx.Client, params: dict[str, str], headers: dict[str, str] | None = None) -> httpx.Response:
    return http.post("/rest/sms", params=params, headers=AUTH if headers is None else headers)


def assert_documented(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert list(load_contract().validate(status, body)) == []
    return body


def payload_members() -> set[str]:
    schema = load_contract().document["components"]["schemas"]["SmsPayload"]
    return set(schema["properties"])


def test_a_valid_send_answers_200_with_exactly_the_documented_payload(client: httpx.Client) -> None:
    payload = assert_documented(send(client, VALID), 200)["payload"]
    assert set(payload) == payload_members()
    assert payload["type"] == "smso"
    assert payload["state"] == "created"
    assert payload["from"] == "12017771234"
    assert payload["to"] == 14155550100
    assert payload["message"] == "Hello world"
    assert payload["delivered"] is False and payload["automated"] is False
    assert uuid.UUID(payload["uuid"]).version == 4 and payload["uuid"] == payload["uuid"].lower()
    assert re.fullmatch(r"[0-9a-f]{32}", payload["thread"])
    assert payload["created_on"] == payload["modified_on"] == "2026-05-01T12:00:00.123Z"
    tn = payload["tn"]
    assert tn["tn"] == 12017771234 and tn["deleted_on"] is None
    assert tn["created_on"] < payload["created_on"]


def test_the_success_status_201_answers_type_smsr(start_mock: Callable[..., MockServer]) -> None:
    server = start_mock(success_status=201)
    with httpx.Client(base_url=server.url) as http:
        payload = assert_documented(send(http, VALID), 201)["payload"]
    assert payload["type"] == "smsr"


def test_timestamps_follow_the_wall_clock_by_default(start_mock: Callable[..., MockServer]) -> None:
    server = start_mock(clock=None)
    before = datetime.now(UTC)
    with httpx.Client(base_url=server.url) as http:
        payload = assert_documented(send(http, VALID), 200)["payload"]
    created = datetime.strptime(payload["created_on"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC) + timedelta(seconds=1)
    for stamp in (payload["created_on"], payload["modified_on"], payload["tn"]["created_on"]):
        assert TIMESTAMP.fullmatch(stamp)
    assert payload["tn"]["created_on"] < payload["created_on"]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        pytest.param(
            {**VALID, "TO": "qwerty123456789"},
            {"params.to": {"message": "invalid integer number", "value": "qwerty123456789"}},
            id="letters-in-to",
        ),
        pytest.param(
            {**VALID, "FROM": "+12017771234"},
            {"params.from": {"message": "invalid integer number", "value": "+12017771234"}},
            id="plus-in-from",
        ),
        pytest.param(
            {**VALID, "TO": "١٤١٥٥٥٥٠١٠٠"},
            {"params.to": {"message": "invalid integer number", "value": "١٤١٥٥٥٥٠١٠٠"}},
            id="arabic-indic-digits",
        ),
        pytest.param(
            {**VALID, "TO": "-14155550100"},
            {"params.to": {"message": "invalid integer number", "value": "-14155550100"}},
            id="negative",
        ),
        pytest.param(
            {**VALID, "TO": "1415 555 0100"},
            {"params.to": {"message": "invalid integer number", "value": "1415 555 0100"}},
            id="spaces",
        ),
        pytest.param(
            {**VALID, "TO": "12"},
            {"params.to": {"message": "invalid integer number", "value": "12"}},
            id="too-short",
        ),
        pytest.param(
            {**VALID, "TO": "1" * 16},
            {"params.to": {"message": "invalid integer number", "value": "1" * 16}},
            id="too-long",
        ),
        pytest.param(
            {**VALID, "Message": ""},
            {"params.message": {"message": "should not be empty", "value": ""}},
            id="empty-message",
        ),
        pytest.param(
            {**VALID, "Message": "x" * 919},
            {"params.message": {"message": "must be at most 918 characters", "value": "x" * 919}},
            id="message-919",
        ),
        pytest.param(
            {},
            {
                "params.from": {"message": "is required", "value": None},
                "params.to": {"message": "is required", "value": None},
                "params.message": {"message": "is required", "value": None},
            },
            id="all-missing",
        ),
        pytest.param(
            {"FROM": "abc", "TO": "14155550100", "Message": ""},
            {
                "params.from": {"message": "invalid integer number", "value": "abc"},
                "params.message": {"message": "should not be empty", "value": ""},
            },
            id="two-problems-at-once",
        ),
    ],
)
def test_invalid_parameters_answer_400_naming_every_bad_field(
    client: httpx.Client, params: dict[str, str], fields: dict[str, Any]
) -> None:
    body = assert_documented(send(client, params), 400)
    assert body == {
        "success": False,
        "message": "Validation failed",
        "status": 400,
        "meta": "POST /rest/sms",
        "fields": fields,
    }


def test_a_message_of_918_code_points_is_sent(client: httpx.Client) -> None:
    text = "👋" * 918  # 918 code points, 3672 UTF-8 bytes
    payload = assert_documented(send(client, {**VALID, "Message": text}), 200)["payload"]
    assert payload["message"] == text


def test_an_unleased_sender_answers_the_documented_404(client: httpx.Client) -> None:
    body = assert_documented(send(client, {**VALID, "FROM": "12017770000"}), 404)
    assert body == {"success": False, "status": 404, "message": "TNLease and SMSCampaign not found"}


def test_validation_comes_before_the_lease_check(client: httpx.Client) -> None:
    assert_documented(send(client, {"FROM": "12017770000", "TO": "x", "Message": "hi"}), 400)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        pytest.param({}, "Unauthorized", id="no-credentials"),
        pytest.param({"X-Auth-Token": ""}, "Unauthorized", id="empty-header"),
        pytest.param({"X-Auth-Token": "wrong"}, "Invalid token", id="wrong-header-token"),
        pytest.param({"Authorization": "Bearer wrong"}, "Invalid token", id="wrong-bearer"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, "Invalid token", id="basic-scheme"),
    ],
)
def test_missing_or_wrong_credentials_answer_401(
    client: httpx.Client, headers: dict[str, str], message: str
) -> None:
    body = assert_documented(send(client, VALID, headers), 401)
    assert body == {"success": False, "status": 401, "message": message}


def test_a_wrong_jwt_query_parameter_answers_401(client: httpx.Client) -> None:
    body = assert_documented(send(client, {**VALID, "jwt": "wrong"}, {}), 401)
    assert body["message"] == "Invalid token"


def test_auth_is_checked_before_validation(client: httpx.Client) -> None:
    assert_documented(send(client, {"TO": "letters"}, {}), 401)


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        pytest.param(VALID, {"X-Auth-Token": DEFAULT_TOKEN}, id="x-auth-token"),
        pytest.param(VALID, {"x-auth-TOKEN": DEFAULT_TOKEN}, id="header-name-any-case"),
        pytest.param({**VALID, "jwt": DEFAULT_TOKEN}, {}, id="jwt-query"),
        pytest.param(VALID, {"Authorization": f"Bearer {DEFAULT_TOKEN}"}, id="bearer"),
        pytest.param(VALID, {"Authorization": f"bearer {DEFAULT_TOKEN}"}, id="bearer-any-case"),
    ],
)
def test_every_documented_token_placement_is_accepted(
    client: httpx.Client, params: dict[str, str], headers: dict[str, str]
) -> None:
    assert_documented(send(client, params, headers), 200)


def test_non_ascii_text_is_echoed_exactly(client: httpx.Client) -> None:
    text = "Привет 👋 ñ"
    payload = assert_documented(send(client, {**VALID, "Message": text}), 200)["payload"]
    assert payload["message"] == text


def test_lowercase_parameter_names_are_accepted(client: httpx.Client) -> None:
    params = {"from": "12013046585", "to": "14155550100", "message": "lower"}
    payload = assert_documented(send(client, params), 200)["payload"]
    assert (payload["from"], payload["to"], payload["message"]) == ("12013046585", 14155550100, "lower")


def test_canonical_names_win_over_lowercase_aliases(client: httpx.Client) -> None:
    params = {**VALID, "from": "99", "to": "x", "message": ""}
    payload = assert_documented(send(client, params), 200)["payload"]
    assert payload["from"] == VALID["FROM"] and payload["message"] == VALID["Message"]


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(
            {
                "to": "14155550100",
                "tn": 12013046585,
                "message": "Hello body",
                "custom_callback_url": "https://endpoint",
            },
            id="s3-tn-message",
        ),
        pytest.param({"from": "12013046585", "to": "14155550100", "text": "Hello body"}, id="s2-from-text"),
    ],
)
def test_documented_json_bodies_are_read_when_the_query_is_empty(
    client: httpx.Client, document: dict[str, Any]
) -> None:
    response = client.post("/rest/sms", json=document, headers=AUTH)
    payload = assert_documented(response, 200)["payload"]
    assert (payload["from"], payload["to"], payload["message"]) == ("12013046585", 14155550100, "Hello body")


def test_the_query_wins_over_a_json_body(client: httpx.Client) -> None:
    document = {"from": "12013046585", "to": "19998887777", "text": "from the body"}
    response = client.post("/rest/sms", params=VALID, json=document, headers=AUTH)
    payload = assert_documented(response, 200)["payload"]
    assert payload["from"] == VALID["FROM"] and payload["message"] == VALID["Message"]


def test_a_json_body_is_validated_like_the_query(client: httpx.Client) -> None:
    document = {"tn": 12013046585, "to": "J Smith", "message": "hi"}  # the S3 example's recipient
    response = client.post("/rest/sms", json=document, headers=AUTH)
    body = assert_documented(response, 400)
    assert body["fields"] == {"params.to": {"message": "invalid integer number", "value": "J Smith"}}


def sent_uuids(server: MockServer, count: int) -> list[str]:
    with httpx.Client(base_url=server.url) as http:
        return [send(http, VALID).json()["payload"]["uuid"] for _ in range(count)]


def test_the_same_seed_gives_the_same_uuids(start_mock: Callable[..., MockServer]) -> None:
    first = sent_uuids(start_mock(seed=7), 3)
    assert first == sent_uuids(start_mock(seed=7), 3)
    assert len(set(first)) == 3
    assert first != sent_uuids(start_mock(seed=8), 3)


def test_reset_restores_the_freshly_seeded_state(client: httpx.Client) -> None:
    first = send(client, VALID).json()["payload"]["uuid"]
    client.post("/_mock/reset", headers=AUTH).raise_for_status()
    assert send(client, VALID).json()["payload"]["uuid"] == first


def test_a_thread_is_stable_per_number_pair(client: httpx.Client) -> None:
    one = send(client, VALID).json()["payload"]["thread"]
    again = send(client, {**VALID, "Message": "second"}).json()["payload"]["thread"]
    other = send(client, {**VALID, "TO": "14155550199"}).json()["payload"]["thread"]
    assert one == again != other


def test_sent_messages_are_listed_over_http(client: httpx.Client) -> None:
    sent = send(client, {**VALID, "Message": "Привет"}).json()["payload"]
    send(client, {**VALID, "TO": "nope"})  # rejected: counted, not stored
    listing = client.get("/_mock/messages", headers=AUTH)
    assert listing.status_code == 200 and listing.headers["content-type"] == "application/json"
    payload = listing.json()["payload"]
    assert payload["total"] == 1 and payload["requests"] == 2
    [message] = payload["data"]
    assert message["uuid"] == sent["uuid"] and message["message"] == "Привет"
    assert message["payload"] == sent


def test_the_message_list_needs_the_token(client: httpx.Client) -> None:
    assert client.get("/_mock/messages").status_code == 401
    assert client.post("/_mock/reset").status_code == 401


def test_sent_messages_are_visible_in_process(client: httpx.Client, mock_server: MockServer) -> None:
    sent = send(client, VALID).json()["payload"]
    assert [message.uuid for message in mock_server.store.messages()] == [sent["uuid"]]
    assert mock_server.app.state.store is mock_server.store


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nowhere", 404), ("GET", "/rest/sms", 405), ("DELETE", "/_mock/messages", 405)],
)
def test_routing_errors_are_json_too(client: httpx.Client, method: str, path: str, status: int) -> None:
    response = client.request(method, path, headers=AUTH)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["status"] == status
