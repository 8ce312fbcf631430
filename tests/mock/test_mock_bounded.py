"""The mock stays bounded over a long run: a ring-buffer message store, counters instead of an access log.

Real uvicorn servers on 127.0.0.1 (``start_mock``) and the real standalone process.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from conformance.mock.config import DEFAULT_TOKEN, MockConfig, MockConfigError
from conformance.mock.server import MockServer
from conformance.mock.store import MAX_STORED_MESSAGES

ROOT = Path(__file__).resolve().parents[2]
AUTH = {"X-Auth-Token": DEFAULT_TOKEN}
SEND = {"from": "12017771234", "to": "14155550123", "message": "hello"}


def _send(http: httpx.Client, count: int) -> list[str]:
    uuids = []
    for _ in range(count):
        answer = http.post("/rest/sms", params=SEND, headers=AUTH)
        assert answer.status_code == 200, answer.text
        uuids.append(answer.json()["payload"]["uuid"])
    return uuids


def _stats(http: httpx.Client) -> dict[str, int]:
    answer = http.get("/_mock/stats", headers=AUTH)
    assert answer.status_code == 200, answer.text
    payload: dict[str, int] = answer.json()["payload"]
    return payload


def test_after_many_more_sends_than_its_capacity_the_store_holds_the_newest_capacity(
    start_mock: Callable[..., MockServer],
) -> None:
    capacity, sends = 12, 150
    server = start_mock(max_stored_messages=capacity)
    with httpx.Client(base_url=server.url, timeout=10.0) as http:
        uuids = _send(http, sends)
        listing = http.get("/_mock/messages", headers=AUTH).json()["payload"]
        stats = _stats(http)
    assert [m.uuid for m in server.store.messages()] == uuids[-capacity:]  # the newest, in order
    assert listing["total"] == capacity and listing["requests"] == sends
    assert stats["stored"] == capacity == stats["store_capacity"]
    assert stats["accepted"] == stats["send_requests"] == sends


def test_below_its_capacity_the_store_keeps_every_message(start_mock: Callable[..., MockServer]) -> None:
    server = start_mock(max_stored_messages=50)
    with httpx.Client(base_url=server.url, timeout=10.0) as http:
        uuids = _send(http, 20)
    assert [m.uuid for m in server.store.messages()] == uuids


def test_the_default_capacity_is_documented_and_bad_ones_are_refused() -> None:
    assert MockConfig().max_stored_messages == MAX_STORED_MESSAGES == 10_000
    for bad in (0, -1, "10"):
        with pytest.raises(MockConfigError, match="max_stored_messages"):
            MockConfig(max_stored_messages=bad)  # type: ignore[arg-type]


def test_stats_count_every_request_the_app_saw_control_calls_apart(
    start_mock: Callable[..., MockServer],
) -> None:
    server = start_mock()
    with httpx.Client(base_url=server.url, timeout=10.0) as http:
        _send(http, 3)
        assert http.get("/nowhere").status_code == 404
        assert http.get("/rest/sms").status_code == 405
        assert http.post("/rest/sms", params=SEND).status_code == 401
        http.get("/_mock/messages", headers=AUTH)
        stats = _stats(http)
        assert http.get("/_mock/stats").status_code == 401  # the token is needed, as for every control
    assert stats["http_requests"] == 6  # 3 sends, the 404, the 405 and the 401
    assert stats["send_requests"] == 4  # POST /rest/sms only (the 401 included)
    assert stats["control_requests"] == 2  # the listing and this stats call


def _serve_once(*args: str) -> str:
    """Start the standalone mock, send one request, stop it with SIGINT; return its stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.mock", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = ""
        for _ in range(50):
            line = process.stdout.readline()
            if "http://127.0.0.1:" in line:
                url = line.split("http://", 1)[1].split()[0].rstrip("/")
                break
        assert url, "the mock printed no URL"
        with httpx.Client(base_url=f"http://{url}", timeout=10.0) as http:
            assert http.post("/rest/sms", params=SEND, headers=AUTH).status_code == 200
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
        return err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


@pytest.mark.slow
def test_the_standalone_mock_logs_no_request_by_default_and_one_line_each_with_access_log() -> None:
    quiet = _serve_once()
    logged = _serve_once("--access-log")
    assert '"POST /rest/sms' not in quiet
    assert logged.count('"POST /rest/sms') == 1
