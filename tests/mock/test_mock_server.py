"""MockServer: real uvicorn on loopback, fast and clean to start and stop; the app in-process."""

from __future__ import annotations

import socket
import threading
import warnings
from datetime import datetime

import httpx
import pytest

from conformance.mock.app import create_app
from conformance.mock.config import DEFAULT_TOKEN, MockConfig
from conformance.mock.server import MockServer, MockServerError

VALID = {"FROM": "12017771234", "TO": "14155550100", "Message": "Hello world"}
AUTH = {"X-Auth-Token": DEFAULT_TOKEN}


def mock_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("opentact-mock")]


def test_a_started_server_answers_on_loopback_and_stops_without_leftover_threads() -> None:
    server = MockServer(MockConfig())
    with server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        own_thread = f"opentact-mock:{server.port}"
        assert own_thread in [t.name for t in mock_threads()]
        with httpx.Client(base_url=server.url) as http:
            assert http.post("/rest/sms", params=VALID, headers=AUTH).status_code == 200
            server.stop()  # with the client's keep-alive connection still open
    assert not server.running
    assert own_thread not in [t.name for t in mock_threads()]


def test_port_zero_picks_a_free_port_for_each_server() -> None:
    with MockServer() as one, MockServer() as two:
        assert one.port != two.port and 0 not in (one.port, two.port)


def test_a_port_in_use_fails_to_start_with_oserror() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = MockServer(port=taken.getsockname()[1])
        with pytest.raises(OSError):
            server.start()
        assert not server.running


def test_stop_is_idempotent_and_the_server_can_be_restarted() -> None:
    server = MockServer()
    server.stop()
    with server:
        first = server.port
    server.stop()
    with server, httpx.Client(base_url=server.url) as http:
        assert http.post("/rest/sms", params=VALID, headers=AUTH).status_code == 200
    assert isinstance(first, int)


def test_starting_twice_is_refused() -> None:
    with MockServer() as server, pytest.raises(MockServerError):
        server.start()


def test_the_port_is_unknown_before_start() -> None:
    with pytest.raises(MockServerError, match="start"):
        _ = MockServer().url


def test_an_error_inside_the_app_is_answered_as_json_500_and_reraised_by_stop() -> None:
    def broken_clock() -> datetime:
        raise RuntimeError("clock broke")

    server = MockServer(MockConfig(clock=broken_clock)).start()
    try:
        with httpx.Client(base_url=server.url) as http:
            response = http.post("/rest/sms", params=VALID, headers=AUTH)
        assert response.status_code == 500
        assert response.json() == {"success": False, "status": 500, "message": "Internal Server Error"}
    finally:
        with pytest.raises(MockServerError, match="clock broke"):
            server.stop()
    assert not server.running


def test_the_app_also_runs_in_process_without_sockets() -> None:
    with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 for TestClient; httpx still works
        warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient
    app = create_app(MockConfig(seed=3))
    with TestClient(app) as http:
        response = http.post("/rest/sms", params=VALID, headers=AUTH)
    assert response.status_code == 200
    assert [message.uuid for message in app.state.store.messages()] == [response.json()["payload"]["uuid"]]


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"senders": ("12x",)}, "12x"),
        ({"senders": "12017771234"}, "tuple"),
        ({"faults": frozenset({"nope"})}, "nope"),
        ({"faults": "to_as_string"}, "string"),
        ({"success_status": 202}, "202"),
        ({"token": ""}, "token"),
    ],
)
def test_a_bad_config_is_refused_naming_the_bad_value(settings: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        MockConfig(**settings)  # type: ignore[arg-type]
