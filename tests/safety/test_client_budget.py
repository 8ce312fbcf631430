"""The client is where the budget is spent: every route's requests pass through TargetClient.send."""

from __future__ import annotations

import json

import pytest

from conformance.engine.profiles import SendBudget
from conformance.engine.sending.client import BudgetExhaustedError, TargetClient
from conformance.model.cases import Case, Expectation

from .servers import LEASED, LenientSmsServer


def _case(case_id: str, params: dict[str, str], body: dict[str, object] | None = None) -> Case:
    encoded = None if body is None else json.dumps(body).encode()
    return Case(case_id, "variants", "probe", Expectation.SUCCESS, params=params, body=encoded)


@pytest.mark.parametrize(
    ("params", "body"),
    [
        ({"FROM": LEASED, "TO": "14155550100", "Message": "hi"}, None),
        ({"from": f"+{LEASED}", "to": "14155550100", "message": "hi"}, None),  # lowercase query variant
        ({}, {"tn": int(LEASED), "to": "14155550100", "message": "hi"}),  # S3 JSON body variant
        ({}, {"from": f" {LEASED}", "to": "0", "text": "hi"}),  # S2 JSON body variant, careless spellings
    ],
    ids=["query", "lowercase query", "json tn", "json from"],
)
def test_every_request_form_naming_a_leased_sender_spends_the_budget(
    lenient: LenientSmsServer, params: dict[str, str], body: dict[str, object] | None
) -> None:
    budget = SendBudget(1)
    client = TargetClient(lenient.url, "t", timeout_s=10, budget=budget, senders=(LEASED,))
    try:
        client.send(_case("c1", params, body))
        with pytest.raises(BudgetExhaustedError):
            client.send(_case("c2", params, body))
    finally:
        client.close()
    assert budget.used == 1
    assert lenient.traffic.requests == lenient.traffic.naming_leased == 1


def test_a_request_not_naming_a_leased_sender_spends_nothing(lenient: LenientSmsServer) -> None:
    budget = SendBudget(0)
    client = TargetClient(lenient.url, "t", timeout_s=10, budget=budget, senders=(LEASED,))
    try:
        client.send(_case("c1", {"FROM": "15555550100", "TO": "0", "Message": "hi"}))
    finally:
        client.close()
    assert budget.used == 0 and lenient.traffic.requests == 1 and lenient.traffic.naming_leased == 0
