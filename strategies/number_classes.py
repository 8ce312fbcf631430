"""One spelling of a destination number per domain class: what lenient and sloppy parsers disagree about.

`invalid_numbers` explores each invalid kind; these functions make sure every run also sends the
spellings that separate a strict ``^[0-9]{3,15}$`` check from ``int()``, ``parseInt`` or a trim: a
leading ``+``, leading zeros, junk after the digits, signs inside, decimal and exponent forms,
fullwidth and other Unicode digits, whitespace, too few and too many digits, empty and missing.
Each value is derived from a real destination, so a server that parses leniently reaches the same
number; the words and positions vary with the seed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers

from strategies._plain import invalid_argument

__all__ = ["NUMBER_CLASSES", "ClassNumber", "number_class_values", "other_numbers_like"]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# zero of a decimal-digit block that is not fullwidth (Unicode category Nd; int() accepts them)
_OTHER_DIGIT_ZEROS = (0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0x1040)
_FULLWIDTH_ZERO = 0xFF10


@dataclass(frozen=True, slots=True)
class ClassNumber:
    """A spelling of a number (None: the parameter is left out) and the class it stands for."""

    name: str
    value: str | None


def _in_script(digits: str, zero: int) -> str:
    return "".join(chr(zero + int(d)) for d in digits)


def _split(rng: random.Random, digits: str) -> int:
    return rng.randint(1, len(digits) - 1)


def _inner(rng: random.Random, digits: str, separator: str) -> str:
    cut = _split(rng, digits)
    return digits[:cut] + separator + digits[cut:]


def _exponent(digits: str) -> str:
    significant = digits.rstrip("0") or "0"
    mantissa = significant[0] + ("." + significant[1:] if len(significant) > 1 else "")
    return f"{mantissa}e{len(digits) - 1}"  # the same integer in scientific notation


NUMBER_CLASSES: dict[str, Callable[[random.Random, str], str | None]] = {
    "leading-plus": lambda rng, d: "+" + d,
    "leading-zeros": lambda rng, d: "0" * rng.randint(1, 2) + d,
    "trailing-junk": lambda rng, d: d + "".join(rng.choice(_LETTERS) for _ in range(rng.randint(1, 4))),
    "inner-sign": lambda rng, d: _inner(rng, d, rng.choice("-+")),
    "decimal": lambda rng, d: d + "." + "0" * rng.randint(1, 2),
    "exponent": lambda rng, d: _exponent(d),
    "fullwidth-digits": lambda rng, d: _in_script(d, _FULLWIDTH_ZERO),
    "other-unicode-digits": lambda rng, d: _in_script(d, rng.choice(_OTHER_DIGIT_ZEROS)),
    "surrounding-whitespace": lambda rng, d: rng.choice((" ", "\t")) + d + rng.choice((" ", "\t", "")),
    "inner-whitespace": lambda rng, d: _inner(rng, d, " "),
    "too-short": lambda rng, d: d[: rng.randint(1, 2)],
    "too-long": lambda rng, d: (
        d + "".join(rng.choice("0123456789") for _ in range(16 - len(d) + rng.randint(0, 3)))
    ),
    "empty": lambda rng, d: "",
    "missing": lambda rng, d: None,
}


def number_class_values(rng: random.Random, destination: str) -> list[ClassNumber]:
    """One spelling of `destination` (3 to 15 ASCII digits) for every `NUMBER_CLASSES` class."""
    if not isinstance(destination, str) or re.fullmatch(r"[0-9]{3,15}", destination, flags=re.ASCII) is None:
        raise invalid_argument(f"destination={destination!r} must be 3 to 15 ASCII digits")
    return [ClassNumber(f"number:{name}", build(rng, destination)) for name, build in NUMBER_CLASSES.items()]


def _country_code(number: str) -> str:
    """The country calling code at the start of an E.164 number given as digits (1 to 3 digits)."""
    try:
        parsed = phonenumbers.parse("+" + number)
    except phonenumbers.NumberParseException:
        return number[:1]
    code = str(parsed.country_code)
    return code if number.startswith(code) else number[:1]


def _next_digit(digit: str) -> str:
    return str((int(digit) + 1) % 10)


def other_numbers_like(number: str) -> list[ClassNumber]:
    """Numbers that are *not* `number` (an E.164 number as digits, no ``+``) but look like it: spellings
    that denote another number under a strict reading, and numbers of the same shape.

    - ``other-country-code``: the national number after another country code (44, or 1 for +44);
    - ``national-form``: the national number alone, the country code dropped;
    - ``trunk-zero``: the national number after a trunk prefix ``0``;
    - ``plus-national``: ``+`` and the national number (another country code, read as E.164);
    - ``last-digit-changed`` and ``first-national-digit-changed``: the same length, one digit different.
    """
    if not number.isascii() or not number.isdigit() or len(number) < 4:
        raise invalid_argument(f"number={number!r} must be 4 to 15 ASCII digits, an E.164 number without +")
    code = _country_code(number)
    national = number[len(code) :]
    other_code = "1" if code == "44" else "44"
    candidates = [
        ClassNumber("other-country-code", other_code + national),
        ClassNumber("national-form", national),
        ClassNumber("trunk-zero", "0" + national),
        ClassNumber("plus-national", "+" + national),
        ClassNumber("last-digit-changed", number[:-1] + _next_digit(number[-1])),
        ClassNumber("first-national-digit-changed", code + _next_digit(national[0]) + national[1:]),
    ]
    return [candidate for candidate in candidates if candidate.value != number]
