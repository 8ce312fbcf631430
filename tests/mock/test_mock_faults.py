"""Each catalogued fault makes the mock deviate exactly as its description says, and only there.

Every probe sends the same requests to the clean module mock (reset: same seed, same clock) and
to a fresh mock with one fault on, then asserts the concrete deviation and that nothing else in
the answer differs.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

import strategies as sms
from conformance.mock.config import DEFAULT_SECOND_TOKEN, DEFAULT_TOKEN
from conformance.mock.fault_effects import (
    HTML_NOT_FOUND,
    IMPLEMENTED_FAULTS,
    SLOW_DELAY_SECONDS,
    SLOW_EVERY,
    FaultEffects,
)
from conformance.mock.faults import FAULTS, Fault, fault_names
from conformance.mock.server import MockServer
from conformance.model.jsontext import DUPLICATE_MEMBER, NON_JSON_NUMBER, loads_bounded

VALID = {"FROM": "12017771234", "TO": "14155550100", "Message": "Hello world"}
INVALID = {**VALID, "TO": "qwerty123456789"}
UNLEASED = {**VALID, "FROM": "12017770000"}
AUTH = {"X-Auth-Token": DEFAULT_TOKEN}


class Pair:
    """The clean mock and the faulty mock, asked the same things."""

    def __init__(self, clean: httpx.Client, faulty: httpx.Client) -> None:
        self.clean = clean
        self.faulty = faulty

    def send(
        self, params: dict[str, str], headers: dict[str, str] | None = None
    ) -> tuple[httpx.Response, httpx.Response]:
        chosen = AUTH if headers is None else headers
        return (
            self.clean.post("/rest/sms", params=params, headers=chosen),
            self.faulty.post("/rest/sms", params=params, headers=chosen),
        )


def differing_paths(left: Any, right: Any, path: str = "$") -> set[str]:
    """JSON paths where two documents differ (a member present on one side only counts)."""
    if isinstance(left, dict) and isinstance(right, dict):
        out: set[str] = set()
        for key in left.keys() | right.keys():
            if key not in left or key not in right:
                out.add(f"{path}.{key}")
            else:
                out |= differing_paths(left[key], right[key], f"{path}.{key}")
        return out
    if type(left) is not type(right) or left != right:
        return {path}
    return set()


def success_pair(pair: Pair, params: dict[str, str] = VALID) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both answers to a documented send: the clean one must be 200; both JSON."""
    clean, faulty = pair.send(params)
    assert clean.status_code == 200, clean.text
    return clean.json()["payload"], faulty.json()["payload"]


def only_payload_members_differ(pair: Pair, *members: str, params: dict[str, str] = VALID) -> dict[str, Any]:
    clean, faulty = pair.send(params)
    assert clean.status_code == faulty.status_code == 200, faulty.text
    assert faulty.headers["content-type"] == "application/json"
    assert differing_paths(clean.json(), faulty.json()) == {f"$.payload.{m}" for m in members}
    payload: dict[str, Any] = faulty.json()["payload"]
    return payload


# -- one probe per fault -------------------------------------------------------------------------


def probe_to_as_string(pair: Pair) -> None:
    assert only_payload_members_differ(pair, "to")["to"] == "14155550100"


def probe_uuid_malformed(pair: Pair) -> None:
    clean, faulty = success_pair(pair)
    assert only_payload_members_differ(pair, "uuid")
    assert faulty["uuid"] == clean["uuid"].replace("-", "").upper()
    assert len(faulty["uuid"]) == 32 and "-" not in faulty["uuid"]


def probe_missing_thread(pair: Pair) -> None:
    assert "thread" not in only_payload_members_differ(pair, "thread")


def probe_type_unknown(pair: Pair) -> None:
    assert only_payload_members_differ(pair, "type")["type"] == "sms"


def probe_delivered_as_string(pair: Pair) -> None:
    assert only_payload_members_differ(pair, "delivered")["delivered"] == "false"


def probe_timestamp_no_millis(pair: Pair) -> None:
    payload = only_payload_members_differ(pair, "created_on", "modified_on")
    assert payload["created_on"] == payload["modified_on"] == "2026-05-01T12:00:00Z"


def probe_extra_field(pair: Pair) -> None:
    assert "debug_route" in only_payload_members_differ(pair, "debug_route")


def probe_success_status_202(pair: Pair) -> None:
    clean, faulty = pair.send(VALID)
    assert (clean.status_code, faulty.status_code) == (200, 202)
    assert faulty.content == clean.content
    assert faulty.headers["content-type"] == "application/json"


def probe_validation_as_500(pair: Pair) -> None:
    clean, faulty = pair.send(INVALID)
    assert (clean.status_code, faulty.status_code) == (400, 500)
    assert faulty.json() == {**clean.json(), "status": 500}
    assert pair.faulty.post("/rest/sms", params=UNLEASED, headers=AUTH).status_code == 404


