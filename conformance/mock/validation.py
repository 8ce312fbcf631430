"""Reading the send parameters from a request and checking them against the documented rules.

Parameters come from the query string (canonical ``FROM``/``TO``/``Message`` per S1, lowercase
aliases accepted); only when none of them is in the query, from a JSON body in one of the
documented shapes ``{"to", "tn", "message", "custom_callback_url"}`` (S3) or
``{"from", "to", "text"}`` (S2), sent as ``application/json`` and strict JSON: a body that is not JSON
(``NaN``, a repeated member name, a trailing comma, bytes that are not UTF-8, …) or JSON sent as
another media type is not read, so the request has no parameters and gets the validation error (D69).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "DIGITS",
    "MAX_MESSAGE_LENGTH",
    "FieldProblem",
    "NumberRule",
    "Rejection",
    "SendRequest",
    "ValidSend",
    "ValidationRules",
    "lenient_json",
    "read_send_request",
    "recipient_number",
    "strict_json",
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


class NumberRule(Protocol):
    """What decides a number parameter: a compiled pattern, or a fault's own reading of the value."""

    def fullmatch(self, string: str) -> object: ...


@dataclass(frozen=True)
class ValidationRules:
    """The documented rules; faults swap in looser or stricter ones."""

    recipient_pattern: NumberRule = DIGITS
    sender_pattern: NumberRule = DIGITS
    allow_empty_message: bool = False
    max_message_length: int = MAX_MESSAGE_LENGTH
    message_length: Callable[[str], int] = len  # the unit the maximum counts: code points (D5)


class _NotJSON(ValueError):
    """A text Python's parser reads but JSON does not allow (RFC 8259 §6, RFC 7493 §2.3)."""


def _no_constant(name: str) -> object:
    raise _NotJSON(f"{name} is not a JSON number")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise _NotJSON("a member is named twice")
    return dict(pairs)


def strict_json(body: bytes) -> object:
    """The body as strict JSON: UTF-8, no NaN or Infinity, no repeated member name."""
    return json.loads(body.decode("utf-8"), parse_constant=_no_constant, object_pairs_hook=_unique_members)


_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def lenient_json(body: bytes) -> object:
    """What a forgiving reader makes of a body (fault ``lenient_json_body``): undecodable bytes replaced,
    Python's ``json`` (NaN, the last of repeated members), else YAML after comments are cut (trailing
    commas, single quotes, bare names)."""
    import yaml  # only this fault reads YAML; `--help` and `--version` load no YAML parser

    text = body.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.safe_load(_COMMENT.sub("", text))
    except yaml.YAMLError as error:
        raise ValueError(f"neither JSON nor YAML: {error}") from error


def _is_json_media_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _json_object(body: bytes, read: Callable[[bytes], object]) -> dict[str, Any] | None:
    if not body.strip():
        return None
    try:
        document = read(body)
    except (ValueError, RecursionError):  # not JSON here (a UnicodeDecodeError is a ValueError)
        return None
    return document if isinstance(document, dict) else None


def read_send_request(
    query: Mapping[str, str],
    body: bytes,
    *,
    content_type: str = "application/json",
    canonical_names: bool = True,
    query_form: bool = True,
    any_media_type: bool = False,
    read_json: Callable[[bytes], object] = strict_json,
) -> SendRequest:
    """Query parameters win; a JSON object body is read only when the query names none, and only when it
    comes as ``application/json`` (or ``+json``) and is strict JSON (D69).

    ``canonical_names=False`` reads only the lowercase aliases (a fault: the documented names ignored);
    ``query_form=False`` reads only a JSON body (a fault: the documented query form ignored);
    ``any_media_type=True`` reads the body whatever its Content-Type, and ``read_json`` is the body's
    reader (faults: a body that is not JSON, or not sent as JSON, read as the send).
    """
    aliases = {key: names if canonical_names else names[1:] for key, names in _QUERY_NAMES.items()}
    if query_form and any(name in query for names in aliases.values() for name in names):
        found = {key: _first_present(query, names) for key, names in aliases.items()}
        return SendRequest(found["from"], found["to"], found["message"], "query")
    declared = any_media_type or _is_json_media_type(content_type)
    document = _json_object(body, read_json) if declared else None
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
    elif rules.message_length(message) > rules.max_message_length:
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


def _as_text(value: object) -> object:
    """JSON integers stand for digit strings (S3 ``tn`` is an integer); other values stay as sent."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value
