"""Fixtures of the proxy's self-tests: real mocks on 127.0.0.1 that record what reached them, and the
proxy as a user runs it, stopped after every test (helpers in ``proxy_support``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from proxy_support import Capturing, ProxyProcess, fixed_clock

from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer


@pytest.fixture
def capturing_mock() -> Iterator[Callable[..., tuple[MockServer, Capturing]]]:
    """``start(faults=…)``: a mock whose app records every request and answer; stopped after the test.
    ``fixed_time=True`` freezes its clock, so two such mocks answer equal requests with equal bytes."""
    servers: list[MockServer] = []

    def start(
        faults: frozenset[str] = frozenset(), *, fixed_time: bool = False
    ) -> tuple[MockServer, Capturing]:
        config = MockConfig(clock=fixed_clock, faults=faults) if fixed_time else MockConfig(faults=faults)
        server = MockServer(config)
        capturing = Capturing(server.app)
        server.app = capturing  # type: ignore[assignment]
        server.start()
        servers.append(server)
        return server, capturing

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def start_proxy(tmp_path: Path) -> Iterator[Callable[..., ProxyProcess]]:
    started: list[ProxyProcess] = []

    def start(*args: str, env: dict[str, str] | None = None, listen: bool = True) -> ProxyProcess:
        proxy = ProxyProcess(list(args), tmp_path, env)
        started.append(proxy)
        if listen:
            proxy.wait_listening()
        return proxy

    yield start
    for proxy in started:
        proxy.kill()
