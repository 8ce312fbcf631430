"""`register_schemathesis_formats` makes schemathesis' positive generation realistic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import phonenumbers
import schemathesis
from hypothesis import HealthCheck, given, settings

from strategies import MAX_MESSAGE_LENGTH, register_schemathesis_formats

SPEC = Path(__file__).resolve().parents[2] / "spec" / "opentact-sms.openapi.yaml"
# schemathesis 4 swaps a parameter's documented `example:` in for ~20% of positive draws. The spec's
# TO example is not a valid NANP number, so the examples are the only values allowed through as they are.
SPEC_EXAMPLES = {"FROM": "12017771234", "TO": "987654321", "Message": "Hello world"}


def is_valid_nanp(digits: str) -> bool:
    number = phonenumbers.parse("+" + digits)
    return len(digits) == 11 and digits.isascii() and phonenumbers.is_valid_number(number)


def test_registration_is_idempotent() -> None:
    register_schemathesis_formats()
    register_schemathesis_formats()


def test_positive_generation_from_the_spec_yields_valid_nanp_numbers_and_sms_texts() -> None:
    register_schemathesis_formats()
    operation = schemathesis.openapi.from_path(str(SPEC))["/rest/sms"]["POST"]
    generated: list[str] = []

    # the first draw warms schemathesis up (about 1 s on a loaded machine): not a slow strategy
    @settings(max_examples=60, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE))
    def check(case: Any) -> None:
        for name in ("FROM", "TO"):
            value = case.query[name]
            assert value == SPEC_EXAMPLES[name] or is_valid_nanp(value), (name, value)
            if value != SPEC_EXAMPLES[name]:
                generated.append(value)
        message = case.query["Message"]
        assert 1 <= len(message) <= MAX_MESSAGE_LENGTH
        assert not any(0xD800 <= ord(c) <= 0xDFFF or c == "\x00" for c in message), repr(message)

    check()
    # Unregistered, the pattern alone would give values such as "000"; these come from valid_numbers().
    assert len(generated) > 60
    assert len(set(generated)) > 10
