"""Message-text strategies: GSM-7, UCS-2 and astral texts, and texts at the SMS length boundaries.

Lengths are counted in Unicode code points, as the contract counts `Message` (spec `MessageText`,
1 to 918; D5). Texts travel in a query string, so they never hold surrogates, NUL or any control
character other than ``"\\n"``. `message_text(rng)` and `text_of_length(rng, n, alphabet)` draw one text
from a ``random.Random``; the strategies draw through the very same functions (`strategies._seeded`).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from functools import partial
from typing import Final

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from strategies._plain import GSM7_BASIC, GSM7_EXTENSION, MAX_MESSAGE_LENGTH
from strategies._seeded import from_random
from strategies._validation import check_choice, check_size

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "MAX_MESSAGE_LENGTH",
    "MESSAGE_ALPHABETS",
    "SMS_LENGTH_BOUNDARIES",
    "boundary_texts",
    "is_gsm7",
    "message_text",
    "message_texts",
    "text_of_length",
    "texts_of_length",
]

#: 1 (shortest), 70 (one UCS-2 segment), 160 (one GSM-7 segment), 161 (first two-segment GSM-7 text), 918.
SMS_LENGTH_BOUNDARIES: tuple[int, ...] = (1, 70, 160, 161, MAX_MESSAGE_LENGTH)
#: Values of the `alphabet` argument.
MESSAGE_ALPHABETS: tuple[str, ...] = ("gsm7", "ucs2", "astral", "any")

# Upper bound on any requested length; longer texts are no use against a 918 limit and slow to draw.
_MAX_SIZE_LIMIT = 10_000
_GSM7_ALL = frozenset(GSM7_BASIC + GSM7_EXTENSION)
# No surrogates (Cs), controls (Cc, line feed added back), unassigned code points (Cn) or private use (Co).
_EXCLUDED_CATEGORIES: Final = ("Cs", "Cc", "Cn", "Co")
# Non-GSM characters a real UCS-2 message carries; tried first, so failures shrink to readable text.
_SAMPLE_NON_GSM = "ПриветЖ你好世界مرحباשלוםçœ“”…’"
_SAMPLE_ASTRAL = "👋🚀😀🎉👍🔥💬📱𝐀𠀋"

# Every character a GSM-7 text is drawn from, "@" first (CR and form feed left out).
_GSM7_CHARACTERS = "".join(character for character in GSM7_BASIC + GSM7_EXTENSION if character not in "\r\f")
_LINE_FEED = 0x0A  # the lowest character a text may hold
_MAX_BMP = 0xFFFF
_MAX_FREE_TEXT = 0x3FFFF  # free text: the BMP and planes 1-3 (emoji, CJK extensions); above: unassigned
_MAX_CODE_POINT = 0x10FFFF
_EMOJI_BLOCKS = (0x1F000, 0x1FAFF)


def is_gsm7(text: str) -> bool:
    """True when every character of `text` is in the GSM 03.38 basic or extension table."""
    return all(character in _GSM7_ALL for character in text)


def _indexes(rng: random.Random, count: int, size: int) -> list[int]:
    """`count` indexes below `size` (at most 2**24) from one ``randbytes`` call: hypothesis draws those
    bytes as a single choice, where ``choices`` would draw each index on its own, many times slower."""
    data = rng.randbytes(3 * count)
    return [int.from_bytes(data[start : start + 3], "big") % size for start in range(0, len(data), 3)]


def _carried(character: str) -> bool:
    """True for a character a query string carries: no excluded category, line feed allowed."""
    return character == "\n" or unicodedata.category(character) not in _EXCLUDED_CATEGORIES


def _code_points(
    rng: random.Random, count: int, low: int, high: int, exclude: frozenset[str] = frozenset()
) -> str:
    """`count` characters of ``[low, high]`` that a query string carries and `exclude` does not hold."""
    characters = [chr(low + index) for index in _indexes(rng, count, high - low + 1)]
    for index, character in enumerate(characters):
        while not _carried(character) or character in exclude:  # drawn again, one at a time
            character = chr(rng.randint(low, high))
        characters[index] = character
    return "".join(characters)


def _non_gsm_character(rng: random.Random) -> str:
    """A BMP character outside GSM-7, from a readable sample half of the time, else from U+00A0 up (below,
    the simplest character would be GSM-7 and drawn again for ever when hypothesis draws the simplest)."""
    if rng.random() < 0.5:
        return rng.choice(_SAMPLE_NON_GSM)
    return _code_points(rng, 1, 0xA0, _MAX_BMP, exclude=_GSM7_ALL)


def _astral_character(rng: random.Random) -> str:
    """A character beyond U+FFFF: a readable sample, an emoji, or any astral one."""
    where = rng.randrange(3)
    if where == 0:
        return rng.choice(_SAMPLE_ASTRAL)
    return _code_points(rng, 1, *(_EMOJI_BLOCKS if where == 1 else (0x10000, _MAX_CODE_POINT)))


def _with_one_of(rng: random.Random, high: int, required: Callable[[random.Random], str], size: int) -> str:
    """`size` characters up to `high`, one of them a `required` character inserted somewhere."""
    body = _code_points(rng, size - 1, _LINE_FEED, high)
    position = rng.randint(0, len(body))
    return body[:position] + required(rng) + body[position:]


def _text(rng: random.Random, alphabet: str, min_size: int, max_size: int) -> str:
    """`message_text` without argument checks."""
    if alphabet == "any":
        alphabet = rng.choice((*MESSAGE_ALPHABETS[:3], "mixed"))
    size = rng.randint(min_size, max_size)
    if alphabet == "gsm7":
        return "".join(_GSM7_CHARACTERS[index] for index in _indexes(rng, size, len(_GSM7_CHARACTERS)))
    if alphabet == "ucs2":
        return _with_one_of(rng, _MAX_BMP, _non_gsm_character, size)
    if alphabet == "astral":
        return _with_one_of(rng, _MAX_FREE_TEXT, _astral_character, size)
    return _code_points(rng, size, _LINE_FEED, _MAX_FREE_TEXT)


def _checked_sizes(min_size: int, max_size: int) -> None:
    check_size("min_size", min_size, min_value=1, max_value=_MAX_SIZE_LIMIT)
    check_size("max_size", max_size, min_value=1, max_value=_MAX_SIZE_LIMIT)
    if min_size > max_size:
        raise InvalidArgument(f"min_size={min_size!r} must not exceed max_size={max_size!r}")


def message_text(rng: random.Random, *, alphabet: str = "any", min_size: int = 1, max_size: int = 918) -> str:
    """One `message_texts` value drawn from `rng`."""
    check_choice("alphabet", alphabet, MESSAGE_ALPHABETS)
    _checked_sizes(min_size, max_size)
    return _text(rng, alphabet, min_size, max_size)


def text_of_length(rng: random.Random, length: int, alphabet: str = "gsm7") -> str:
    """One `texts_of_length` value drawn from `rng`: exactly `length` code points of `alphabet`."""
    check_size("length", length, min_value=1, max_value=_MAX_SIZE_LIMIT)
    check_choice("alphabet", alphabet, MESSAGE_ALPHABETS)
    return _text(rng, alphabet, length, length)


def message_texts(*, alphabet: str = "any", min_size: int = 1, max_size: int = 918) -> st.SearchStrategy[str]:
    """SMS message texts of `min_size` to `max_size` code points, from the given `alphabet`.

    - ``"gsm7"``: only GSM 03.38 characters (basic table and extension table, no CR or form feed),
      so the text fits the 7-bit encoding (160 septets per single segment);
    - ``"ucs2"``: BMP characters only, at least one of them outside GSM-7 (Cyrillic, CJK, Arabic,
      typographic quotes...), which forces UCS-2 encoding (70 characters per single segment);
    - ``"astral"``: at least one character beyond U+FFFF (emoji such as 👋 🚀, mathematical letters,
      CJK extension B), which takes two UTF-16 code units;
    - ``"any"``: one of the three above, or a free mix of all assigned characters.

    Never contains surrogates, unassigned or private-use code points, or control characters other
    than ``"\\n"``. Shrinks towards shorter texts, then towards ``"gsm7"`` texts of ``"@"``/``"0"``;
    the required non-GSM or astral character shrinks to a readable sample (``"П"``, ``"👋"``).
    """
    check_choice("alphabet", alphabet, MESSAGE_ALPHABETS)
    _checked_sizes(min_size, max_size)
    return from_random(partial(_text, alphabet=alphabet, min_size=min_size, max_size=max_size))


def texts_of_length(length: int, *, alphabet: str = "gsm7") -> st.SearchStrategy[str]:
    """Texts of exactly `length` code points from `alphabet` (see `message_texts`).

    Shrinks towards a text of repeated simple characters, with any required non-GSM or astral
    character at the front.
    """
    check_size("length", length, min_value=1, max_value=_MAX_SIZE_LIMIT)
    check_choice("alphabet", alphabet, MESSAGE_ALPHABETS)
    return from_random(partial(_text, alphabet=alphabet, min_size=length, max_size=length))


def boundary_texts(
    *, max_length: int = MAX_MESSAGE_LENGTH, include_over: bool = False
) -> st.SearchStrategy[str]:
    """Texts whose length is one of the SMS boundaries, in a random concrete alphabet.

    The lengths are the `SMS_LENGTH_BOUNDARIES` not above `max_length`, `max_length` itself, and
    ``max_length + 1`` (one code point too many) when `include_over` is true. The alphabet is drawn
    from ``"gsm7"``, ``"ucs2"`` and ``"astral"``. Shrinks towards the shortest length in GSM-7.
    """
    check_size("max_length", max_length, min_value=1, max_value=_MAX_SIZE_LIMIT)
    if not isinstance(include_over, bool):
        raise InvalidArgument(f"include_over={include_over!r} must be a bool")
    lengths = sorted({length for length in SMS_LENGTH_BOUNDARIES if length <= max_length} | {max_length})
    if include_over:
        lengths.append(max_length + 1)

    return from_random(partial(_boundary_text, tuple(lengths)))


def _boundary_text(lengths: tuple[int, ...], rng: random.Random) -> str:
    length = rng.choice(lengths)
    return _text(rng, rng.choice(MESSAGE_ALPHABETS[:3]), length, length)
