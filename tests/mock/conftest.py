"""Fixtures for the mock's self-tests: real uvicorn servers on 127.0.0.1.

- ``mock_server``: one clean mock per test module (fixed clock, seed 0).
- ``client``: an ``httpx.Client`` on ``mock_server``, after ``POST /_mock/reset`` (fresh store,
  reseeded identifiers), so every test starts from the same state.
- ``start_mock``: starts extra servers with config overrides; stops them after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from conformance.mock.config import DEFAULT_TOKEN, MockConfig
from conformance.mock.server import MockServer

FIXED_NOW = datetime(2026, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)


def fixed_clock() -> datetime:
    return FIXED_NOW


@pytest.fixture(scope="module")
def mock_server() -> Iterator[MockServer]:
    with MockServer(MockConfig(clock=fixed_clock)) as server:
        yield server


@pytest.fixture
def client(mock_server: MockServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock_server.url, timeout=5.0) as http:
        http.post("/_mock/reset", headers={"X-Auth-Token": DEFAULT_TOKEN}).raise_for_status()
        yield http


@pytest.fixture
def start_mock() -> Iterator[Callable[..., MockServer]]:
    servers: list[MockServer] = []

    def start(**overrides: Any) -> MockServer:
        settings: dict[str, Any] = {"clock": fixed_clock, **overrides}
        server = MockServer(MockConfig(**settings)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
