"""Hypothesis strategies for the Opentact Send SMS domain: numbers, message texts and tokens.

Each strategy has a seeded twin that draws one value from a ``random.Random`` (`valid_nanp`,
`invalid_number`, `message_text`, `text_of_length`, `bad_token`): the engine draws its cases with
those, and the strategy draws through the same function, so the two never disagree.

Every strategy validates its arguments when called and raises `hypothesis.errors.InvalidArgument`
naming the bad value. `register_schemathesis_formats()` wires the spec's custom formats
(``opentact-phone-digits``, ``sms-text``) to these strategies for schemathesis.

May import: nothing of ``conformance`` or ``reports``; the engine draws from it.
"""

from __future__ import annotations

from strategies.derived_tokens import (
    DERIVED_TOKEN_KINDS,
    derive_token,
    derived_token_kinds,
    derived_tokens,
)
from strategies.invalid_value import InvalidValue
from strategies.json_spellings import NOT_JSON_KINDS, NotJSON, not_json_bodies, not_json_texts
from strategies.number_classes import NUMBER_CLASSES, ClassNumber, number_class_values, other_numbers_like
from strategies.numbers import (
    INVALID_NUMBER_KINDS,
    PHONE_DIGITS_PATTERN,
    invalid_number,
    invalid_numbers,
    valid_nanp,
    valid_numbers,
)
from strategies.schemathesis_formats import (
    PHONE_DIGITS_FORMAT,
    SMS_TEXT_FORMAT,
    register_schemathesis_formats,
)
from strategies.text_classes import (
    LENGTH_CLASSES,
    TEXT_CLASSES,
    ClassText,
    length_class_texts,
    text_class_texts,
)
from strategies.texts import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    MAX_MESSAGE_LENGTH,
    MESSAGE_ALPHABETS,
    SMS_LENGTH_BOUNDARIES,
    boundary_texts,
    is_gsm7,
    message_text,
    message_texts,
    text_of_length,
    texts_of_length,
)
from strategies.tokens import BAD_TOKEN_KINDS, bad_token, bad_tokens, is_header_value, is_jwt_shaped

__all__ = [
    "BAD_TOKEN_KINDS",
    "DERIVED_TOKEN_KINDS",
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "INVALID_NUMBER_KINDS",
    "LENGTH_CLASSES",
    "MAX_MESSAGE_LENGTH",
    "MESSAGE_ALPHABETS",
    "NOT_JSON_KINDS",
    "NUMBER_CLASSES",
    "PHONE_DIGITS_FORMAT",
    "PHONE_DIGITS_PATTERN",
    "SMS_LENGTH_BOUNDARIES",
    "SMS_TEXT_FORMAT",
    "TEXT_CLASSES",
    "ClassNumber",
    "ClassText",
    "InvalidValue",
    "NotJSON",
    "bad_token",
    "bad_tokens",
    "boundary_texts",
    "derive_token",
    "derived_token_kinds",
    "derived_tokens",
    "invalid_number",
    "invalid_numbers",
    "is_gsm7",
    "is_header_value",
    "is_jwt_shaped",
    "length_class_texts",
    "message_text",
    "message_texts",
    "not_json_bodies",
    "not_json_texts",
    "number_class_values",
    "other_numbers_like",
    "register_schemathesis_formats",
    "text_class_texts",
    "text_of_length",
    "texts_of_length",
    "valid_nanp",
    "valid_numbers",
]
