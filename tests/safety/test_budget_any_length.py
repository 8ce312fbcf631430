"""The budget rule reads values of any length: a leased sender padded to 5,000 or 1,000,000 characters
is still counted (D17, D18), and a long value no lenient parser reads as a leased sender is not."""

from __future__ import annotations

import json

import pytest

from conformance.engine.leases import names_leased_sender, value_names_leased
from conformance.engine.profiles import SendBudget
from conformance.engine.sending.client import BudgetExhaustedError, TargetClient
from conformance.model.cases import Case, Expectation
from conformance.model.exchange import RecordedRequest

from .servers import LEASED, LenientSmsServer, careless_readings

MILLION = 1_000_000
ARABIC_INDIC = "".join(chr(0x0660 + int(d)) for d in LEASED)


@pytest.mark.parametrize(
    "value",
    [
        " " * 5000 + LEASED,
        " " * MILLION + LEASED,
        " " * MILLION + LEASED + " " * MILLION,
        "0" * MILLION + LEASED,
        "+" + LEASED + "x" * MILLION,
        "+" + " " * MILLION + LEASED,
        "\u3000" * MILLION + ARABIC_INDIC,
        "٠" * MILLION + ARABIC_INDIC,
        " " * MILLION + LEASED[1:],  # NANP: the country code dropped
        "-" * MILLION + LEASED,  # a server that drops punctuation
    ],
    ids=[
        "5000 spaces", "1e6 spaces", "1e6 spaces both sides", "1e6 leading zeros", "plus, 1e6 junk after",
        "plus, 1e6 spaces", "1e6 ideographic spaces, Arabic-Indic digits", "1e6 Arabic-Indic zeros",
        "1e6 spaces, no country code", "1e6 dashes",
    ],
)
def test_a_leased_sender_padded_to_any_length_is_counted(value: str) -> None:
    assert value_names_leased(value, (LEASED,))


@pytest.mark.parametrize(
    "value",
    ["9" * MILLION, " " * MILLION + "14155550100", "x" * MILLION, "1" * 5000, LEASED + "0" * MILLION],
    ids=["1e6 nines", "1e6 spaces, another number", "1e6 letters", "5000 ones", "sender times 10^1e6"],
)
def test_a_long_value_that_reads_as_no_leased_sender_is_not_counted(value: str) -> None:
    assert not careless_readings(value[:4000]) & {LEASED}  # a parser's reading of the start agrees
    assert not value_names_leased(value, (LEASED,))


@pytest.mark.parametrize(
    ("value", "counted"),
    [
        ("1.2017771234e10", True),
        ("1.2017771234E+10", True),
        (".12017771234e11", True),
        ("2.017771234e9", True),  # NANP: the country code added
        (" " * MILLION + "+1.2017771234e10", True),
        ("1.2017771234e9", False),  # another number
        ("1.2017771234e" + "1" * MILLION, False),  # Infinity to Number()
        ("1e400", False),
    ],
)
def test_decimal_and_exponent_forms_count_as_number_and_float_read_them(value: str, counted: bool) -> None:
    assert value_names_leased(value, (LEASED,)) is counted


def test_json_bodies_are_read_at_any_size_and_depth() -> None:
    def request(body: str) -> RecordedRequest:
        return RecordedRequest("POST", "http://127.0.0.1:1", "/rest/sms", body=body.encode())

    # a 5,000-digit JSON number makes json.loads refuse the body with int(); the sender beside it counts
    huge = json.dumps({"from": LEASED, "n": 0})[:-2] + "1" * 5000 + "}"
    assert names_leased_sender(request(huge), (LEASED,))
    # 20,000 values before the sender: every value is read
    many = json.dumps({"values": ["x"] * 20_000, "from": " " * 5000 + LEASED})
    assert names_leased_sender(request(many), (LEASED,))
    # 5,000 levels deep (no parser recursion): the sender inside is read
    deep = "[" * 5000 + json.dumps(LEASED) + "]" * 5000
    assert names_leased_sender(request(deep), (LEASED,))
    clean = json.dumps({"values": ["x"] * 20_000, "from": " " * 5000 + "15555550100"})
    assert not names_leased_sender(request(clean), (LEASED,))


def _case(case_id: str, sender: str) -> Case:
    return Case(case_id, "variants", "probe", Expectation.SUCCESS,
                params={"FROM": sender, "TO": "14155550100", "Message": "hi"})


@pytest.mark.parametrize(
    ("sender", "leased"), [(" " * 5000 + LEASED, True), (" " * 5000 + "15555550100", False)]
)
def test_on_a_real_socket_a_padded_sender_spends_the_budget_iff_it_reads_as_the_leased_one(
    lenient: LenientSmsServer, sender: str, leased: bool
) -> None:
    assert (LEASED in careless_readings(sender)) is leased  # as the lenient server reads it
    budget = SendBudget(1)
    client = TargetClient(lenient.url, "t", timeout_s=10, budget=budget, senders=(LEASED,))
    refused = 0
    try:
        for case_id in ("c1", "c2"):
            try:
                client.send(_case(case_id, sender))
            except BudgetExhaustedError:
                refused += 1
    finally:
        client.close()
    # the leased sender: one send, the second refused before it leaves; another number: both go, free
    assert (budget.used, refused, lenient.traffic.requests) == ((1, 1, 1) if leased else (0, 0, 2))
    assert lenient.traffic.naming_leased == int(leased)
