"""Digit strings read as numbers without ever raising: ``int()`` refuses more than 4,300 digits."""

from __future__ import annotations

__all__ = ["integer_or_text", "is_ascii_digits"]


def is_ascii_digits(text: str) -> bool:
    """Only ASCII 0-9 (``str.isdigit`` alone also admits "²" and "٣")."""
    return text.isascii() and text.isdigit()


def integer_or_text(text: str) -> int | str:
    """``text`` as the integer it spells; as it is if it spells none or is too long for ``int()``."""
    if not is_ascii_digits(text):
        return text
    try:
        return int(text)
    except ValueError:  # longer than sys.get_int_max_str_digits()
        return text
