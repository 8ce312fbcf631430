"""Which requests name a leased sender, read as leniently as any server might read a number.

A request "could send an SMS" (and counts against ``max_sends``) when any value it carries —
a query value under any name, or a JSON body value at any depth — could be read as a leased
sender by *some* parser: Python ``int()`` (Unicode digits, surrounding whitespace, ``+``),
JavaScript ``parseInt`` (a leading run of digits, the rest ignored), a server that drops
punctuation, or one that adds or drops the NANP country code ``1``. Counting too much only
spends budget; counting too little can send a paid SMS (D17, D18).
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from conformance.model.exchange import RecordedRequest

__all__ = ["lenient_readings", "names_leased_sender", "request_values", "value_names_leased"]

_MAX_VALUE_CHARS = 4096  # a value longer than this is a message text, never read as a number
_MAX_BODY_VALUES = 10_000


def _ascii_digits(text: str) -> str:
    """Every character that some parser reads as a decimal digit, as ASCII, others kept."""
    out: list[str] = []
    for char in text:
        digit = unicodedata.decimal(char, None)
        out.append(str(digit) if digit is not None else char)
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def lenient_readings(value: str) -> frozenset[str]:
    """The numbers (ASCII digits, no leading zeros) lenient parsers may read from ``value``.

    Kept per value (a run asks it of every parameter of every request it may send, and the same
    senders, destinations and texts come back again and again)."""
    if len(value) > _MAX_VALUE_CHARS:
        return frozenset()
    text = unicodedata.normalize("NFKC", _ascii_digits(value)).strip()
    text = text.lstrip("+ \t\r\n\v\f")
    readings: set[str] = set()
    prefix = ""
    for char in text:
        if not char.isascii() or not char.isdigit():
            break
        prefix += char
    every_digit = "".join(c for c in text if c.isascii() and c.isdigit())
    for candidate in (prefix, every_digit):
        number = candidate.lstrip("0")
        if number:
            readings.add(number)
            # a server may add or drop NANP's country code
            readings.add(number[1:] if number.startswith("1") and len(number) == 11 else "1" + number)
    return frozenset(readings)


def value_names_leased(value: str, senders: Collection[str]) -> bool:
    """True when some lenient reading of ``value`` is one of the leased ``senders``."""
    leased = {s.lstrip("0") for s in senders}
    return bool(lenient_readings(value) & leased)


def _json_values(data: Any, budget: list[int]) -> Iterator[str]:
    if budget[0] <= 0:
        return
    budget[0] -= 1
    if isinstance(data, dict):
        for key, item in data.items():
            yield str(key)
            yield from _json_values(item, budget)
    elif isinstance(data, list):
        for item in data:
            yield from _json_values(item, budget)
    elif data is not None and not isinstance(data, bool):
        yield str(data)


def request_values(request: RecordedRequest) -> Iterable[str]:
    """Every query value and every JSON body value (and key) of a request."""
    values = [value for _, value in request.query]
    if request.body:
        try:
            values.extend(_json_values(json.loads(request.body), [_MAX_BODY_VALUES]))
        except (ValueError, RecursionError):
            values.append(request.body.decode("utf-8", "replace")[:_MAX_VALUE_CHARS])
    return values


def names_leased_sender(request: RecordedRequest, senders: Collection[str]) -> bool:
    """The budget's rule: the request carries a value that may be read as a leased sender."""
    return any(value_names_leased(value, senders) for value in request_values(request))
