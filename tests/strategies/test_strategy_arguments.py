"""Every public strategy refuses bad arguments with `InvalidArgument` naming the bad value."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from strategies import (
    bad_tokens,
    boundary_texts,
    invalid_numbers,
    message_texts,
    texts_of_length,
    valid_numbers,
)

BAD_CALLS: list[tuple[str, Callable[[], SearchStrategy[object]], str]] = [
    ("regions as a bare string", lambda: valid_numbers(regions="US"), "'US'"),
    ("empty regions", lambda: valid_numbers(regions=()), "()"),
    ("non-NANP region", lambda: valid_numbers(regions=("US", "GB")), "'GB'"),
    ("unknown region", lambda: valid_numbers(regions=["XX"]), "'XX'"),
    ("empty allow-list", lambda: valid_numbers(allowed=[]), "[]"),
    ("allow-list as a bare string", lambda: valid_numbers(allowed="14155550123"), "'14155550123'"),
    ("allow-list entry with a plus", lambda: valid_numbers(allowed=["+14155550123"]), "'+14155550123'"),
    ("allow-list entry with unicode digits", lambda: valid_numbers(allowed=["١٢٣"]), "'١٢٣'"),
    ("allow-list entry not a str", lambda: valid_numbers(allowed=[14155550123]), "14155550123"),  # type: ignore[list-item]
    ("unknown number kind", lambda: invalid_numbers(kinds=["letters", "emoji"]), "'emoji'"),
    ("number kinds as a bare string", lambda: invalid_numbers(kinds="empty"), "'empty'"),
    ("no number kinds", lambda: invalid_numbers(kinds=[]), "[]"),
    ("unknown alphabet", lambda: message_texts(alphabet="latin1"), "'latin1'"),
    ("min_size zero", lambda: message_texts(min_size=0), "min_size=0"),
    ("min_size above max_size", lambda: message_texts(min_size=10, max_size=5), "min_size=10"),
    ("max_size above the limit", lambda: message_texts(max_size=10_001), "max_size=10001"),
    ("max_size not an int", lambda: message_texts(max_size=9.5), "max_size=9.5"),  # type: ignore[arg-type]
    ("min_size a bool", lambda: message_texts(min_size=True), "min_size=True"),
    ("length zero", lambda: texts_of_length(0), "length=0"),
    ("length above the limit", lambda: texts_of_length(10_001), "length=10001"),
    ("length of unknown alphabet", lambda: texts_of_length(5, alphabet="ascii"), "'ascii'"),
    ("max_length zero", lambda: boundary_texts(max_length=0), "max_length=0"),
    ("include_over not a bool", lambda: boundary_texts(include_over="yes"), "'yes'"),  # type: ignore[arg-type]
    ("unknown token kind", lambda: bad_tokens(kinds=["expired"]), "'expired'"),
    ("empty exclude", lambda: bad_tokens(exclude=""), "exclude=''"),
    ("exclude not a str", lambda: bad_tokens(exclude=b"token"), "b'token'"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("call", "named"), [pytest.param(c, n, id=i) for i, c, n in BAD_CALLS])
def test_bad_argument_raises_invalid_argument_naming_the_value(
    call: Callable[[], SearchStrategy[object]], named: str
) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(named)):
        call()


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        valid_numbers(("US",))  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        message_texts("gsm7")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        texts_of_length(5, "gsm7")  # type: ignore[call-arg]
