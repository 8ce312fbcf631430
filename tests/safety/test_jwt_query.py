"""Profile `auth: {method: jwt-query}` puts the valid token in ?jwt=, as the profile says."""

from __future__ import annotations

import pytest

from conformance.engine.profiles import AuthConfig, Profile
from conformance.engine.run.runner import RunOptions, execute

from .conftest import TOKEN, TOKEN_ENV
from .servers import LEASED, LenientSmsServer

pytestmark = pytest.mark.slow


def _placements(server: LenientSmsServer) -> list[tuple[bool, bool, str]]:
    """Per request: valid token in ?jwt=, valid token in X-Auth-Token, and its text (query or body)."""
    return [
        (
            seen["query"].get("jwt") == TOKEN,
            seen["headers"].get("x-auth-token") == TOKEN,
            seen["text"],
        )
        for seen in server.traffic.seen
    ]


@pytest.mark.parametrize("method", ["jwt-query", "header"])
def test_the_valid_token_goes_where_the_profile_says(
    lenient: LenientSmsServer, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    profile = Profile(
        name="p",
        base_url=lenient.url,
        auth=AuthConfig(method, TOKEN_ENV),
        senders=(LEASED,),
        max_sends=500,
        source="test",
    )
    execute(RunOptions(profile=profile, max_examples=3, phases=("examples", "auth", "negative", "positive")))
    placements = _placements(lenient)
    # outside the auth phase (Message "auth check") every request carries the token the profile's way only
    ordinary = [(query, header) for query, header, message in placements if message != "auth check"]
    print(
        f"{method}: {len(ordinary)} ordinary requests, token in query {sum(q for q, _ in ordinary)}, "
        f"in header {sum(h for _, h in ordinary)}"
    )
    assert len(ordinary) > 10
    expected = (True, False) if method == "jwt-query" else (False, True)
    assert set(ordinary) == {expected}
    # the auth phase still tries the other documented placement once
    other = (False, True) if method == "jwt-query" else (True, False)
    assert other in {(q, h) for q, h, message in placements if message == "auth check"}
