"""What the class builders and derived tokens need without hypothesis: token shapes, SMS alphabets,
and hypothesis' ``InvalidArgument`` raised without importing hypothesis until an argument is bad.

A run whose cases come from the case cache imports these (through the checks and the coverage
phase) but draws nothing, so it never pays for importing hypothesis.
"""

from __future__ import annotations

import re

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "MAX_MESSAGE_LENGTH",
    "invalid_argument",
    "is_header_value",
    "is_jwt_shaped",
]

#: The GSM 03.38 (3GPP TS 23.038) default alphabet, in code order 0x00-0x7F, without 0x1B (the escape
#: to the extension table). It includes line feed (0x0A) and carriage return (0x0D).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Characters of the GSM 03.38 extension table (each costs two septets: escape + code), form feed last.
GSM7_EXTENSION = "^{}\\[~]|€\f"
#: Contract maximum of `Message`, in code points (S3 "[1 .. 918]", D5).
MAX_MESSAGE_LENGTH = 918

_SEGMENT = r"[A-Za-z0-9_-]+"
# Three base64url segments; the signature may be empty (an unsecured JWT).
_JWT_SHAPE = re.compile(rf"{_SEGMENT}\.{_SEGMENT}\.[A-Za-z0-9_-]*")
_PRINTABLE_ASCII = "".join(chr(code) for code in range(0x20, 0x7F))


def is_jwt_shaped(value: str) -> bool:
    """True for ``header.payload.signature`` made of base64url segments (the signature may be empty)."""
    return _JWT_SHAPE.fullmatch(value) is not None


def is_header_value(value: str) -> bool:
    """True when `value` can be sent as an HTTP header value as it is: printable ASCII, not padded."""
    return all(character in _PRINTABLE_ASCII for character in value) and value == value.strip(" ")


def invalid_argument(message: str) -> Exception:
    """``hypothesis.errors.InvalidArgument(message)``, hypothesis imported only now."""
    from hypothesis.errors import InvalidArgument

    return InvalidArgument(message)
