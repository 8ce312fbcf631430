"""Fixtures for engine tests: real mock servers on loopback, runs with small case counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer

TOKEN_ENV = "OPENTACT_TEST_TOKEN"
TOKEN = "engine-test-token-5a1d"


@pytest.fixture(scope="session")
def shared_mock() -> Iterator[MockServer]:
    """One clean mock for the session; tests that count messages reset its store."""
    with MockServer(MockConfig(token=TOKEN)) as server:
        yield server


@pytest.fixture
def token_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return TOKEN_ENV
