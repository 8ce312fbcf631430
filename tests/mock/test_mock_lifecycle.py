"""The clean mock's lookup (S4, D66): a message lives its documented life; each account reads its own.

A real uvicorn mock on 127.0.0.1 with a life clock the test moves by hand, so every state is seen at a
known age without waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from conformance.mock.config import DEFAULT_SECOND_TOKEN, DEFAULT_TOKEN
from conformance.mock.life import LifeTimes
from conformance.mock.server import MockServer

SEND = {"FROM": "12017771234", "TO": "14155550100", "Message": "Hello world"}
FIRST = {"X-Auth-Token": DEFAULT_TOKEN}
SECOND = {"X-Auth-Token": DEFAULT_SECOND_TOKEN}


class HandClock:
    """A life clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> HandClock:
    return HandClock()


@pytest.fixture
def http(start_mock: Callable[..., MockServer], clock: HandClock) -> Iterator[httpx.Client]:
    server = start_mock(life=LifeTimes(sending_s=1.0, success_s=2.0, delivered_s=3.0), life_clock=clock)
    with httpx.Client(base_url=server.url, timeout=5.0) as client:
        yield client


def send(http: httpx.Client, headers: dict[str, str] = FIRST) -> dict[str, Any]:
    response = http.post("/rest/sms", params=SEND, headers=headers)
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["payload"]
    return payload


def look(http: httpx.Client, uuid: str, headers: dict[str, str] = FIRST) -> httpx.Response:
    return http.get(f"/rest/sms/outbound/{uuid}", headers=headers)


def test_a_message_moves_forward_through_its_documented_states(http: httpx.Client, clock: HandClock) -> None:
    sent = send(http)
    seen = []
    for age in (0.0, 1.0, 2.0, 3.0):
        clock.now = 100.0 + age
        response = look(http, sent["uuid"])
        assert response.status_code == 200
        payload = response.json()["payload"]
        seen.append((payload["state"], payload["delivered"], payload["reference_id"] is not None))
        assert payload["created_on"] == sent["created_on"]
        assert {k: payload[k] for k in ("uuid", "from", "to", "message", "thread", "type")} == {
            k: sent[k] for k in ("uuid", "from", "to", "message", "thread", "type")
        }
    assert seen == [
        ("created", False, False),
        ("sending", False, True),
        ("success", False, True),
        ("success", True, True),
    ]


def test_modified_on_advances_with_each_change(http: httpx.Client, clock: HandClock) -> None:
    sent = send(http)
    stamps = []
    for age in (0.0, 1.5, 2.5, 3.5):
        clock.now = 100.0 + age
        stamps.append(look(http, sent["uuid"]).json()["payload"]["modified_on"])
    assert stamps[0] == sent["modified_on"]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4


def test_each_account_reads_only_its_own_messages(http: httpx.Client) -> None:
    ours, theirs = send(http), send(http, SECOND)
    assert look(http, ours["uuid"]).status_code == look(http, theirs["uuid"], SECOND).status_code == 200
    for uuid, other in ((ours["uuid"], SECOND), (theirs["uuid"], FIRST)):
        refused = look(http, uuid, other)
        assert refused.status_code == 404
        assert refused.json() == {"success": False, "status": 404, "message": "SMS not found"}


def test_no_or_a_wrong_token_is_refused_and_an_unknown_uuid_is_not_found(http: httpx.Client) -> None:
    sent = send(http)
    assert look(http, sent["uuid"], {}).status_code == 401
    assert look(http, sent["uuid"], {"X-Auth-Token": "wrong-token-000000"}).status_code == 401
    assert look(http, "00000000-0000-4000-8000-000000000000").status_code == 404


def test_the_stats_count_every_lookup_whatever_its_answer(http: httpx.Client) -> None:
    sent = send(http)
    look(http, sent["uuid"])
    look(http, sent["uuid"], {})
    look(http, "no-such-uuid")
    stats = http.get("/_mock/stats", headers=FIRST).json()["payload"]
    assert (stats["lookup_requests"], stats["send_requests"]) == (3, 1)


def test_life_times_must_not_decrease() -> None:
    with pytest.raises(ValueError, match="must not decrease"):
        LifeTimes(sending_s=2.0, success_s=1.0, delivered_s=3.0)
