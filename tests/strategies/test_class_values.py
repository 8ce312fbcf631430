"""Class values from a seeded Random: derived tokens, number spellings, texts at the length boundaries."""

from __future__ import annotations

import random
import unicodedata

import pytest
from hypothesis.errors import InvalidArgument

from strategies.derived_tokens import DERIVED_TOKEN_KINDS, JWT_ONLY_KINDS, derive_token, derived_token_kinds
from strategies.number_classes import NUMBER_CLASSES, number_class_values
from strategies.text_classes import LENGTH_CLASSES, gsm7_septets, length_class_texts, utf16_units

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4IiwiZXhwIjoxOTAwMDAwMDAwfQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmUtMzItYnl0ZXM"


def test_every_derived_token_differs_from_the_real_one_and_from_each_other() -> None:
    for real in (JWT, "mock-token-0123456789abcdef", "1234567890"):
        tokens = [derive_token(real, kind) for kind in derived_token_kinds(real)]
        assert real not in tokens
        assert len(set(tokens)) == len(tokens)


def test_jwt_kinds_apply_only_to_jwt_shaped_tokens() -> None:
    assert set(derived_token_kinds(JWT)) == set(DERIVED_TOKEN_KINDS)
    assert not JWT_ONLY_KINDS & set(derived_token_kinds("mock-token-0123456789abcdef"))
    assert "case_flipped" not in derived_token_kinds("1234567890")  # digits have no case to flip


def test_an_unsigned_jwt_has_no_signature_to_strip() -> None:
    unsigned = JWT.rsplit(".", 1)[0] + "."
    assert "signature_stripped" not in derived_token_kinds(unsigned)


@pytest.mark.parametrize(
    ("real", "kind"), [("opaque-token", "alg_none"), ("1234", "case_flipped"), ("", "truncated")]
)
def test_an_inapplicable_kind_or_empty_token_is_refused_without_showing_the_token(
    real: str, kind: str
) -> None:
    with pytest.raises(InvalidArgument) as raised:
        derive_token(real, kind)
    assert not real or real not in str(raised.value)


def test_number_spellings_keep_the_destination_for_a_lenient_parser() -> None:
    for seed in range(5):
        values = {v.name: v.value for v in number_class_values(random.Random(seed), "14155550100")}
        assert set(values) == {f"number:{name}" for name in NUMBER_CLASSES}
        for name in ("leading-plus", "leading-zeros", "fullwidth-digits", "other-unicode-digits"):
            assert int(values[f"number:{name}"] or "") == 14155550100, name
        assert float(values["number:exponent"] or "") == 14155550100
        assert int((values["number:surrounding-whitespace"] or "").strip()) == 14155550100
        assert all(unicodedata.category(c) == "Nd" for c in values["number:fullwidth-digits"] or "")


def test_number_spellings_need_a_valid_destination() -> None:
    with pytest.raises(InvalidArgument, match="destination"):
        number_class_values(random.Random(0), "+14155550100")


def test_length_texts_sit_on_their_boundaries_in_the_unit_they_name() -> None:
    texts = {t.name: t for t in length_class_texts(random.Random(3))}
    assert set(texts) == {f"length:{name}" for name in LENGTH_CLASSES}
    assert gsm7_septets(texts["length:gsm7-160-septets-with-extension"].value) == 160
    assert gsm7_septets(texts["length:gsm7-161-septets-with-extension"].value) == 161
    assert utf16_units(texts["length:utf16-918-units"].value) == 918
    assert utf16_units(texts["length:utf16-1836-units"].value) == 1836
    assert len(texts["length:utf16-1836-units"].value.encode()) == 3672
    assert len(texts["length:utf8-2754-bytes"].value.encode()) == 2754
    assert [name for name, t in texts.items() if not t.valid] == ["length:astral-919-chars"]
