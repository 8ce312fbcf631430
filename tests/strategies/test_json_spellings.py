"""`not_json_texts`: every spelling is refused by a strict reader and read back as the same object by a
forgiving one, so a target's answer to it shows which reader it has (D69)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis.errors import InvalidArgument

import strategies as sms
from conformance.mock.validation import lenient_json, strict_json
from conformance.model.jsontext import loads_bounded
from strategies.json_spellings import EXTRA_MEMBER

DOCUMENTS = [
    {"tn": 19995550100, "to": "14155550100", "message": "strict body check"},
    {"from": "+19995550100", "to": "+14155550100", "text": "Привет 👋"},
]


def replaced_last_text(document: dict[str, object]) -> dict[str, object]:
    """The document as a reader that replaces bad bytes sees it: U+FFFD after its last string."""
    name = [key for key, value in document.items() if isinstance(value, str)][-1]
    return {**document, name: f"{document[name]}\ufffd"}


def strictly_refused(text: bytes) -> bool:
    """What the suite's own strict parser makes of it: not JSON, or JSON with a finding."""
    try:
        parsed = loads_bounded(text.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return True
    return bool(parsed.findings)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_spelling_is_refused_strictly_and_read_back_leniently(document: dict[str, object]) -> None:
    spellings = sms.not_json_texts(document)
    assert [s.kind for s in spellings] == list(sms.NOT_JSON_KINDS)
    assert len({s.text for s in spellings}) == len(spellings)
    for spelling in spellings:
        assert strictly_refused(spelling.text), spelling.kind
        with pytest.raises((ValueError, UnicodeDecodeError)):
            strict_json(spelling.text)
        read = lenient_json(spelling.text)
        assert isinstance(read, dict), spelling.kind
        extra = read.pop(EXTRA_MEMBER, None)
        assert extra is None or math.isinf(extra) or math.isnan(extra)
        assert read == (replaced_last_text(document) if spelling.kind == "not-utf8" else document), (
            spelling.kind
        )


def test_the_well_formed_object_is_strict_json() -> None:
    for document in DOCUMENTS:
        assert strict_json(json.dumps(document).encode()) == document


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"n": 1},
        {"a-b": "x"},
        {EXTRA_MEMBER: "x"},
        {"a": "it's"},
        {"a": 'say "hi"'},
        {"a": "x", "b": 1.5},
        {"a": "x", "b": True},
    ],
)
def test_a_document_the_spellings_cannot_hold_is_refused_by_name(document: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument):
        sms.not_json_texts(document)


@given(sms.not_json_bodies(DOCUMENTS[0]))
def test_the_strategy_draws_the_spellings(spelling: sms.NotJSON) -> None:
    assert spelling in sms.not_json_texts(DOCUMENTS[0])
