"""One message text per domain class, and texts at the SMS length boundaries in every unit that is counted.

Hypothesis explores freely but shrinks towards plain ASCII; a server that mangles ``+``, trims spaces,
normalises combining marks or counts UTF-16 units instead of characters shows it only on texts that
carry that class. These functions build one text per class from a seeded ``random.Random``: the
class-defining characters are always there, the words around them vary with the seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from strategies._plain import GSM7_BASIC, GSM7_EXTENSION, MAX_MESSAGE_LENGTH

__all__ = [
    "LENGTH_CLASSES",
    "TEXT_CLASSES",
    "ClassText",
    "gsm7_septets",
    "length_class_texts",
    "text_class_texts",
    "utf16_units",
]

_WORDS = ("hello", "world", "test", "order", "ready", "code", "ship", "note", "alpha", "meet", "call", "ok")
_UCS2_WORDS = ("Привет", "你好世界", "Ελλάδα", "çœ“”", "Łódź", "Ženy", "ありがとう", "안녕하세요")
_EMOJI = "😀🚀🎉👍🔥💬📱🙂🌍🎈"
_ZWJ_SEQUENCES = ("👨\u200d👩\u200d👧\u200d👦", "🏳\ufe0f\u200d🌈", "👩\u200d💻", "🧑\u200d🚀", "👁\u200d🗨")
_SKIN_TONES = "\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff"
_TONED_BASES = "👍👋🙌👏✋"
_COMBINING = (
    "e\u0301",
    "a\u0308",
    "n\u0303",
    "o\u0302\u0323",
    "c\u0327",
)  # decomposed: NFC would change them
_RTL_WORDS = ("שלום", "עולם", "مرحبا", "بالعالم")
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_CJK = "你好世界中文信息短消息测试"
_CYRILLIC = "абвгдежзийклмнопрстуфхцчшщыэюя"
_GSM7_PLAIN = "".join(c for c in GSM7_BASIC if c not in "\r\n")


@dataclass(frozen=True, slots=True)
class ClassText:
    """A message text and the domain class it stands for (``text:…`` or ``length:…``)."""

    name: str
    value: str
    valid: bool = True  # False: outside the contract (over 918 characters)


def _words(rng: random.Random, count: int, pool: tuple[str, ...] = _WORDS) -> list[str]:
    return [rng.choice(pool) for _ in range(count)]


def _html(rng: random.Random) -> str:
    a, b, c = _words(rng, 3)
    return f"{a} & {b} <b>{c}</b> \"quoted\" 'single' a>b<c &amp; &lt;x&gt;"


def _url_reserved(rng: random.Random) -> str:
    a, b, c = _words(rng, 3)
    # literal escapes (%41, %2B, %20) catch a server that decodes the query twice
    return f"{a}+{b} {c}=1&x=2 #tag 100% sure? %41%2B%20 a+b=c"


def _mixed(rng: random.Random, extras: Sequence[str]) -> str:
    parts = [*_words(rng, 3), *extras]
    rng.shuffle(parts)
    return " ".join(parts)


TEXT_CLASSES: dict[str, Callable[[random.Random], str]] = {
    "html-xml-specials": _html,
    "url-reserved": _url_reserved,
    "surrounding-spaces": lambda rng: "  " + " ".join(_words(rng, 2)) + "  ",
    "surrounding-tabs": lambda rng: "\t" + "\t".join(_words(rng, 2)) + "\t",
    "line-feed": lambda rng: "\n".join(_words(rng, 3)) + "\n",
    "crlf": lambda rng: "\r\n".join(_words(rng, 3)) + "\r\n",
    "gsm7-extension": lambda rng: _mixed(rng, GSM7_EXTENSION),
    "ucs2": lambda rng: " ".join(_words(rng, 3, _UCS2_WORDS)),
    "astral-emoji": lambda rng: _mixed(rng, "".join(rng.sample(_EMOJI, 3))),
    "zwj-sequence": lambda rng: _mixed(rng, rng.sample(_ZWJ_SEQUENCES, 2)),
    "skin-tone-modifier": lambda rng: _mixed(rng, [rng.choice(_TONED_BASES) + t for t in _SKIN_TONES[:2]]),
    "combining-marks": lambda rng: _mixed(rng, rng.sample(_COMBINING, 3)),
    "right-to-left": lambda rng: " ".join(_words(rng, 2, _RTL_WORDS)) + " \u200f123 " + rng.choice(_WORDS),
    "zero-width": lambda rng: _ZERO_WIDTH.join(_words(rng, 3)),
}


def gsm7_septets(text: str) -> int:
    """Septets `text` takes in GSM-7: two for each extension-table character, one for the others."""
    return sum(2 if character in GSM7_EXTENSION else 1 for character in text)


def utf16_units(text: str) -> int:
    """UTF-16 code units: two for every character beyond U+FFFF (what JavaScript's ``length`` counts)."""
    return sum(2 if ord(character) > 0xFFFF else 1 for character in text)


def _from(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _septets(rng: random.Random, septets: int) -> str:
    """A GSM-7 text of exactly `septets` septets with several extension characters (each counts two)."""
    extensions = rng.randint(5, 20)
    plain = _from(rng, _GSM7_PLAIN, septets - 2 * extensions)
    characters = list(plain) + [rng.choice(GSM7_EXTENSION[:-1]) for _ in range(extensions)]
    rng.shuffle(characters)
    return "".join(characters)


def _ucs2(rng: random.Random, length: int) -> str:
    head = rng.choice(_CYRILLIC + _CJK)
    return head + _from(rng, _GSM7_PLAIN + _CYRILLIC, length - 1)


def _astral(rng: random.Random, length: int) -> str:
    return _from(rng, _EMOJI, length)


#: Length classes: (characters, UTF-16 units, UTF-8 bytes, GSM-7 septets) at each boundary a server may count.
LENGTH_CLASSES: dict[str, tuple[Callable[[random.Random], str], bool]] = {
    "gsm7-160-chars": (lambda rng: _from(rng, _GSM7_PLAIN, 160), True),  # one GSM-7 segment
    "gsm7-161-chars": (lambda rng: _from(rng, _GSM7_PLAIN, 161), True),  # two segments
    "gsm7-160-septets-with-extension": (lambda rng: _septets(rng, 160), True),  # < 160 chars, one segment
    "gsm7-161-septets-with-extension": (lambda rng: _septets(rng, 161), True),  # < 161 chars, two segments
    "ucs2-70-chars": (lambda rng: _ucs2(rng, 70), True),
    "ucs2-71-chars": (lambda rng: _ucs2(rng, 71), True),
    "utf16-918-units": (lambda rng: _astral(rng, MAX_MESSAGE_LENGTH // 2), True),  # 459 chars
    "utf16-1836-units": (lambda rng: _astral(rng, MAX_MESSAGE_LENGTH), True),  # 918 chars, 3,672 UTF-8 bytes
    "utf8-2754-bytes": (lambda rng: _from(rng, _CJK, MAX_MESSAGE_LENGTH), True),  # 918 three-byte chars
    "gsm7-918-chars": (lambda rng: _from(rng, _GSM7_PLAIN, MAX_MESSAGE_LENGTH), True),
    "astral-919-chars": (lambda rng: _astral(rng, MAX_MESSAGE_LENGTH + 1), False),  # one character too many
}


def text_class_texts(rng: random.Random) -> list[ClassText]:
    """One text of every `TEXT_CLASSES` class, all valid messages (1 to 918 characters)."""
    return [ClassText(f"text:{name}", build(rng)) for name, build in TEXT_CLASSES.items()]


def length_class_texts(rng: random.Random) -> list[ClassText]:
    """One text at every `LENGTH_CLASSES` boundary; ``valid`` is False for the one past 918 characters."""
    return [ClassText(f"length:{name}", build(rng), valid) for name, (build, valid) in LENGTH_CLASSES.items()]
