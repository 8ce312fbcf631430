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

from strategies._plain import invalid_argument

__all__ = ["NUMBER_CLASSES", "ClassNumber", "number_class_values"]

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