def probe_unleased_sender_500(pair: Pair) -> None:
    clean, faulty = pair.send(UNLEASED)
    assert (clean.status_code, faulty.status_code) == (404, 500)
    assert faulty.json() == {**clean.json(), "status": 500}
    assert pair.faulty.post("/rest/sms", params=INVALID, headers=AUTH).status_code == 400


def probe_content_type_text(pair: Pair) -> None:
    clean, faulty = pair.send(VALID)
    assert faulty.status_code == 200
    assert faulty.headers["content-type"].startswith("text/plain")
    assert faulty.content == clean.content
    rejected = pair.faulty.post("/rest/sms", params=INVALID, headers=AUTH)
    assert rejected.headers["content-type"] == "application/json"


def probe_html_error_page(pair: Pair) -> None:
    clean, faulty = pair.send(UNLEASED)
    assert clean.status_code == faulty.status_code == 404
    assert faulty.headers["content-type"].startswith("text/html")
    assert faulty.text == HTML_NOT_FOUND and "<h1>404 Not Found</h1>" in faulty.text
    rejected = pair.faulty.post("/rest/sms", params=INVALID, headers=AUTH)
    assert rejected.status_code == 400 and rejected.headers["content-type"] == "application/json"


def probe_truncated_json(pair: Pair) -> None:
    clean, faulty = pair.send(VALID)
    assert faulty.status_code == 200 and faulty.headers["content-type"] == "application/json"
    assert faulty.content == clean.content[: len(clean.content) // 2]
    with pytest.raises(ValueError):
        faulty.json()


def strict_findings(response: httpx.Response) -> list[tuple[str, str, str]]:
    return [(f.kind, f.path, f.text) for f in loads_bounded(response.text).findings]


def probe_nan_in_body(pair: Pair) -> None:
    clean, faulty = pair.send(VALID)
    assert faulty.status_code == 200 and b'"price":NaN' in faulty.content
    assert differing_paths(clean.json(), faulty.json()) == {"$.payload.price"}
    assert strict_findings(faulty) == [(NON_JSON_NUMBER, "$.payload.price", "NaN")]
    assert strict_findings(pair.faulty.post("/rest/sms", params=INVALID, headers=AUTH)) == []


def probe_duplicate_member(pair: Pair) -> None:
    clean, faulty = pair.send(VALID)
    assert faulty.content == b'{"success":false,' + clean.content[1:]
    assert faulty.json() == clean.json()  # Python keeps the last value: the fault hides from it
    assert strict_findings(faulty) == [(DUPLICATE_MEMBER, "$.success", "success")]
    assert strict_findings(pair.faulty.post("/rest/sms", params=INVALID, headers=AUTH)) == []


def probe_location_header(pair: Pair) -> None:
    clean, faulty = pair.send(VALID)
    assert clean.status_code == faulty.status_code == 200
    assert "location" not in clean.headers
    assert faulty.headers["location"] == f"/rest/sms/outbound/{faulty.json()['payload']['uuid']}"
    assert faulty.content == clean.content
    assert set(faulty.headers) - set(clean.headers) == {"location"}
    for params, headers in ((INVALID, AUTH), (UNLEASED, AUTH), (VALID, {})):
        rejected = pair.faulty.post("/rest/sms", params=params, headers=headers)
        assert rejected.status_code >= 400 and "location" not in rejected.headers


def probe_error_success_true(pair: Pair) -> None:
    for params, headers in ((INVALID, AUTH), (UNLEASED, AUTH), (VALID, {})):
        clean, faulty = pair.send(params, headers)
        assert clean.status_code == faulty.status_code >= 400
        assert differing_paths(clean.json(), faulty.json()) == {"$.success"}
        assert faulty.json()["success"] is True


def probe_error_status_mismatch(pair: Pair) -> None:
    for params, headers in ((INVALID, AUTH), (UNLEASED, AUTH), (VALID, {})):
        clean, faulty = pair.send(params, headers)
        assert clean.status_code == faulty.status_code >= 400
        assert differing_paths(clean.json(), faulty.json()) == {"$.status"}
        assert faulty.json()["status"] != faulty.status_code


def probe_validation_without_fields(pair: Pair) -> None:
    clean, faulty = pair.send(INVALID)
    assert clean.status_code == faulty.status_code == 400
    assert differing_paths(clean.json(), faulty.json()) == {"$.fields"}
    assert "fields" not in faulty.json()


def probe_auth_not_enforced(pair: Pair) -> None:
    clean, faulty = pair.send(VALID, {})
    assert (clean.status_code, faulty.status_code) == (401, 200)
    assert faulty.json()["payload"]["message"] == VALID["Message"]
    assert pair.faulty.post("/rest/sms", params=VALID, headers={"X-Auth-Token": "wrong"}).status_code == 401


def probe_wrong_token_accepted(pair: Pair) -> None:
    clean, faulty = pair.send(VALID, {"X-Auth-Token": "wrong"})
    assert (clean.status_code, faulty.status_code) == (401, 200)
    assert pair.faulty.post("/rest/sms", params=VALID).status_code == 401


def probe_jwt_query_ignored(pair: Pair) -> None:
    clean, faulty = pair.send({**VALID, "jwt": DEFAULT_TOKEN}, {})
    assert (clean.status_code, faulty.status_code) == (200, 401)
    assert faulty.json() == {"success": False, "status": 401, "message": "Unauthorized"}
    assert pair.faulty.post("/rest/sms", params=VALID, headers=AUTH).status_code == 200


def probe_requires_lowercase_names(pair: Pair) -> None:
    clean, faulty = pair.send(VALID)
    assert (clean.status_code, faulty.status_code) == (200, 400)
    assert set(faulty.json()["fields"]) == {"params.from", "params.to", "params.message"}
    lowercase = {name.lower(): value for name, value in VALID.items()}
    assert pair.faulty.post("/rest/sms", params=lowercase, headers=AUTH).status_code == 200


def probe_accept_letters_in_to(pair: Pair) -> None:
    clean, faulty = pair.send(INVALID)
    assert (clean.status_code, faulty.status_code) == (400, 200)
    assert isinstance(faulty.json()["payload"]["to"], int)
    still_rejected = pair.faulty.post("/rest/sms", params={**VALID, "TO": "+14155550100"}, headers=AUTH)
    assert still_rejected.status_code == 400


def probe_accept_empty_message(pair: Pair) -> None:
    clean, faulty = pair.send({**VALID, "Message": ""})
    assert (clean.status_code, faulty.status_code) == (400, 200)
    assert faulty.json()["payload"]["message"] == ""
    missing = pair.faulty.post("/rest/sms", params={"FROM": VALID["FROM"], "TO": VALID["TO"]}, headers=AUTH)
    assert missing.status_code == 400


def probe_unleased_sender_sends(pair: Pair) -> None:
    clean, faulty = pair.send(UNLEASED)
    assert (clean.status_code, faulty.status_code) == (404, 200)
    payload = faulty.json()["payload"]
    assert payload["from"] == UNLEASED["FROM"] and payload["tn"]["tn"] == int(UNLEASED["FROM"])


def probe_reject_long_message(pair: Pair) -> None:
    long_text = {**VALID, "Message": "x" * 161}
    clean, faulty = pair.send(long_text)
    assert (clean.status_code, faulty.status_code) == (200, 400)
    assert list(faulty.json()["fields"]) == ["params.message"]
    at_limit = pair.faulty.post("/rest/sms", params={**VALID, "Message": "x" * 160}, headers=AUTH)
    assert at_limit.status_code == 200


def probe_echo_non_ascii_mangled(pair: Pair) -> None:
    text = "Привет 👋 ñ"
    payload = only_payload_members_differ(pair, "message", params={**VALID, "Message": text})
    assert payload["message"] == text.encode("utf-8").decode("latin-1") != text
    only_payload_members_differ(pair)  # ASCII text is echoed intact


def probe_echo_to_drops_country_code(pair: Pair) -> None:
    assert only_payload_members_differ(pair, "to")["to"] == 4155550100
    only_payload_members_differ(pair, params={**VALID, "TO": "447700900123"})  # no leading 1: intact


def probe_tn_not_sender(pair: Pair) -> None:
    assert only_payload_members_differ(pair, "tn.tn")["tn"]["tn"] == 12017771235


def probe_state_not_created(pair: Pair) -> None:
    payload = only_payload_members_differ(pair, "state", "delivered")
    assert (payload["state"], payload["delivered"]) == ("success", True)


def probe_modified_before_created(pair: Pair) -> None:
    payload = only_payload_members_differ(pair, "modified_on")
    assert (payload["created_on"], payload["modified_on"]) == (
        "2026-05-01T12:00:00.123Z",
        "2026-05-01T11:59:59.123Z",
    )


def probe_stale_timestamps(pair: Pair) -> None:
    payload = only_payload_members_differ(pair, "created_on", "modified_on")
    assert payload["created_on"].startswith("2001-") and payload["modified_on"].startswith("2001-")
    assert re.fullmatch(r"2001-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", payload["created_on"])


def probe_slow_responses(pair: Pair) -> None:
    elapsed: list[float] = []
    for number in range(1, 12):
        params = VALID if number % 2 else UNLEASED  # every request counts, whatever its outcome
        started = time.monotonic()
        clean, faulty = pair.send(params)
        elapsed.append(time.monotonic() - started)
        assert faulty.status_code == clean.status_code
        assert faulty.content == clean.content
    # the 10th answer waited: a delay is never shorter than asked, so this bound holds under any load
    assert elapsed[SLOW_EVERY - 1] >= SLOW_DELAY_SECONDS
    # that only the 10th waits is the rule the app reads, not a race between timings of a loaded machine
    effects = FaultEffects(frozenset({"slow_responses"}))
    assert [number for number in range(1, 12) if effects.delay_seconds(number)] == [SLOW_EVERY]


def probe_uuid_from_content(pair: Pair) -> None:
    first = only_payload_members_differ(pair, "uuid")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first["uuid"])
    clean, again = pair.send(VALID)
    assert again.json()["payload"]["uuid"] == first["uuid"] != clean.json()["payload"]["uuid"]
    other = pair.faulty.post("/rest/sms", params={**VALID, "Message": "other"}, headers=AUTH)
    assert other.json()["payload"]["uuid"] != first["uuid"]


