"""Send a fixed list of generated cases to the real mock app and run every check on the answers.

The pairwise test runs hundreds of fault combinations, so the app runs in-process (the mock's own
documented fast route, httpx's ASGI transport, here driven from a private event loop); everything
else is what a run uses: the generated cases, ``TargetClient``, the registered checks.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable
from typing import Any

import httpx

from conformance.checks import CheckContext, run_checks
from conformance.contract.schemas import load_contract
from conformance.contract.specfile import load_spec
from conformance.contract.variants import response_variants
from conformance.engine.generation.cases import GenerationOptions, generate_cases
from conformance.engine.profiles import mock_profile
from conformance.engine.sending.client import TargetClient
from conformance.mock.app import create_app
from conformance.mock.config import MockConfig
from conformance.model.cases import Case
from conformance.model.deviations import Deviation

TOKEN = "verdicts-token-0c1d2e"
#: what a verdict is made of: the same violation must keep all of these, whatever else is wrong
Identity = tuple[str, str, str, str | None, str]


@functools.cache
def cases(seed: int = 3) -> tuple[Case, ...]:
    """Every documented answer a response fault can touch: 200, 400, 404 and a non-ASCII echo."""
    options = GenerationOptions(seed=seed, max_examples=1, phases=("examples", "not_found", "boundaries"))
    # the documented 404 is the unleased sender's; the spellings of the leased one (D58) only repeat it
    generated = [c for c in generate_cases(mock_profile(), load_spec(), options) if c.decision != "D58"]
    boundaries = [c for c in generated if c.phase == "boundaries"]
    return (*[c for c in generated if c.phase != "boundaries"], boundaries[0], boundaries[4])


class InProcessTransport(httpx.BaseTransport):
    """A synchronous httpx transport that answers from an ASGI app in this process."""

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def answer() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            content = b"".join([chunk async for chunk in response.stream])  # type: ignore[union-attr]
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return self._loop.run_until_complete(answer())

    def close(self) -> None:
        self._loop.close()


def deviations(faults: Iterable[str], chosen: Iterable[Case] | None = None) -> list[Deviation]:
    """The checks' verdicts on a mock with ``faults`` on, for the fixed cases (or ``chosen``)."""
    profile = mock_profile()
    config = MockConfig(token=TOKEN, senders=profile.senders, faults=frozenset(faults), seed=3)
    ctx = CheckContext(contract=load_contract(), variants=response_variants(), seed=3, secrets=(TOKEN,))
    found: list[Deviation] = []
    transport = InProcessTransport(create_app(config))
    client = TargetClient("http://127.0.0.1:9", TOKEN, timeout_s=10.0, transport=transport)
    try:
        for case in chosen if chosen is not None else cases():
            found += run_checks(ctx, client.send(case))[0]
    finally:
        client.close()
        transport.close()
    return found


def identities(found: Iterable[Deviation]) -> set[Identity]:
    return {(d.check, d.severity.value, d.path, d.evidence.variant, d.key) for d in found}
