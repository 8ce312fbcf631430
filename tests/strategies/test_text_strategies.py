"""Properties of the GSM-7 tables, `message_texts`, `texts_of_length` and `boundary_texts`."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from strategies import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    MAX_MESSAGE_LENGTH,
    MESSAGE_ALPHABETS,
    SMS_LENGTH_BOUNDARIES,
    boundary_texts,
    is_gsm7,
    message_texts,
    texts_of_length,
)

FORBIDDEN_CATEGORIES = {"Cc", "Cs", "Cn", "Co"}


def assert_query_safe(text: str) -> None:
    for character in text:
        assert character == "\n" or unicodedata.category(character) not in FORBIDDEN_CATEGORIES, repr(text)


def assert_in_alphabet(text: str, alphabet: str) -> None:
    if alphabet == "gsm7":
        assert is_gsm7(text), repr(text)
    elif alphabet == "ucs2":
        assert all(ord(character) <= 0xFFFF for character in text), repr(text)
        assert not is_gsm7(text), repr(text)
    elif alphabet == "astral":
        assert any(ord(character) > 0xFFFF for character in text), repr(text)


def test_gsm7_basic_is_the_127_printable_entries_of_gsm_03_38() -> None:
    assert len(GSM7_BASIC) == len(set(GSM7_BASIC)) == 127
    assert set("£¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉÄÖÑÜ§¿äöñüà¤¡@$\n\r") <= set(GSM7_BASIC)
    assert set(map(chr, range(0x20, 0x7F))) - set(GSM7_BASIC) == set("`^{}\\[~]|")
    assert "\x1b" not in GSM7_BASIC


def test_gsm7_extension_holds_the_ten_escaped_characters() -> None:
    assert sorted(GSM7_EXTENSION) == sorted("^{}\\[~]|€\f")
    assert not set(GSM7_EXTENSION) & set(GSM7_BASIC)


@pytest.mark.parametrize("alphabet", MESSAGE_ALPHABETS)
@settings(max_examples=60)
@given(data=st.data())
def test_message_texts_stay_within_alphabet_and_length_bounds(alphabet: str, data: st.DataObject) -> None:
    text = data.draw(message_texts(alphabet=alphabet))
    assert 1 <= len(text) <= MAX_MESSAGE_LENGTH
    assert_query_safe(text)
    assert_in_alphabet(text, alphabet)


@settings(max_examples=30)
@given(message_texts(alphabet="any", min_size=5, max_size=9))
def test_message_texts_respect_custom_size_bounds(text: str) -> None:
    assert 5 <= len(text) <= 9
    assert_query_safe(text)


@pytest.mark.parametrize("alphabet", MESSAGE_ALPHABETS)
@settings(max_examples=20)
@given(data=st.data())
def test_texts_of_length_have_exactly_that_many_code_points(alphabet: str, data: st.DataObject) -> None:
    length = data.draw(st.sampled_from((*SMS_LENGTH_BOUNDARIES, 2, 919)))
    text = data.draw(texts_of_length(length, alphabet=alphabet))
    assert len(text) == length
    assert_query_safe(text)
    assert_in_alphabet(text, alphabet)


@settings(max_examples=50)
@given(boundary_texts())
def test_boundary_texts_are_at_a_boundary_length(text: str) -> None:
    assert len(text) in SMS_LENGTH_BOUNDARIES
    assert_query_safe(text)


@settings(max_examples=30)
@given(boundary_texts(max_length=100, include_over=True))
def test_boundary_texts_cap_at_max_length_plus_the_over_length(text: str) -> None:
    assert len(text) in {1, 70, 100, 101}


def test_boundary_texts_reach_the_over_length_only_when_asked() -> None:
    assert len(find(boundary_texts(include_over=True), lambda text: len(text) > MAX_MESSAGE_LENGTH)) == 919


def test_message_texts_shrink_towards_a_single_gsm7_character() -> None:
    text = find(message_texts(), lambda _: True)
    assert len(text) == 1 and is_gsm7(text)


@pytest.mark.parametrize(("alphabet", "expected"), [("ucs2", "П"), ("astral", "👋")])
def test_required_characters_shrink_to_a_readable_sample(alphabet: str, expected: str) -> None:
    assert find(message_texts(alphabet=alphabet), lambda _: True) == expected
