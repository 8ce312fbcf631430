"""Registration of the contract's custom string formats with schemathesis.

The spec marks `FROM`/`TO` with ``format: opentact-phone-digits`` and `Message` with
``format: sms-text``. Unregistered, schemathesis treats both as annotations and generates from
``pattern``/``minLength`` alone (``"000"``, ``"\\x9d\\U000dc6d5"``...); registered, positive
generation draws realistic NANP numbers and SMS texts.

How schemathesis 4 combines them: a registered custom format drives generation and the schema's
other facets (``pattern``, ``minLength``/``maxLength``) only filter its values, so every value the
format strategy yields must already satisfy them. Both strategies here do (11 ASCII digits against
``^[0-9]{3,15}$``; 1-918 code points), so nothing is filtered away.
"""

from __future__ import annotations

import threading

from strategies.numbers import valid_numbers
from strategies.texts import MAX_MESSAGE_LENGTH, message_texts

__all__ = ["PHONE_DIGITS_FORMAT", "SMS_TEXT_FORMAT", "register_schemathesis_formats"]

#: Format name of `FROM` and `TO` in the spec.
PHONE_DIGITS_FORMAT = "opentact-phone-digits"
#: Format name of `Message` in the spec.
SMS_TEXT_FORMAT = "sms-text"

_lock = threading.Lock()
_registered = False


def register_schemathesis_formats() -> None:
    """Register `PHONE_DIGITS_FORMAT` and `SMS_TEXT_FORMAT` with ``schemathesis.openapi.format``.

    ``opentact-phone-digits`` generates `valid_numbers()` (US/CA) and ``sms-text`` generates
    ``message_texts(max_size=918)``. Idempotent: only the first call registers (registering again
    would clear schemathesis' strategy caches for nothing). schemathesis is imported here, not at
    module level, so importing `strategies` stays cheap.
    """
    global _registered
    with _lock:
        if _registered:
            return
        import schemathesis

        schemathesis.openapi.format(PHONE_DIGITS_FORMAT, valid_numbers())
        schemathesis.openapi.format(SMS_TEXT_FORMAT, message_texts(max_size=MAX_MESSAGE_LENGTH))
        _registered = True
