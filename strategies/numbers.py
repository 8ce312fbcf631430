"""Phone-number strategies: valid NANP numbers and the invalid `FROM`/`TO` values a server must reject.

The contract (spec `PhoneDigits`) is ASCII digits only, 3 to 15 of them, no `+`: ``^[0-9]{3,15}$``.
`valid_nanp(rng)` and `invalid_number(rng, kind)` draw one value from a ``random.Random``; the
strategies draw through the very same functions (`strategies._seeded`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Collection, Sequence
from functools import partial

import phonenumbers
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from strategies._nanp_exchanges import UnsupportedPattern, area_codes, exchange_codes
from strategies._nanp_exchanges import nanp_regions as _nanp_regions
from strategies._seeded import from_random
from strategies._validation import check_kinds
from strategies.invalid_value import InvalidValue

__all__ = [
    "INVALID_NUMBER_KINDS",
    "PHONE_DIGITS_PATTERN",
    "invalid_number",
    "invalid_numbers",
    "valid_nanp",
    "valid_numbers",
]

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
_MAX_NANP_ATTEMPTS = 100  # a number phonenumbers finds invalid is drawn again, at most this many times


def _is_valid_nanp(digits: str, regions: frozenset[str]) -> bool:
    number = phonenumbers.parse("+" + digits)
    return phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) in regions


def _checked_regions(regions: Sequence[str]) -> tuple[str, ...]:
    """`regions` without repeats, each a NANP region whose metadata expands to area codes."""
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
        try:
            codes = area_codes(region)
        except UnsupportedPattern as error:
            codes, reason = (), f" ({error})"
        else:
            reason = ""
        if not codes:
            raise InvalidArgument(
                f"regions={regions!r}: phonenumbers' metadata for {region!r} gives no area code{reason}; "
                "install a phonenumberslite this version reads, or leave the region out"
            )
    return tuple(dict.fromkeys(regions))


def _nanp(rng: random.Random, regions: tuple[str, ...]) -> str:
    accepted = frozenset(regions)
    for _ in range(_MAX_NANP_ATTEMPTS):
        region = rng.choice(regions)
        area = rng.choice(area_codes(region))
        exchange = rng.choice(exchange_codes(region, area))
        digits = f"1{area}{exchange}{rng.randint(0, 9999):04d}"
        if _is_valid_nanp(digits, accepted):
            return digits
    raise ValueError(f"no valid number of {regions!r} in {_MAX_NANP_ATTEMPTS} attempts")  # pragma: no cover


def valid_nanp(rng: random.Random, *, regions: Sequence[str] = ("US", "CA")) -> str:
    """A valid NANP number of `regions` drawn from `rng`, as `valid_numbers` describes."""
    return _nanp(rng, _checked_regions(regions))


def valid_numbers(
    *, regions: Sequence[str] = ("US", "CA"), allowed: Sequence[str] | None = None
) -> st.SearchStrategy[str]:
    """Valid NANP numbers as E.164 digits without ``+``: 11 ASCII digits starting with 1 (``"14155550123"``).

    Each number is built like a real one: a region of `regions`, an area code drawn uniformly from the
    region's fixed-line and mobile patterns in phonenumbers' metadata, one of that area code's
    exchanges, and a random four-digit line number. Every value is then checked with
    `phonenumbers.is_valid_number` and must belong to one of `regions` (NANP region codes such as
    ``"US"``, ``"CA"``, ``"PR"``); `valid_nanp` draws the same values from a ``random.Random``.

    When `allowed` is given (a destination allow-list, e.g. from a target profile), values are sampled
    from it instead and `regions` only gets validated: allow-list entries are used as they are.

    Shrinks towards the first region (its lowest area code and exchange, line 0000), or towards the
    first entry of `allowed`.
    """
    checked = _checked_regions(regions)
    if allowed is not None:
        if isinstance(allowed, str) or not isinstance(allowed, Sequence):
            raise InvalidArgument(f"allowed={allowed!r} must be a sequence of digit strings")
        if not allowed:
            raise InvalidArgument(f"allowed={allowed!r} must not be empty")
        for entry in allowed:
            if not isinstance(entry, str) or re.fullmatch(r"[0-9]+", entry, flags=re.ASCII) is None:
                raise InvalidArgument(f"allowed={allowed!r} contains {entry!r}, which is not ASCII digits")
        return st.sampled_from(tuple(allowed))
    return from_random(partial(_nanp, regions=checked))


def _from(rng: random.Random, alphabet: str, min_size: int, max_size: int) -> str:
    return "".join(rng.choices(alphabet, k=rng.randint(min_size, max_size)))


def _digits(rng: random.Random, min_size: int, max_size: int) -> str:
    return _from(rng, _ASCII_DIGITS, min_size, max_size)


def _with_inserted(rng: random.Random, value: str, extra: Callable[[], str], *, inner: bool) -> str:
    """`value` with one to three `extra()` strings inserted; strictly inside it when `inner`."""
    for _ in range(rng.randint(1, 3)):
        low, high = (1, len(value) - 1) if inner and len(value) >= 2 else (0, len(value))
        position = rng.randint(low, high)
        value = value[:position] + extra() + value[position:]
    return value


def _unicode_digits(rng: random.Random) -> str:
    """3 to 15 decimal digits, at least one of them non-ASCII (one script per value, like a pasted number)."""
    zero = rng.choice(_UNICODE_DIGIT_ZEROS)
    script = [chr(zero + digit) for digit in range(10)]
    head = rng.choice(script)
    tail = [rng.choice(rng.choice((script, _ASCII_DIGITS))) for _ in range(rng.randint(2, 14))]
    position = rng.randint(0, len(tail))
    return "".join(tail[:position]) + head + "".join(tail[position:])


def _invalid_number(rng: random.Random, kind: str) -> str | None:
    if kind == "letters":
        letters = partial(_from, rng, _ASCII_LETTERS, 1, 6)
        return _with_inserted(rng, _digits(rng, 1, 14), letters, inner=False)
    if kind == "signs":
        return _with_inserted(rng, _digits(rng, 3, 15), partial(rng.choice, _SIGNS), inner=True)
    if kind == "too_long":
        return _digits(rng, 16, 25)
    if kind == "too_short":
        return _digits(rng, 1, 2)
    if kind == "empty":
        return ""
    if kind == "unicode_digits":
        return _unicode_digits(rng)
    if kind == "whitespace":
        return _with_inserted(rng, _digits(rng, 3, 15), partial(rng.choice, _WHITESPACE), inner=False)
    if kind == "missing":
        return None
    raise AssertionError(f"unhandled kind {kind!r}")  # pragma: no cover - kinds are checked first


def invalid_number(rng: random.Random, kind: str) -> InvalidValue:
    """One `invalid_numbers` value of `kind` drawn from `rng`."""
    (checked,) = check_kinds((kind,), INVALID_NUMBER_KINDS)
    return InvalidValue(checked, _invalid_number(rng, checked))


def _invalid_of(kinds: tuple[str, ...], rng: random.Random) -> InvalidValue:
    kind = rng.choice(kinds)
    return InvalidValue(kind, _invalid_number(rng, kind))


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
    return from_random(partial(_invalid_of, selected))
