"""Reading the send parameters from a request and checking them against the documented rules.

Parameters come from the query string (canonical ``FROM``/``TO``/``Message`` per S1, lowercase
aliases accepted); only when none of them is in the query, from a JSON body in one of the
documented shapes ``{"to", "tn", "message", "custom_callback_url"}`` (S3) or
``{"from", "to", "text"}`` (S2).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DIGITS",
    "MAX_MESSAGE_LENGTH",
    "FieldProblem",
    "Rejection",
    "SendRequest",
    "ValidSend",
    "ValidationRules",
    "read_send_request",
    "recipient_number",
    "validate_send",
]

DIGITS = re.compile(r"[0-9]{3,15}")  # spec PhoneDigits, ASCII only (D4)
MAX_MESSAGE_LENGTH = 918  # spec MessageText maxLength, in code points (S3, D5)

_QUERY_NAMES: dict[str, tuple[str, str]] = {
    "from": ("FROM", "from"),
    "to": ("TO", "to"),
    "message": ("Message", "message"),
}
_MISSING = object()


@dataclass(frozen=True)
class SendRequest:
    """The three parameters as received: a ``str``, another JSON value, or ``None`` if absent."""

    sender: object
    to: object
    message: object
    source: str  # "query" or "json-body"


@dataclass(frozen=True)
class ValidSend:
    sender: str
    to: str
    message: str


@dataclass(frozen=True)
class FieldProblem:
    message: str
    value: Any

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "value": self.value}


@dataclass(frozen=True)
class Rejection:
    """Every problem found, keyed ``params.<name>`` in from, to, message order."""

    fields: Mapping[str, FieldProblem]


@dataclass(frozen=True)
class ValidationRules:
    """The documented rules; faults swap in looser or stricter ones."""

    recipient_pattern: re.Pattern[str] = DIGITS
    sender_pattern: re.Pattern[str] = DIGITS
    allow_empty_message: bool = False
    max_message_length: int = MAX_MESSAGE_LENGTH


def read_send_request(
    query: Mapping[str, str], body: bytes, *, canonical_names: bool = True, query_form: bool = True
) -> SendRequest:
    """Query parameters win; a JSON object body is read only when the query names none.

    ``canonical_names=False`` reads only the lowercase aliases (a fault: the documented names ignored);
    ``query_form=False`` reads only a JSON body (a fault: the documented query form ignored).
    """
    aliases = {key: names if canonical_names else names[1:] for key, names in _QUERY_NAMES.items()}
    if query_form and any(name in query for names in aliases.values() for name in names):
        found = {key: _first_present(query, names) for key, names in aliases.items()}
        return SendRequest(found["from"], found["to"], found["message"], "query")
    document = _json_object(body)
    if document is None:
        return SendRequest(None, None, None, "query")
    sender = document.get("tn", document.get("from"))
    message = document.get("message", document.get("text"))
    return SendRequest(_as_text(sender), _as_text(document.get("to")), message, "json-body")


def validate_send(request: SendRequest, rules: ValidationRules) -> ValidSend | Rejection:
    problems: dict[str, FieldProblem] = {}
    for key, value, pattern in (
        ("params.from", request.sender, rules.sender_pattern),
        ("params.to", request.to, rules.recipient_pattern),
    ):
        if value is None:
            problems[key] = FieldProblem("is required", None)
        elif not isinstance(value, str) or not pattern.fullmatch(value):
            problems[key] = FieldProblem("invalid integer number", value)
    message = request.message
    if message is None:
        problems["params.message"] = FieldProblem("is required", None)
    elif not isinstance(message, str):
        problems["params.message"] = FieldProblem("must be a string", message)
    elif not message and not rules.allow_empty_message:
        problems["params.message"] = FieldProblem("should not be empty", message)
    elif len(message) > rules.max_message_length:
        problems["params.message"] = FieldProblem(
            f"must be at most {rules.max_message_length} characters", message
        )
    if problems:
        return Rejection(problems)
    assert isinstance(request.sender, str) and isinstance(request.to, str) and isinstance(message, str)
    return ValidSend(request.sender, request.to, message)


def recipient_number(to: str) -> int:
    """The recipient as the integer the payload shows: its decimal digits, in any script (0 if none)."""
    digits = "".join(str(unicodedata.digit(char)) for char in to if unicodedata.category(char) == "Nd")
    return int(digits) if digits else 0


def _first_present(query: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in query:
            return query[name]
    return None


def _json_object(body: bytes) -> dict[str, Any] | None:
    if not body.strip():
        return None
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return document if isinstance(document, dict) else None


def _as_text(value: object) -> object:
    """JSON integers stand for digit strings (S3 ``tn`` is an integer); other values stay as sent."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value
