"""The `strategies` package exposes exactly its documented names and imports cheaply."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import strategies

ROOT = Path(__file__).resolve().parents[2]


def test_all_lists_every_public_name_and_each_resolves() -> None:
    assert sorted(strategies.__all__) == sorted(set(strategies.__all__))
    for name in strategies.__all__:
        assert getattr(strategies, name) is not None
    assert {
        "valid_numbers",
        "InvalidValue",
        "invalid_numbers",
        "INVALID_NUMBER_KINDS",
        "GSM7_BASIC",
        "GSM7_EXTENSION",
        "message_texts",
        "SMS_LENGTH_BOUNDARIES",
        "MAX_MESSAGE_LENGTH",
        "texts_of_length",
        "boundary_texts",
        "bad_tokens",
        "BAD_TOKEN_KINDS",
        "register_schemathesis_formats",
    } <= set(strategies.__all__)


def test_constants_have_their_documented_values() -> None:
    assert strategies.SMS_LENGTH_BOUNDARIES == (1, 70, 160, 161, 918)
    assert strategies.MAX_MESSAGE_LENGTH == 918


def test_invalid_value_is_frozen() -> None:
    value = strategies.InvalidValue("empty", "")
    try:
        value.kind = "missing"  # type: ignore[misc]
    except AttributeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("InvalidValue is mutable")


def test_importing_strategies_does_not_import_schemathesis() -> None:
    probe = "import sys, strategies; print('schemathesis' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
