"""Helpers for talking to a reference server over a real loopback socket in the tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from reference.target import DEFAULT_SENDERS, ReferenceConfig, ReferenceServer

__all__ = ["DEST", "SENDER", "TOKEN", "payload", "send", "served"]

TOKEN = "reference-test-token-41f0"
SENDER = DEFAULT_SENDERS[0]
DEST = "14155550100"


@contextmanager
def served(*deviations: str, lenient: bool = False) -> Iterator[httpx.Client]:
    config = ReferenceConfig(token=TOKEN, deviations=frozenset(deviations), lenient_numbers=lenient)
    with ReferenceServer(config) as server, httpx.Client(base_url=server.url, timeout=5.0) as client:
        yield client
        assert server.errors == []


def send(client: httpx.Client, token: str | None = TOKEN, **params: str | None) -> httpx.Response:
    merged = {"FROM": SENDER, "TO": DEST, "Message": "Hello world", **params}
    query = {k: v for k, v in merged.items() if v is not None}
    headers = {} if token is None else {"X-Auth-Token": token}
    return client.post("/rest/sms", params=query, headers=headers)


def payload(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body = response.json()
    assert body["success"] is True
    return dict(body["payload"])
