"""Properties of `bad_tokens`."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from strategies import BAD_TOKEN_KINDS, InvalidValue, bad_tokens, is_header_value, is_jwt_shaped

REAL_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhY2NvdW50In0.c2lnbmF0dXJlLW9mLXRoZS1yZWFsLXRva2Vu"
)
SEGMENT = r"[A-Za-z0-9_-]+"


@settings(max_examples=100)
@given(bad_tokens(exclude=REAL_TOKEN))
def test_bad_tokens_are_header_legal_and_never_the_real_token(invalid: InvalidValue) -> None:
    assert invalid.kind in BAD_TOKEN_KINDS
    assert invalid.value != REAL_TOKEN
    if invalid.value is not None:
        assert is_header_value(invalid.value), invalid
        assert "\r" not in invalid.value and "\n" not in invalid.value


@pytest.mark.parametrize("kind", ["malformed", "wrong", "truncated_jwt"])
def test_bad_tokens_skip_the_excluded_value_even_when_it_is_the_simplest(kind: str) -> None:
    simplest = find(bad_tokens(kinds=[kind]), lambda _: True).value
    assert simplest is not None
    assert find(bad_tokens(kinds=[kind], exclude=simplest), lambda _: True).value != simplest


def is_two_segments(value: str | None) -> bool:
    return value is not None and re.fullmatch(rf"{SEGMENT}\.{SEGMENT}", value) is not None


SHAPES: dict[str, Callable[[str | None], bool]] = {
    "missing": lambda value: value is None,
    "empty": lambda value: value == "",
    "malformed": lambda value: bool(value and not is_jwt_shaped(value) and not is_two_segments(value)),
    "wrong": lambda value: value is not None and is_jwt_shaped(value),
    "truncated_jwt": is_two_segments,
}


@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
@settings(max_examples=30)
@given(data=st.data())
def test_each_bad_token_kind_has_the_shape_its_name_says(kind: str, data: st.DataObject) -> None:
    invalid = data.draw(bad_tokens(kinds=[kind]))
    assert invalid.kind == kind
    assert SHAPES[kind](invalid.value), invalid


def test_bad_tokens_shrink_towards_a_missing_token() -> None:
    assert find(bad_tokens(), lambda _: True) == InvalidValue("missing", None)
