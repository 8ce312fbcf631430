"""Which requests name a leased sender, read as leniently as any server might read a number.

A request "could send an SMS" (and counts against ``max_sends``) when any value it carries —
a query value under any name, or a JSON body value (or key) at any depth — could be read as a
leased sender by *some* parser: Python ``int()`` (Unicode digits, surrounding whitespace, ``+``),
JavaScript ``parseInt`` (a leading run of digits, the rest ignored), ``Number()``/``float()``
then a cut (a decimal or exponent form: ``1.2017771234e10``), a server that drops punctuation, or
one that adds or drops the NANP country code ``1``. Values of any length are read, in time linear
in their length (no ``int()``: digit sequences are compared as text). Counting too much only
spends budget; counting too little can send a paid SMS (D17, D18).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from conformance.model.exchange import RecordedRequest

__all__ = ["lenient_readings", "names_leased_sender", "request_values", "value_names_leased"]

_CACHED_VALUE_CHARS = 4096  # readings of values up to this long are kept; longer ones are read each time
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")  # a decimal digit of another script: "١", "１", "߁"
_LEADING_DIGITS = re.compile(r"[0-9]*")
_NOT_DIGITS = re.compile(r"[^0-9]+")
_EXPONENT_FORM = re.compile(r"([0-9]*)(?:\.([0-9]*))?[eE]([+-]?[0-9]{1,4})")
_MAX_EXPONENT_ZEROS = 32  # zeros an exponent may append: far more than any phone number has
_LEADING_SIGNS = "+ \t\r\n\v\f"
# a body that is no JSON is also read piece by piece, cut at JSON's structural characters
_BODY_PIECES = re.compile(r'[{}\[\]",:]+')


def _ascii_digits(text: str) -> str:
    """Every character that some parser reads as a decimal digit, as ASCII, others kept."""
    if text.isascii():
        return text
    return _OTHER_DIGIT.sub(lambda match: str(unicodedata.decimal(match.group(), "")), text)


def _exponent_reading(text: str) -> str:
    """The integer part of a leading ``1.2017771234e10`` (as ``Number()``/``float()`` then a cut read it)."""
    match = _EXPONENT_FORM.match(text)
    if match is None:
        return ""
    whole, fraction, exponent = match.group(1), match.group(2) or "", int(match.group(3))
    digits, point = whole + fraction, len(whole) + exponent
    if point <= 0 or point > len(digits) + _MAX_EXPONENT_ZEROS:
        return ""
    return digits[:point] + "0" * (point - len(digits))


def _readings(value: str) -> frozenset[str]:
    text = unicodedata.normalize("NFKC", _ascii_digits(value)).strip().lstrip(_LEADING_SIGNS)
    readings: set[str] = set()
    leading = _LEADING_DIGITS.match(text)
    prefix = leading.group() if leading else ""
    for candidate in (prefix, _NOT_DIGITS.sub("", text), _exponent_reading(text)):
        number = candidate.lstrip("0")
        if number:
            readings.add(number)
            # a server may add or drop NANP's country code
            readings.add(number[1:] if number.startswith("1") and len(number) == 11 else "1" + number)
    return frozenset(readings)


_cached_readings = functools.lru_cache(maxsize=4096)(_readings)


def lenient_readings(value: str) -> frozenset[str]:
    """The numbers (ASCII digits, no leading zeros) lenient parsers may read from ``value``.

    Kept per value up to 4,096 characters (a run asks it of every parameter of every request it
    may send, and the same senders, destinations and texts come back again and again)."""
    return _cached_readings(value) if len(value) <= _CACHED_VALUE_CHARS else _readings(value)


def value_names_leased(value: str, senders: Collection[str]) -> bool:
    """True when some lenient reading of ``value`` is one of the leased ``senders``."""
    leased = {s.lstrip("0") for s in senders}
    return bool(lenient_readings(value) & leased)


def _json_values(data: Any) -> Iterator[str]:
    """Every key and scalar of parsed JSON as text, with an explicit stack (any depth, no recursion)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                yield str(key)
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
        elif item is not None and not isinstance(item, bool):
            yield str(item)


def request_values(request: RecordedRequest) -> Iterable[str]:
    """Every query value and every JSON body value (and key) of a request.

    JSON numbers are kept as their text (``int()`` is never asked to convert one); a body that is
    not JSON (or too deep to parse) is read whole and piece by piece."""
    values = [value for _, value in request.query]
    if request.body:
        text = request.body.decode("utf-8", "replace")
        try:
            values.extend(_json_values(json.loads(text, parse_int=str, parse_float=str)))
        except (ValueError, RecursionError):
            values.append(text)
            values.extend(_BODY_PIECES.split(text))
    return values


def names_leased_sender(request: RecordedRequest, senders: Collection[str]) -> bool:
    """The budget's rule: the request carries a value that may be read as a leased sender."""
    return any(value_names_leased(value, senders) for value in request_values(request))