def probe_flaky_backend_500(pair: Pair) -> None:
    statuses = []
    for number in range(1, 9):
        clean, faulty = pair.send(VALID if number % 2 else INVALID)
        statuses.append(faulty.status_code)
        if number % 4:
            assert faulty.status_code == clean.status_code
        else:
            assert faulty.json() == {"success": False, "status": 500, "message": "Internal Server Error"}
    assert statuses == [200, 400, 200, 500, 200, 400, 200, 500]


def probe_thread_per_message(pair: Pair) -> None:
    first = only_payload_members_differ(pair, "thread")
    assert re.fullmatch(r"[0-9a-f]{32}", first["thread"])
    clean, again = pair.send(VALID)
    assert again.json()["payload"]["thread"] != first["thread"]
    assert clean.json()["payload"]["thread"] == success_pair(pair)[0]["thread"]  # clean: one thread per pair


def probe_lease_deleted(pair: Pair) -> None:
    assert (
        only_payload_members_differ(pair, "tn.deleted_on")["tn"]["deleted_on"] == "2026-04-30T12:00:00.123Z"
    )


def probe_automated_alternates(pair: Pair) -> None:
    only_payload_members_differ(pair)  # the first accepted send is documented
    assert only_payload_members_differ(pair, "automated")["automated"] is True
    only_payload_members_differ(pair)


