"""Phone-number strategies: valid NANP numbers and the invalid `FROM`/`TO` values a server must reject.

The contract (spec `PhoneDigits`) is ASCII digits only, 3 to 15 of them, no `+`: ``^[0-9]{3,15}$``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import lru_cache, partial

import phonenumbers
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from strategies._nanp_exchanges import UnsupportedPattern, area_codes, exchange_codes, geographic_patterns
from strategies._nanp_exchanges import nanp_regions as _nanp_regions
from strategies._validation import check_kinds
from strategies.invalid_value import InvalidValue

__all__ = ["INVALID_NUMBER_KINDS", "PHONE_DIGITS_PATTERN", "invalid_numbers", "valid_numbers"]

#: The contract's pattern for `FROM` and `TO`, to be used with `re.fullmatch(..., flags=re.ASCII)`.
PHONE_DIGITS_PATTERN = r"[0-9]{3,15}"

#: Kinds of `invalid_numbers`, in the order they shrink towards.
INVALID_NUMBER_KINDS: tuple[str, ...] = (
    "letters",
    "signs",
    "too_long",
    "too_short",
    "empty",
    "unicode_digits",
    "whitespace",
    "missing",
)

_ASCII_DIGITS = "0123456789"
_ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SIGNS = "-().+"
_WHITESPACE = " \t\n"
# The zero of each decimal-digit block used; the digit d of a block is chr(zero + d). All are
# Unicode category Nd, so `str.isdigit()` and `int()` accept them while ASCII `[0-9]` does not.
_UNICODE_DIGIT_ZEROS = (
    0x0660,  # ARABIC-INDIC DIGIT ZERO
    0x06F0,  # EXTENDED ARABIC-INDIC DIGIT ZERO
    0x0966,  # DEVANAGARI DIGIT ZERO
    0xFF10,  # FULLWIDTH DIGIT ZERO
    0x09E6,  # BENGALI DIGIT ZERO
    0x0E50,  # THAI DIGIT ZERO
    0x1040,  # MYANMAR DIGIT ZERO
    0x1D7CE,  # MATHEMATICAL BOLD DIGIT ZERO (astral)
)


def _is_valid_nanp(digits: str, regions: frozenset[str]) -> bool:
    if not (digits.isascii() and digits.isdigit()):
        return False
    number = phonenumbers.parse("+" + digits)
    return phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) in regions


def _region_national_numbers(region: str) -> st.SearchStrategy[str]:
    """Ten-digit national numbers of `region`: area code, then exchange, then line number."""
    try:
        codes = area_codes(region)
    except UnsupportedPattern:
        codes = ()
    if not codes:
        # Metadata in a syntax the expander does not read: follow the patterns themselves.
        return st.one_of(
            [
                st.from_regex(pattern, fullmatch=True, alphabet=_ASCII_DIGITS)
                for pattern in geographic_patterns(region)
            ]
        )

    @st.composite
    def national(draw: st.DrawFn) -> str:
        area = draw(st.sampled_from(codes))
        exchange = draw(st.sampled_from(exchange_codes(region, area)))
        line = draw(st.integers(min_value=0, max_value=9999))
        return f"{area}{exchange}{line:04d}"

    return national()


@lru_cache(maxsize=32)
def _valid_numbers_for(regions: tuple[str, ...]) -> st.SearchStrategy[str]:
    accepted = frozenset(regions)
    return (
        st.one_of([_region_national_numbers(region) for region in regions])
        .map(lambda national: "1" + national)
        .filter(lambda digits: _is_valid_nanp(digits, accepted))
    )


def valid_numbers(
    *, regions: Sequence[str] = ("US", "CA"), allowed: Sequence[str] | None = None
) -> st.SearchStrategy[str]:
    """Valid NANP numbers as E.164 digits without ``+``: 11 ASCII digits starting with 1 (``"14155550123"``).

    Each number is built like a real one: an area code drawn uniformly from the region's fixed-line
    and mobile patterns in phonenumbers' metadata, one of that area code's exchanges, and a random
    four-digit line number. Every value is then checked with `phonenumbers.is_valid_number` and must
    belong to one of `regions` (NANP region codes such as ``"US"``, ``"CA"``, ``"PR"``).

    When `allowed` is given (a destination allow-list, e.g. from a target profile), values are sampled
    from it instead and `regions` only gets validated: allow-list entries are used as they are.

    Shrinks towards the first region (its lowest area code and exchange, line 0000), or towards the
    first entry of `allowed`.
    """
    if isinstance(regions, str) or not isinstance(regions, Sequence):
        raise InvalidArgument(f"regions={regions!r} must be a sequence of region codes, such as ('US', 'CA')")
    if not regions:
        raise InvalidArgument(f"regions={regions!r} must not be empty")
    known = _nanp_regions()
    for region in regions:
        if region not in known:
            raise InvalidArgument(
                f"regions={regions!r} contains {region!r}, which is not a NANP region; "
                f"choose from {sorted(known)!r}"
            )
    if allowed is not None:
        if isinstance(allowed, str) or not isinstance(allowed, Sequence):
            raise InvalidArgument(f"allowed={allowed!r} must be a sequence of digit strings")
        if not allowed:
            raise InvalidArgument(f"allowed={allowed!r} must not be empty")
        for entry in allowed:
            if not isinstance(entry, str) or re.fullmatch(r"[0-9]+", entry, flags=re.ASCII) is None:
                raise InvalidArgument(f"allowed={allowed!r} contains {entry!r}, which is not ASCII digits")
        return st.sampled_from(tuple(allowed))
    return _valid_numbers_for(tuple(dict.fromkeys(regions)))


def _digit_strings(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=_ASCII_DIGITS, min_size=min_size, max_size=max_size)


def _with_inserted(
    base: st.SearchStrategy[str], extra: st.SearchStrategy[str], *, inner: bool
) -> st.SearchStrategy[str]:
    """`base` with one to three draws of `extra` inserted; strictly inside the base when `inner`."""

    @st.composite
    def inserted(draw: st.DrawFn) -> str:
        value = draw(base)
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            low, high = (1, len(value) - 1) if inner and len(value) >= 2 else (0, len(value))
            position = draw(st.integers(min_value=low, max_value=high))
            value = value[:position] + draw(extra) + value[position:]
        return value

    return inserted()


def _unicode_digit_strings() -> st.SearchStrategy[str]:
    """3 to 15 decimal digits, at least one of them non-ASCII (one script per value, like a pasted number)."""

    @st.composite
    def digits(draw: st.DrawFn) -> str:
        zero = draw(st.sampled_from(_UNICODE_DIGIT_ZEROS))
        script = st.integers(min_value=0, max_value=9).map(lambda d: chr(zero + d))
        mixed = st.one_of(script, st.sampled_from(_ASCII_DIGITS))
        head = draw(script)
        tail = draw(st.lists(mixed, min_size=2, max_size=14))
        position = draw(st.integers(min_value=0, max_value=len(tail)))
        return "".join(tail[:position]) + head + "".join(tail[position:])

    return digits()


def _invalid_number_values(kind: str) -> st.SearchStrategy[str | None]:
    if kind == "letters":
        letters = st.text(alphabet=_ASCII_LETTERS, min_size=1, max_size=6)
        return _with_inserted(_digit_strings(1, 14), letters, inner=False)
    if kind == "signs":
        return _with_inserted(_digit_strings(3, 15), st.sampled_from(_SIGNS), inner=True)
    if kind == "too_long":
        return _digit_strings(16, 25)
    if kind == "too_short":
        return _digit_strings(1, 2)
    if kind == "empty":
        return st.just("")
    if kind == "unicode_digits":
        return _unicode_digit_strings()
    if kind == "whitespace":
        return _with_inserted(_digit_strings(3, 15), st.sampled_from(_WHITESPACE), inner=False)
    if kind == "missing":
        return st.none()
    raise AssertionError(f"unhandled kind {kind!r}")  # pragma: no cover - kinds are checked first


def invalid_numbers(*, kinds: Collection[str] | None = None) -> st.SearchStrategy[InvalidValue]:
    """`FROM`/`TO` values outside the contract's ``^[0-9]{3,15}$`` (ASCII), labelled with their kind.

    Kinds (all of `INVALID_NUMBER_KINDS` by default):

    - ``letters``: ASCII digits with runs of ASCII letters, like the documented ``qwerty123456789``;
    - ``signs``: 3-15 digits with ``-``, ``(``, ``)``, ``.`` or ``+`` inside, e.g. ``415-555.0123``;
    - ``too_long``: 16-25 ASCII digits; ``too_short``: 1-2 ASCII digits; ``empty``: ``""``;
    - ``unicode_digits``: 3-15 decimal digits with at least one non-ASCII one (Arabic-Indic, fullwidth,
      Devanagari...), which `str.isdigit()` and `int()` accept but ASCII ``[0-9]`` does not;
    - ``whitespace``: 3-15 digits with spaces, tabs or newlines before, inside or after them;
    - ``missing``: value None, i.e. the parameter is left out.

    Every value fails ``re.fullmatch(r"[0-9]{3,15}", value, flags=re.ASCII)`` or is None.
    Shrinks towards the simplest draw: the fixed values (``empty``, ``missing``) when they are
    selected, otherwise the shortest value of an early kind (``letters`` shrinks to a digit and a letter).
    """
    selected = check_kinds(kinds, INVALID_NUMBER_KINDS)
    return st.one_of([_invalid_number_values(kind).map(partial(InvalidValue, kind)) for kind in selected])
