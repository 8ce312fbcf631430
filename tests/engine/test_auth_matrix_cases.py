"""The cases of the authentication matrix (D57), the ownership spellings (D58) and the race (D59)."""

from __future__ import annotations

import base64
import json
import random
from collections import Counter

import pytest

import strategies as sms
from conformance.contract.specfile import load_spec
from conformance.engine.generation.auth_matrix import FORM_CLASS, STATE_CLASS
from conformance.engine.generation.cases import GenerationOptions, generate_cases
from conformance.engine.generation.race import race_cases
from conformance.engine.profiles import ProfileError, mock_profile
from conformance.engine.run.auth_confirm import confirmation_cases
from conformance.engine.sending.client import TargetClient
from conformance.mock.credentials import undocumented_tokens
from conformance.model.cases import Case, Expectation
from conformance.model.exchange import Exchange, RecordedResponse
from strategies.tokens import forged_jwt

TOKEN = "mock-token-0123456789abcdef"


def matrix(token_kinds: tuple[str, ...] = ("case_flipped", "truncated")) -> list[Case]:
    options = GenerationOptions(seed=1, phases=("auth",), token_kinds=token_kinds)
    return [c for c in generate_cases(mock_profile(), load_spec(), options) if c.decision == "D57"]


def test_every_form_meets_every_state_and_the_query_every_placement() -> None:
    cells = matrix()
    table = Counter(
        (c.classes[0].removeprefix(FORM_CLASS), c.classes[1].removeprefix(STATE_CLASS)) for c in cells
    )
    states = {"none", "empty", "wrong", "prefix", "case-changed", "expired-jwt", "alg-none-jwt"}
    states |= {"cookie", "basic", "query-names"}
    for form in ("query", "json-body-s2", "json-body-s3"):
        assert {state for f, state in table if f == form} >= states
    placed = {state for f, state in table if f == "query" and "@" in state}
    assert placed == {
        f"{s}@{p}" for s in ("wrong", "alg-none-jwt") for p in ("jwt-query", "bearer", "bearer-query")
    }
    assert set(table.values()) == {1} and len(cells) == 36


def test_every_cell_goes_from_the_unleased_sender_and_expects_401() -> None:
    unleased = mock_profile().unleased_sender
    for cell in matrix():
        assert cell.expectation is Expectation.AUTH
        sent = cell.params.get("FROM") or str(json.loads(cell.body or b"{}").get("tn") or "")
        assert unleased in (sent or json.loads(cell.body or b"{}").get("from", "")), cell


def test_forged_tokens_stand_in_when_the_real_token_is_no_jwt() -> None:
    tokens = {c.classes[1]: c.token for c in matrix() if c.classes[0] == FORM_CLASS + "query"}
    header = json.loads(base64.urlsafe_b64decode(tokens[STATE_CLASS + "alg-none-jwt"].split(".")[0] + "=="))
    assert header["alg"] == "none" and tokens[STATE_CLASS + "alg-none-jwt"].endswith(".")
    derived = {
        c.classes[1]: c.token for c in matrix(("alg_none", "expired")) if c.classes[0] == FORM_CLASS + "query"
    }
    assert derived[STATE_CLASS + "alg-none-jwt"] == "derived:alg_none"


def test_forged_jwts_carry_plausible_claims() -> None:
    rng = random.Random(4)
    for kind, future in (("alg_none", True), ("expired", False)):
        claims = json.loads(base64.urlsafe_b64decode(forged_jwt(rng, kind).split(".")[1] + "=="))
        assert {"sub", "iat", "exp"} <= set(claims)
        assert (claims["exp"] > 1_700_000_000) is future


def test_undocumented_carriers_carry_the_real_token_and_the_mock_reads_them_only_under_its_fault() -> None:
    client = TargetClient("http://127.0.0.1:9", TOKEN, timeout_s=1)
    try:
        for cell in matrix():
            if cell.token != "profile":
                continue
            request = client.build(cell)
            headers = {name.lower(): value for name, value in request.headers}
            assert "x-auth-token" not in headers and ("jwt", TOKEN) not in request.query
            assert TOKEN in undocumented_tokens(headers, dict(request.query))
    finally:
        client.close()


def test_other_numbers_like_the_leased_sender_are_never_it() -> None:
    values = {n.name: n.value for n in sms.other_numbers_like("12017771234")}
    assert values == {
        "other-country-code": "442017771234",
        "national-form": "2017771234",
        "trunk-zero": "02017771234",
        "plus-national": "+2017771234",
        "last-digit-changed": "12017771235",
        "first-national-digit-changed": "13017771234",
    }
    with pytest.raises(Exception, match="4 to 15 ASCII digits"):
        sms.other_numbers_like("+1201")


def _answered(case: Case, status: int) -> Exchange:
    client = TargetClient("http://127.0.0.1:9", TOKEN, timeout_s=1)
    try:
        return Exchange(case, client.build(case), RecordedResponse(status, {}, b"{}", 1.0))
    finally:
        client.close()


def test_the_first_cell_let_through_per_form_is_confirmed_from_the_leased_sender() -> None:
    cells = matrix()
    statuses = {c.id: 404 if "alg-none" in c.classes[1] or "s3" in c.classes[0] else 401 for c in cells}
    chosen = confirmation_cases([_answered(c, statuses[c.id]) for c in cells], "15555550100", "12017771234")
    assert [c.classes[0] for c in chosen] == [
        FORM_CLASS + f for f in ("query", "json-body-s2", "json-body-s3")
    ]
    query, s2, s3 = chosen
    assert query.params["FROM"] == "12017771234" and "alg:none" in query.kind
    assert json.loads(s3.body or b"")["tn"] == 12017771234 and "without any credentials" in s3.kind
    assert json.loads(s2.body or b"")["from"] == "+12017771234" and "alg:none" in s2.kind
    assert confirmation_cases([_answered(c, 401) for c in cells], "15555550100", "12017771234") == []


def test_the_race_burst_sends_distinct_valid_requests() -> None:
    cases = race_cases(mock_profile(), 7, 4)
    assert len({c.params["Message"] for c in cases}) == 4
    assert all(c.expectation is Expectation.SUCCESS and c.in_burst for c in cases)


def test_a_race_burst_out_of_range_is_refused_naming_the_option() -> None:
    with pytest.raises(ProfileError, match="--race-burst 17"):
        mock_profile().with_overrides(race_burst=17)