def probe_local_time_as_utc(pair: Pair) -> None:
    payload = only_payload_members_differ(pair, "created_on", "modified_on")
    assert payload["created_on"] == payload["modified_on"] == "2026-05-01T14:00:00.123Z"


def probe_field_value_null(pair: Pair) -> None:
    clean, faulty = pair.send(INVALID)
    assert clean.status_code == faulty.status_code == 400
    assert differing_paths(clean.json(), faulty.json()) == {"$.fields.params.to.value"}
    assert faulty.json()["fields"]["params.to"] == {"message": "invalid integer number", "value": None}


def probe_missing_type(pair: Pair) -> None:
    assert "type" not in only_payload_members_differ(pair, "type")


def probe_missing_tn_deleted_on(pair: Pair) -> None:
    tn = only_payload_members_differ(pair, "tn.deleted_on")["tn"]
    assert set(tn) == {"tn", "created_on", "modified_on"}


def probe_from_as_number(pair: Pair) -> None:
    assert only_payload_members_differ(pair, "from")["from"] == 12017771234


def probe_state_outside_enum(pair: Pair) -> None:
    assert only_payload_members_differ(pair, "state")["state"] == "queued"


def probe_type_status_mismatch(pair: Pair) -> None:
    assert only_payload_members_differ(pair, "type")["type"] == "smsr"


def probe_automated_true(pair: Pair) -> None:
    assert only_payload_members_differ(pair, "automated")["automated"] is True


def probe_intermittent_500(pair: Pair) -> None:
    statuses = []
    for number in range(1, 15):
        clean, faulty = pair.send(VALID)
        statuses.append(faulty.status_code)
        if number % 7:
            assert faulty.status_code == clean.status_code == 200
    assert statuses[6] == statuses[13] == 500  # the 7th and 14th; the same request before and after: 200
    assert pair.faulty.post("/rest/sms", params=VALID, headers=AUTH).status_code == 200
    for number in range(16, 22):  # a refusal is never turned into a 500
        assert pair.faulty.post("/rest/sms", params=INVALID, headers=AUTH).status_code == 400, number


def probe_wrong_token_403(pair: Pair) -> None:
    clean, faulty = pair.send(VALID, {"X-Auth-Token": "wrong"})
    assert (clean.status_code, faulty.status_code) == (401, 403)
    assert faulty.json() == {"success": False, "status": 403, "message": "Forbidden"}
    assert pair.faulty.post("/rest/sms", params=VALID).status_code == 401  # no token at all: still 401


def probe_auth_401_empty(pair: Pair) -> None:
    for headers in ({}, {"X-Auth-Token": "wrong"}):
        clean, faulty = pair.send(VALID, headers)
        assert clean.status_code == faulty.status_code == 401
        assert clean.json()["status"] == 401 and faulty.content == b""
    assert pair.faulty.post("/rest/sms", params=INVALID, headers=AUTH).json()["status"] == 400


def probe_bearer_refused(pair: Pair) -> None:
    clean, faulty = pair.send(VALID, {"Authorization": f"Bearer {DEFAULT_TOKEN}"})
    assert (clean.status_code, faulty.status_code) == (200, 401)
    assert pair.faulty.post("/rest/sms", params=VALID, headers=AUTH).status_code == 200


