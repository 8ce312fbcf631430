"""Message-text strategies: GSM-7, UCS-2 and astral texts, and texts at the SMS length boundaries.

Lengths are counted in Unicode code points, as the contract counts `Message` (spec `MessageText`,
1 to 918; D5). Texts travel in a query string, so they never hold surrogates, NUL or any control
character other than ``"\\n"``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from strategies._plain import GSM7_BASIC, GSM7_EXTENSION, MAX_MESSAGE_LENGTH
from strategies._validation import check_choice, check_size

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "MAX_MESSAGE_LENGTH",
    "MESSAGE_ALPHABETS",
    "SMS_LENGTH_BOUNDARIES",
    "boundary_texts",
    "is_gsm7",
    "message_texts",
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

_gsm7_characters = st.sampled_from(sorted(_GSM7_ALL - {"\r", "\f"}))
_bmp_characters = st.characters(
    max_codepoint=0xFFFF, exclude_categories=_EXCLUDED_CATEGORIES, include_characters="\n"
)
_non_gsm_bmp_characters = st.one_of(
    st.sampled_from(_SAMPLE_NON_GSM),
    st.characters(
        max_codepoint=0xFFFF,
        exclude_categories=_EXCLUDED_CATEGORIES,
        exclude_characters="".join(sorted(_GSM7_ALL)),
    ),
)
_astral_characters = st.one_of(
    st.sampled_from(_SAMPLE_ASTRAL),
    st.characters(min_codepoint=0x1F000, max_codepoint=0x1FAFF, exclude_categories=_EXCLUDED_CATEGORIES),
    st.characters(min_codepoint=0x10000, exclude_categories=_EXCLUDED_CATEGORIES),
)
_any_characters = st.characters(exclude_categories=_EXCLUDED_CATEGORIES, include_characters="\n")


def is_gsm7(text: str) -> bool:
    """True when every character of `text` is in the GSM 03.38 basic or extension table."""
    return all(character in _GSM7_ALL for character in text)


def _with_one_of(
    pool: st.SearchStrategy[str], required: st.SearchStrategy[str], min_size: int, max_size: int
) -> st.SearchStrategy[str]:
    """Texts of `pool` characters with one `required` character inserted somewhere."""

    @st.composite
    def texts(draw: st.DrawFn) -> str:
        body = draw(st.text(alphabet=pool, min_size=min_size - 1, max_size=max_size - 1))
        position = draw(st.integers(min_value=0, max_value=len(body)))
        return body[:position] + draw(required) + body[position:]

    return texts()


@lru_cache(maxsize=256)
def _texts(alphabet: str, min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """`message_texts` without argument checks, cached because `boundary_texts` asks for it per draw."""
    if alphabet == "gsm7":
        return st.text(alphabet=_gsm7_characters, min_size=min_size, max_size=max_size)
    if alphabet == "ucs2":
        return _with_one_of(_bmp_characters, _non_gsm_bmp_characters, min_size, max_size)
    if alphabet == "astral":
        return _with_one_of(_any_characters, _astral_characters, min_size, max_size)
    return st.one_of(
        _texts("gsm7", min_size, max_size),
        _texts("ucs2", min_size, max_size),
        _texts("astral", min_size, max_size),
        st.text(alphabet=_any_characters, min_size=min_size, max_size=max_size),
    )


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
    check_size("min_size", min_size, min_value=1, max_value=_MAX_SIZE_LIMIT)
    check_size("max_size", max_size, min_value=1, max_value=_MAX_SIZE_LIMIT)
    if min_size > max_size:
        raise InvalidArgument(f"min_size={min_size!r} must not exceed max_size={max_size!r}")
    return _texts(alphabet, min_size, max_size)


def texts_of_length(length: int, *, alphabet: str = "gsm7") -> st.SearchStrategy[str]:
    """Texts of exactly `length` code points from `alphabet` (see `message_texts`).

    Shrinks towards a text of repeated simple characters, with any required non-GSM or astral
    character at the front.
    """
    check_size("length", length, min_value=1, max_value=_MAX_SIZE_LIMIT)
    check_choice("alphabet", alphabet, MESSAGE_ALPHABETS)
    return _texts(alphabet, length, length)


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

    @st.composite
    def texts(draw: st.DrawFn) -> str:
        length = draw(st.sampled_from(lengths))
        alphabet = draw(st.sampled_from(MESSAGE_ALPHABETS[:3]))
        return draw(_texts(alphabet, length, length))

    return texts()
