"""Reading a send request: the query string (S1), the JSON-body forms (S2, S3), and the rules (D4, D5).

The rules, as documented and decided:
- ``FROM``, ``TO``, ``Message`` are query parameters with these exact names (S1, D3).
- ``FROM`` and ``TO`` are 3 to 15 ASCII digits, no ``+`` (D4; S1's error "invalid integer number").
- ``Message`` is 1 to 918 characters, counted in code points (D5, S3 ``[1 .. 918]``).
- A body in S3's (``to``, ``tn``, ``message``) or S2's (``from``, ``to``, ``text``) shape is read only
  when the query carries none of the canonical names (D2), sent as JSON and strict JSON (D69).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from reference.target.config import ReferenceConfig

__all__ = ["MAX_TEXT", "FieldProblem", "QueryError", "SendRequest", "parse_query", "read_send"]

CANONICAL = ("FROM", "TO", "Message")
MAX_TEXT = 918
_DIGITS = re.compile(r"[0-9]{3,15}")
_E164 = re.compile(r"\+([0-9]{3,15})")
_PARSE_INT_PREFIX = re.compile(r"[ \t\n\r]*\+?([0-9]+)")
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")  # GSM 03.38 extension table: two septets each on the air


@dataclass(frozen=True)
class FieldProblem:
    key: str  # "to", "from", "message" -> fields["params.<key>"]
    message: str
    value: Any  # the value as received (None when missing)


class QueryError(ValueError):
    """A query parameter that is not valid percent-encoded UTF-8 (``problem`` names it for ``fields``)."""

    def __init__(self, problem: FieldProblem) -> None:
        super().__init__(f"query parameter {problem.key!r} {problem.message}")
        self.problem = problem


@dataclass(frozen=True)
class SendRequest:
    """A request that passed validation: the sender and destination as digits, the text."""

    sender: str
    destination: int
    text: str


def parse_query(raw: str) -> dict[str, list[str]]:
    """Form-decoded query pairs, every value of a repeated name kept; strict UTF-8."""
    pairs: dict[str, list[str]] = {}
    for part in raw.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        try:
            key = unquote_plus(name, errors="strict")
            decoded = unquote_plus(value, errors="strict")
        except UnicodeDecodeError:
            key = unquote_plus(name, errors="replace")
            raise QueryError(FieldProblem(key.lower(), "is not valid UTF-8", value)) from None
        pairs.setdefault(key, []).append(decoded)
    return pairs


def _not_json(constant: str) -> object:
    raise ValueError(f"{constant} is not JSON")


def _once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({name for name, _ in pairs}) != len(pairs):
        raise ValueError("a member named twice")
    return dict(pairs)


def _from_body(body: bytes, content_type: str) -> dict[str, list[str]]:
    """S3 (to, tn, message) or S2 (from, to, text) JSON body, mapped onto the canonical names."""
    if "json" not in content_type.lower() or not body:
        return {}
    try:  # strict JSON (D69): UTF-8, no NaN or Infinity, no member named twice
        data = json.loads(body.decode("utf-8"), parse_constant=_not_json, object_pairs_hook=_once_each)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    mapped: dict[str, list[str]] = {}
    for canonical, names in (("FROM", ("tn", "from")), ("TO", ("to",)), ("Message", ("message", "text"))):
        for name in names:
            value = data.get(name)
            if isinstance(value, bool) or value is None:
                continue
            if isinstance(value, int | str):
                mapped[canonical] = [str(value)]
                break
    return mapped


def _number(
    name: str, values: list[str] | None, config: ReferenceConfig
) -> tuple[str | None, FieldProblem | None]:
    key = name.lower()
    if values is None:
        if name == "FROM" and config.on("missing_from_uses_pool"):
            return config.senders[0], None
        return None, FieldProblem(key, "is required", None)
    if len(values) > 1:
        return None, FieldProblem(key, "must be given once", values)
    value = values[0]
    if value == "":
        return None, FieldProblem(key, "must not be empty", value)
    if _DIGITS.fullmatch(value):
        return value, None
    if config.on("accepts_plus_prefix") and (e164 := _E164.fullmatch(value)):
        return e164.group(1), None
    if name == "TO" and config.on("to_parse_int_prefix"):
        prefix = _PARSE_INT_PREFIX.match(value)
        if prefix and 3 <= len(prefix.group(1)) <= 15:
            return prefix.group(1), None
    if config.lenient_numbers and (lenient := _lenient_int(value)) is not None:
        return lenient, None
    return None, FieldProblem(key, "invalid integer number", value)


def _lenient_int(value: str) -> str | None:
    """``int(value)`` as Python reads it (surrounding whitespace, a sign, any script's digits), kept to
    non-negative numbers; underscores (``1_000``) are refused, as no phone number is written so."""
    if "_" in value:
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return str(number) if number >= 0 else None


def _text_length(text: str, config: ReferenceConfig) -> int:
    if config.on("length_in_utf8_bytes"):
        return len(text.encode("utf-8"))
    if config.on("length_in_utf16_units"):
        return len(text.encode("utf-16-le")) // 2
    if config.on("gsm_extension_counted_double"):
        return len(text) + sum(c in GSM7_EXTENSION for c in text)
    return len(text)


def _message(values: list[str] | None, config: ReferenceConfig) -> tuple[str | None, FieldProblem | None]:
    if values is None:
        return None, FieldProblem("message", "is required", None)
    if len(values) > 1:
        return None, FieldProblem("message", "must be given once", values)
    text = values[0]
    if config.on("echo_plus_as_space"):
        text = text.replace("+", " ")
    if text == "":
        return None, FieldProblem("message", "must be 1 to 918 characters", text)
    if not config.on("no_length_limit") and _text_length(text, config) > MAX_TEXT:
        return None, FieldProblem("message", "must be 1 to 918 characters", values[0])
    if config.on("rejects_control_chars") and any(unicodedata.category(c) == "Cc" for c in text):
        return None, FieldProblem("message", "must not contain control characters", values[0])
    return text, None


def read_send(
    query: dict[str, list[str]], body: bytes, content_type: str, config: ReferenceConfig
) -> tuple[SendRequest | None, list[FieldProblem]]:
    """The validated request, or every problem found (all parameters are checked, not only the first)."""
    source = query if any(name in query for name in CANONICAL) else _from_body(body, content_type) or query
    sender, from_problem = _number("FROM", source.get("FROM"), config)
    destination, to_problem = _number("TO", source.get("TO"), config)
    text, text_problem = _message(source.get("Message"), config)
    problems = [p for p in (from_problem, to_problem, text_problem) if p is not None]
    if problems or sender is None or destination is None or text is None:
        return None, problems
    return SendRequest(sender=sender, destination=int(destination), text=text), []