def probe_requires_json_body(pair: Pair) -> None:
    clean, faulty = pair.send(VALID)
    assert (clean.status_code, faulty.status_code) == (200, 400)
    body = {"tn": int(VALID["FROM"]), "to": VALID["TO"], "message": VALID["Message"]}
    sent = pair.faulty.post("/rest/sms", json=body, headers=AUTH)
    assert sent.status_code == 200 and sent.json()["payload"]["message"] == VALID["Message"]


def probe_lenient_numbers(pair: Pair) -> None:
    for lenient in ("+14155550100", " 14155550100 ", "١٤١٥٥٥٥٠١٠٠", "0", "1415555010012345678"):
        clean, faulty = pair.send({**VALID, "TO": lenient})
        assert (clean.status_code, faulty.status_code) == (400, 200), lenient
    assert (
        pair.faulty.post("/rest/sms", params={**VALID, "TO": "+١٤١٥٥٥٥٠١٠٠"}, headers=AUTH).json()["payload"][
            "to"
        ]
        == 14155550100
    )
    for invalid in ("qwerty123456789", "14155550100abc", "", "1.5e10"):
        assert pair.faulty.post("/rest/sms", params={**VALID, "TO": invalid}, headers=AUTH).status_code == 400


def probe_leading_zeros_refused(pair: Pair) -> None:
    only_payload_members_differ(pair)  # a number starting 1-9: sent as before (first: uuids stay in step)
    for zeros in ("014155550100", "0014155550100"):
        clean, faulty = pair.send({**VALID, "TO": zeros})
        assert (clean.status_code, faulty.status_code) == (200, 400), zeros
        assert clean.json()["payload"]["to"] == 14155550100
        assert list(faulty.json()["fields"]) == ["params.to"]


def probe_message_length_in_utf16_units(pair: Pair) -> None:
    for fits in ("😀" * 459, "你" * 918):  # 918 units; 918 characters in the basic plane
        only_payload_members_differ(pair, params={**VALID, "Message": fits})
    clean, faulty = pair.send({**VALID, "Message": "😀" * 918})  # 918 characters, 1,836 UTF-16 units
    assert (clean.status_code, faulty.status_code) == (200, 400)
    assert list(faulty.json()["fields"]) == ["params.message"]


def probe_to_read_like_parseint(pair: Pair) -> None:
    only_payload_members_differ(pair)
    for spelling in ("14155550100abc", "14155550100.00", "14155550100 x"):
        clean, faulty = pair.send({**VALID, "TO": spelling})
        assert (clean.status_code, faulty.status_code) == (400, 200), spelling
        assert faulty.json()["payload"]["to"] == 14155550100  # the digits before the junk
    for invalid in ("qwerty123456789", "abc14155550100", "", "1.41555501e10", "1234567890123456"):
        assert pair.faulty.post("/rest/sms", params={**VALID, "TO": invalid}, headers=AUTH).status_code == 400


def probe_to_read_as_number(pair: Pair) -> None:
    only_payload_members_differ(pair)
    for spelling in ("1.41555501e10", "14155550100.0", "1.41555501E+10", " 14155550100 "):
        clean, faulty = pair.send({**VALID, "TO": spelling})
        assert (clean.status_code, faulty.status_code) == (400, 200), spelling
        assert faulty.json()["payload"]["to"] == 14155550100  # the same whole number
    for invalid in ("14155550100.5", "14155550100abc", "1e999999999", "qwerty123456789", "", "1.2e1"):
        assert pair.faulty.post("/rest/sms", params={**VALID, "TO": invalid}, headers=AUTH).status_code == 400


def probe_repeated_parameter_500(pair: Pair) -> None:
    only_payload_members_differ(pair)  # each parameter once: sent as before
    for repeated in ([*VALID.items(), ("TO", "qwerty123456789")], [*VALID.items(), ("Message", "again")]):
        clean = pair.clean.post("/rest/sms", params=repeated, headers=AUTH)
        faulty = pair.faulty.post("/rest/sms", params=repeated, headers=AUTH)
        assert clean.status_code in (200, 400) and faulty.status_code == 500
        assert faulty.json() == {"success": False, "status": 500, "message": "Internal Server Error"}
    clean, faulty = pair.send(INVALID)
    assert clean.status_code == faulty.status_code == 400


def probe_throttle_without_retry_after(pair: Pair) -> None:
    for number in range(1, 27):
        params = VALID if number % 2 else INVALID  # every request counts, whatever its outcome
        clean, faulty = pair.send(params)
        if number == 25:
            assert faulty.status_code == 429 and "retry-after" not in faulty.headers
            assert faulty.json() == {"success": False, "status": 429, "message": "Too Many Requests"}
        else:
            assert faulty.status_code == clean.status_code, number


# -- the life cycle: the lookup of a sent message (conformance.mock.life) ---------------------------

