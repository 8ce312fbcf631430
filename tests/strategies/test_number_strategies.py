"""Properties of `valid_numbers` and `invalid_numbers`."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from strategies import INVALID_NUMBER_KINDS, InvalidValue, invalid_numbers, valid_numbers
from strategies._nanp_exchanges import area_codes, exchange_codes, nanp_regions

SMALL_REGIONS = ("AG", "MS", "PR")


def region_of(digits: str) -> str | None:
    number = phonenumbers.parse("+" + digits)
    assert phonenumbers.is_valid_number(number), digits
    region: str | None = phonenumbers.region_code_for_number(number)
    return region


def fails_contract_pattern(value: str | None) -> bool:
    return value is None or re.fullmatch(r"[0-9]{3,15}", value, flags=re.ASCII) is None


@settings(max_examples=100)
@given(valid_numbers())
def test_valid_numbers_are_11_ascii_digits_of_a_valid_us_or_ca_number(number: str) -> None:
    assert re.fullmatch(r"1[0-9]{10}", number, flags=re.ASCII)
    assert region_of(number) in {"US", "CA"}


@settings(max_examples=50)
@given(valid_numbers(regions=SMALL_REGIONS))
def test_valid_numbers_of_small_caribbean_regions_draw_without_filtering_to_death(number: str) -> None:
    assert region_of(number) in set(SMALL_REGIONS)


@pytest.mark.parametrize("region", sorted(nanp_regions()))
def test_every_nanp_region_metadata_expands_to_area_codes_and_exchanges(region: str) -> None:
    codes = area_codes(region)
    assert codes
    assert all(exchange_codes(region, code) for code in codes)


@pytest.mark.parametrize("region", sorted(nanp_regions()))
@settings(max_examples=5)
@given(data=st.data())
def test_valid_numbers_works_for_each_nanp_region(region: str, data: st.DataObject) -> None:
    assert region_of(data.draw(valid_numbers(regions=[region]))) == region


def test_valid_numbers_shrinks_towards_the_first_region() -> None:
    assert region_of(find(valid_numbers(regions=("CA", "US")), lambda _: True)) == "CA"
    assert region_of(find(valid_numbers(), lambda _: True)) == "US"


@settings(max_examples=50)
@given(valid_numbers(allowed=["14155550123", "12017771234"]))
def test_valid_numbers_with_an_allow_list_samples_only_from_it(number: str) -> None:
    assert number in {"14155550123", "12017771234"}


def test_valid_numbers_with_an_allow_list_shrinks_towards_its_first_entry() -> None:
    assert find(valid_numbers(allowed=["14155550123", "12017771234"]), lambda _: True) == "14155550123"


@settings(max_examples=100)
@given(invalid_numbers())
def test_every_invalid_number_fails_the_ascii_contract_pattern(invalid: InvalidValue) -> None:
    assert invalid.kind in INVALID_NUMBER_KINDS
    assert fails_contract_pattern(invalid.value)
    assert invalid.is_missing == (invalid.kind == "missing")


def _letters(value: str) -> bool:
    return any(c.isascii() and c.isalpha() for c in value) and any(c in "0123456789" for c in value)


def _signs(value: str) -> bool:
    return value[0] in "0123456789" and value[-1] in "0123456789" and bool(set(value) & set("-().+"))


def _unicode_digits(value: str) -> bool:
    return 3 <= len(value) <= 15 and value.isdigit() and not value.isascii() and int(value) >= 0


def _whitespace(value: str) -> bool:
    return (
        bool(set(value) & set(" \t\n"))
        and re.fullmatch(r"[0-9]{3,15}", re.sub(r"[ \t\n]", "", value)) is not None
    )


KIND_PROPERTIES = {
    "letters": _letters,
    "signs": _signs,
    "too_long": lambda value: re.fullmatch(r"[0-9]{16,25}", value, flags=re.ASCII) is not None,
    "too_short": lambda value: re.fullmatch(r"[0-9]{1,2}", value, flags=re.ASCII) is not None,
    "empty": lambda value: value == "",
    "unicode_digits": _unicode_digits,
    "whitespace": _whitespace,
}


@pytest.mark.parametrize("kind", INVALID_NUMBER_KINDS)
@settings(max_examples=30)
@given(data=st.data())
def test_each_invalid_number_kind_generates_what_its_name_says(kind: str, data: st.DataObject) -> None:
    invalid = data.draw(invalid_numbers(kinds=[kind]))
    assert invalid.kind == kind
    if kind == "missing":
        assert invalid.value is None
    else:
        assert invalid.value is not None
        assert KIND_PROPERTIES[kind](invalid.value), invalid
        assert fails_contract_pattern(invalid.value)


@settings(max_examples=50)
@given(invalid_numbers(kinds={"empty", "too_short"}))
def test_invalid_numbers_draws_only_the_selected_kinds(invalid: InvalidValue) -> None:
    assert invalid.kind in {"empty", "too_short"}


def test_invalid_numbers_shrink_to_short_values_of_their_kind() -> None:
    assert find(invalid_numbers(), lambda _: True).value in {"", None}
    letters = find(invalid_numbers(kinds=["letters"]), lambda _: True).value
    assert letters is not None and len(letters) == 2 and _letters(letters)


@pytest.mark.parametrize("region", ["CA", "PR", "JM"])
def test_exchanges_of_one_area_code_are_those_of_the_whole_expansion(region: str) -> None:
    """Expanding for one area code skips and prunes what cannot reach it; the whole expansion, with
    nothing pruned, must give the same exchanges."""
    from strategies._nanp_exchanges import _expand

    whole = _expand(region, width=6, required="")
    for area in area_codes(region):
        assert exchange_codes(region, area) == tuple(p[3:] for p in whole if p.startswith(area)), area
