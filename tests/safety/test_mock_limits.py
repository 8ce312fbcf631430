"""The reference mock bounds what a careless client can make it hold: request bodies and its error log."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.mock.config import MAX_BODY_BYTES, MAX_ERRORS_KEPT, MockConfig
from conformance.mock.server import MockServer, MockServerError

TOKEN = "mock-limits-token"


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer(MockConfig(token=TOKEN)) as server:
        yield server


def _post(server: MockServer, content: bytes | Iterator[bytes], **headers: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/rest/sms",
        content=content,
        headers={"X-Auth-Token": TOKEN, "Content-Type": "application/json", **headers},
        timeout=30,
    )


def test_a_body_over_the_limit_is_answered_413_in_the_envelope(mock: MockServer) -> None:
    done = _post(mock, b" " * (MAX_BODY_BYTES + 1))
    assert done.status_code == 413
    assert done.json() == {
        "success": False,
        "status": 413,
        "message": f"Request body larger than {MAX_BODY_BYTES} bytes",
    }
    assert len(mock.store.messages()) == 0


def test_a_chunked_body_without_length_is_cut_at_the_limit_too(mock: MockServer) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(200):  # 12.8 MB offered; the mock stops reading after 64 KiB
            yield b" " * 65_536

    done = _post(mock, chunks())
    assert done.status_code == 413


def test_a_body_within_the_limit_is_still_read(mock: MockServer) -> None:
    body = b'{"tn": 12017771234, "to": "14155550100", "message": "hi"}' + b" " * 1000
    done = _post(mock, body)
    assert done.status_code == 200, done.text
    assert len(mock.store.messages()) == 1


def test_json_nested_past_the_stack_is_a_validation_error_not_a_crash(mock: MockServer) -> None:
    done = _post(mock, b"[" * 30_000 + b"]" * 30_000)
    assert done.status_code == 400
    assert list(mock.app.state.errors) == []


@pytest.mark.slow
def test_the_error_log_keeps_at_most_its_limit_without_tracebacks() -> None:
    async def boom(request: Request) -> Response:
        raise RuntimeError("a bug in the mock")

    server = MockServer(MockConfig(token=TOKEN))
    server.app.router.routes.append(Route("/boom", boom, methods=["GET"]))
    with pytest.raises(MockServerError, match="raised 100 error"), server:
        for _ in range(MAX_ERRORS_KEPT + 30):  # a connection each: uvicorn closes one after an app error
            assert httpx.get(f"{server.url}/boom", timeout=30).status_code == 500
        errors = server.app.state.errors
        print(f"error log: {len(errors)} kept, {server.app.state.errors_dropped} dropped")
        assert len(errors) == MAX_ERRORS_KEPT
        assert server.app.state.errors_dropped == 30
        assert all(e.__traceback__ is None for e in errors)