LOOKUP = "/rest/sms/outbound/{}"


def lookup(http: httpx.Client, uuid: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return http.get(LOOKUP.format(uuid), headers=AUTH if headers is None else headers)


def sent_uuid(pair: Pair, headers: dict[str, str] | None = None) -> str:
    """One documented send to both mocks (same seed: the same uuid); the uuid."""
    clean, faulty = pair.send(VALID, headers)
    assert clean.status_code == faulty.status_code == 200, faulty.text
    uuid: str = clean.json()["payload"]["uuid"]
    assert faulty.json()["payload"]["uuid"] == uuid
    return uuid


def read_until(http: httpx.Client, uuid: str, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Poll the lookup (no fixed sleep: the mock's life times are milliseconds) until ``done``."""
    deadline = time.monotonic() + 5.0
    while True:
        response = lookup(http, uuid)
        assert response.status_code == 200, response.text
        payload: dict[str, Any] = response.json()["payload"]
        if done(payload) or time.monotonic() > deadline:
            return payload


def delivered(payload: dict[str, Any]) -> bool:
    return payload["delivered"] is True and payload["state"] == "success"


def settled_lookups(pair: Pair) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both lookups of one send once the clean message is delivered (its last state)."""
    uuid = sent_uuid(pair)
    clean = read_until(pair.clean, uuid, delivered)
    assert delivered(clean)
    return clean, read_until(pair.faulty, uuid, delivered)


def probe_silent_drop(pair: Pair) -> None:
    from conformance.mock.life import DROP_AFTER

    uuids = [sent_uuid(pair) for _ in range(DROP_AFTER + 1)]
    assert lookup(pair.clean, uuids[-1]).status_code == 200
    assert lookup(pair.faulty, uuids[-1]).status_code == 404
    assert lookup(pair.faulty, uuids[DROP_AFTER - 1]).status_code == 200


def probe_stored_differs(pair: Pair) -> None:
    clean, faulty = settled_lookups(pair)
    assert differing_paths(clean, faulty) == {"$.message", "$.to"}
    assert faulty["message"] == "Hello world (edited)" and faulty["to"] == 14155550101


def probe_state_goes_back(pair: Pair) -> None:
    uuid = sent_uuid(pair)
    read_until(pair.faulty, uuid, lambda p: p["state"] == "success")
    states = [lookup(pair.faulty, uuid).json()["payload"]["state"] for _ in range(4)]
    assert set(states) == {"success", "sending"} and states[0] != states[1]
    assert {lookup(pair.clean, uuid).json()["payload"]["state"] for _ in range(2)} <= {"success"} | {
        read_until(pair.clean, uuid, delivered)["state"]
    }


def probe_delivered_early(pair: Pair) -> None:
    uuid = sent_uuid(pair)
    first = lookup(pair.faulty, uuid).json()["payload"]
    assert first["delivered"] is True and first["state"] in ("created", "sending")
    clean = read_until(pair.clean, uuid, delivered)
    faulty = read_until(pair.faulty, uuid, lambda p: p["state"] != "created")  # sent a moment after
    assert (faulty["state"], faulty["delivered"], clean["state"]) == ("sending", True, "success")


def probe_reference_id_missing(pair: Pair) -> None:
    clean, faulty = settled_lookups(pair)
    assert differing_paths(clean, faulty) == {"$.reference_id"}
    assert faulty["reference_id"] is None and len(clean["reference_id"]) == 22


def probe_modified_on_back(pair: Pair) -> None:
    clean, faulty = settled_lookups(pair)
    assert differing_paths(clean, faulty) == {"$.modified_on"}
    assert faulty["modified_on"] < faulty["created_on"] < clean["modified_on"]


def probe_lookup_without_auth(pair: Pair) -> None:
    uuid = sent_uuid(pair)
    assert lookup(pair.clean, uuid, {}).status_code == 401
    anonymous = lookup(pair.faulty, uuid, {})
    assert anonymous.status_code == 200 and anonymous.json()["payload"]["uuid"] == uuid
    assert lookup(pair.faulty, uuid, {"X-Auth-Token": "wrong"}).status_code == 401


def probe_foreign_message_readable(pair: Pair) -> None:
    second = {"X-Auth-Token": DEFAULT_SECOND_TOKEN}
    theirs, ours = sent_uuid(pair, second), sent_uuid(pair)
    for uuid, other in ((theirs, AUTH), (ours, second)):
        assert lookup(pair.clean, uuid, other).status_code == 404
        assert lookup(pair.faulty, uuid, other).status_code == 200
    owner = (lookup(pair.faulty, theirs, second), lookup(pair.clean, theirs, second))
    assert [response.status_code for response in owner] == [200, 200]


def probe_auth_skipped_for_json_body(pair: Pair) -> None:
    body = {"tn": int(VALID["FROM"]), "to": VALID["TO"], "message": VALID["Message"]}
    clean = pair.clean.post("/rest/sms", json=body)
    faulty = pair.faulty.post("/rest/sms", json=body)
    assert (clean.status_code, faulty.status_code) == (401, 200)
    assert faulty.json()["payload"]["message"] == VALID["Message"]
    assert pair.faulty.post("/rest/sms", params=VALID).status_code == 401  # the query form still asks


UNSIGNED_HEADER = base64.urlsafe_b64encode(b'{"alg":"none"}').decode().rstrip("=")


def _unsigned(claims: str) -> str:
    return f"{UNSIGNED_HEADER}.{claims}."


def probe_alg_none_accepted(pair: Pair) -> None:
    unsigned = _unsigned("eyJzdWIiOiIxIn0")
    clean, faulty = pair.send(VALID, {"X-Auth-Token": unsigned})
    assert (clean.status_code, faulty.status_code) == (401, 200)
    signed_wrong = unsigned + "c2ln"  # a signature present: not an unsigned token, still refused
    assert (
        pair.faulty.post("/rest/sms", params=VALID, headers={"X-Auth-Token": signed_wrong}).status_code == 401
    )


def probe_undocumented_carriers_accepted(pair: Pair) -> None:
    basic = base64.b64encode(f"{DEFAULT_TOKEN}:".encode()).decode()
    for headers, query in (
        ({"Cookie": f"session={DEFAULT_TOKEN}"}, {}),
        ({"Authorization": f"Basic {basic}"}, {}),
        ({}, {"access_token": DEFAULT_TOKEN}),
    ):
        clean, faulty = pair.send({**VALID, **query}, headers)
        assert (clean.status_code, faulty.status_code) == (401, 200), (headers, query)
    assert pair.faulty.post("/rest/sms", params=VALID, headers={"Cookie": "token=wrong"}).status_code == 401


S3_BODY = {"tn": int(VALID["FROM"]), "to": VALID["TO"], "message": VALID["Message"]}


def post_body(client: httpx.Client, body: bytes, media: str = "application/json") -> httpx.Response:
    return client.post("/rest/sms", content=body, headers={**AUTH, "Content-Type": media})


def probe_lenient_json_body(pair: Pair) -> None:
    for spelling in sms.not_json_texts(S3_BODY):
        clean, faulty = post_body(pair.clean, spelling.text), post_body(pair.faulty, spelling.text)
        assert (clean.status_code, faulty.status_code) == (400, 200), spelling.kind
        assert faulty.json()["payload"]["to"] == int(VALID["TO"]), spelling.kind
    well_formed = json.dumps(S3_BODY).encode()
    assert post_body(pair.faulty, well_formed, "text/plain").status_code == 400  # only the reader is lenient


def probe_json_body_any_media_type(pair: Pair) -> None:
    well_formed = json.dumps(S3_BODY).encode()
    for media in ("text/plain", "application/x-www-form-urlencoded", "application/octet-stream"):
        clean, faulty = post_body(pair.clean, well_formed, media), post_body(pair.faulty, well_formed, media)
        assert (clean.status_code, faulty.status_code) == (400, 200), media
    assert post_body(pair.clean, well_formed, "application/json; charset=utf-8").status_code == 200
    nan = sms.not_json_texts(S3_BODY)[0].text
    assert post_body(pair.faulty, nan, "text/plain").status_code == 400  # the reader stays strict


def probe_loose_sender_matching(pair: Pair) -> None:
    for spelling in ("442017771234", "2017771234", "02017771234"):
        clean, faulty = pair.send({**VALID, "FROM": spelling})
        assert (clean.status_code, faulty.status_code) == (404, 200), spelling
        assert faulty.json()["payload"]["from"] == VALID["FROM"]  # sent from the leased number
    clean, faulty = pair.send({**VALID, "FROM": "12017771235"})  # another last digit: not matched
    assert clean.status_code == faulty.status_code == 404


def probe_shared_state_race(pair: Pair) -> None:
    for text in ("first alone", "second alone"):  # one at a time: each answer is its own
        assert (
            pair.faulty.post("/rest/sms", params={**VALID, "Message": text}, headers=AUTH).json()["payload"][
                "message"
            ]
            == text
        )
    texts = [f"together {n}" for n in range(4)]
    with ThreadPoolExecutor(len(texts)) as pool:
        answers = list(
            pool.map(
                lambda text: pair.faulty.post(
                    "/rest/sms", params={**VALID, "Message": text}, headers=AUTH
                ).json()["payload"]["message"],
                texts,
            )
        )
    assert set(answers) <= set(texts) and answers != texts  # in flight together, one got another's


# -- what a response reveals (D61), response hardening (D62), a cut echo (D63) ----------------------


def probe_field_value_cut(pair: Pair) -> None:
    from conformance.mock.fault_effects import CUT_ECHO_AT

    long_text = "x" * 919
    clean, faulty = pair.send({**VALID, "Message": long_text})
    assert clean.status_code == faulty.status_code == 400
    assert differing_paths(clean.json(), faulty.json()) == {"$.fields.params.message.value"}
    assert faulty.json()["fields"]["params.message"]["value"] == long_text[:CUT_ECHO_AT]
    short, short_faulty = pair.send(INVALID)  # a value within the limit is echoed whole
    assert short.json() == short_faulty.json()


def probe_token_in_header(pair: Pair) -> None:
    for params in (VALID, INVALID):
        clean, faulty = pair.send(params)
        assert clean.status_code == faulty.status_code
        assert "x-request-context" not in clean.headers
        assert faulty.headers["x-request-context"] == f"caller={DEFAULT_TOKEN}"
        assert clean.content == faulty.content
    _, anonymous = pair.send(VALID, headers={})
    assert anonymous.status_code == 401 and "x-request-context" not in anonymous.headers


def probe_token_in_body_base64(pair: Pair) -> None:
    reference = only_payload_members_differ(pair, "request_ref")["request_ref"]
    assert base64.b64decode(reference) == f"caller:{DEFAULT_TOKEN}".encode()
    clean, faulty = pair.send(INVALID)  # errors are left alone
    assert clean.json() == faulty.json()


def probe_stack_trace_in_error(pair: Pair) -> None:
    clean, faulty = pair.send(INVALID)
    assert clean.status_code == faulty.status_code == 400
    assert differing_paths(clean.json(), faulty.json()) == {"$.trace"}
    assert faulty.json()["trace"].startswith("Traceback (most recent call last):")
    assert "/srv/" in faulty.json()["trace"]
    assert differing_paths(*success_pair(pair)) == set()


def probe_cors_any_origin_credentials(pair: Pair) -> None:
    for params in (VALID, INVALID):
        clean, faulty = pair.send(params)
        assert "access-control-allow-origin" not in clean.headers
        assert faulty.headers["access-control-allow-origin"] == "*"
        assert faulty.headers["access-control-allow-credentials"] == "true"
        assert clean.content == faulty.content


def probe_cache_public_success(pair: Pair) -> None:
    clean, faulty = pair.send(VALID)
    assert clean.status_code == faulty.status_code == 200
    assert "public" not in clean.headers.get("cache-control", "")
    assert faulty.headers["cache-control"] == "public, max-age=300"
    assert clean.content == faulty.content
    refused, refused_faulty = pair.send(INVALID)  # only successful sends
    assert refused.headers.get("cache-control") == refused_faulty.headers.get("cache-control")


PROBES: dict[str, Callable[[Pair], None]] = {
    name.removeprefix("probe_"): probe
    for name, probe in list(globals().items())
    if name.startswith("probe_") and callable(probe)
}


# -- tests ----------------------------------------------------------------------------------------


@pytest.fixture
def faulty_client(
    request: pytest.FixtureRequest, start_mock: Callable[..., MockServer]
) -> Iterator[httpx.Client]:
    server = start_mock(faults=frozenset({request.param}))
    with httpx.Client(base_url=server.url, timeout=5.0) as http:
        yield http


@pytest.mark.parametrize("faulty_client", fault_names(), indirect=True)
def test_the_fault_deviates_exactly_as_described(
    request: pytest.FixtureRequest, client: httpx.Client, faulty_client: httpx.Client
) -> None:
    fault = request.node.callspec.params["faulty_client"]
    PROBES[fault](Pair(client, faulty_client))


def test_the_catalogue_holds_at_least_20_uniquely_named_faults() -> None:
    names = fault_names()
    assert len(names) >= 20
    assert len(set(names)) == len(names)
    assert all(fault.description and fault.check and fault.category for fault in FAULTS)


def test_a_fault_needs_a_severity_the_suite_knows() -> None:
    assert {fault.severity for fault in FAULTS} <= {"error", "warning", "info"}
    assert Fault("f", "c", "d", "content_type", "warning").gate_verdict == "pass"
    assert Fault("f", "c", "d", "content_type", "error").gate_verdict == "fail"
    with pytest.raises(TypeError, match="severity"):
        Fault("f", "c", "d", "content_type")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="fault 'f': severity 'fatal' is not one of error, warning, info"):
        Fault("f", "c", "d", "content_type", "fatal")  # type: ignore[arg-type]


def test_every_fault_is_implemented_and_probed() -> None:
    assert set(fault_names()) == IMPLEMENTED_FAULTS == set(PROBES)


def test_two_clean_mocks_answer_identically_so_any_difference_is_the_fault(
    client: httpx.Client, start_mock: Callable[..., MockServer]
) -> None:
    with httpx.Client(base_url=start_mock().url) as other:
        pair = Pair(client, other)
        only_payload_members_differ(pair, params={**VALID, "Message": "Привет 👋 ñ"})
        for params in (INVALID, UNLEASED):
            clean, same = pair.send(params)
            assert (clean.status_code, clean.headers["content-type"], clean.content) == (
                same.status_code,
                same.headers["content-type"],
                same.content,
            )
