"""One JSON object spelt in the ways lenient parsers accept but JSON (RFC 8259, I-JSON RFC 7493) is not.

A strict parser refuses every spelling here; Python's ``json`` module reads ``NaN``, ``Infinity`` and a
repeated member name, JSON5 and YAML parsers read trailing commas, single quotes, comments and bare
member names, and a parser that decodes with replacement reads bytes that are not UTF-8. Each spelling
keeps the object's members and values, so a server that reads it leniently sees the same request
as the well-formed text: what it answers shows whether it read the text at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from hypothesis import strategies as st

from strategies._plain import invalid_argument

__all__ = ["NOT_JSON_KINDS", "NotJSON", "not_json_bodies", "not_json_texts"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PLAIN_TEXT = re.compile(r"[^'\"\\\x00-\x1f]*\Z")  # a string single quotes can hold as it is
EXTRA_MEMBER = "probe"  # the member that carries a number JSON does not have (not one the API reads)


@dataclass(frozen=True, slots=True)
class NotJSON:
    """A text that is not JSON, the class it stands for (``kind``) and what breaks JSON, in words."""

    kind: str
    text: bytes
    what: str  # e.g. "NaN, which is not a JSON number (RFC 8259 §6)"


def _members(document: Mapping[str, object]) -> list[str]:
    return [
        f"{json.dumps(name)}: {json.dumps(value, ensure_ascii=False)}" for name, value in document.items()
    ]


def _object(members: list[str]) -> bytes:
    return ("{" + ", ".join(members) + "}").encode()


def _single_quoted(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else json.dumps(value)


def _not_utf8(document: Mapping[str, object]) -> bytes:
    """The last string value with a byte no UTF-8 text holds (0xFF) after it."""
    name = [key for key, value in document.items() if isinstance(value, str)][-1]
    marked = {**document, name: f"{document[name]}\x00MARK"}
    return json.dumps(marked, ensure_ascii=False).encode().replace(b"\\u0000MARK", b"\xff")


def _check(document: Mapping[str, object]) -> None:
    if not document or not any(isinstance(value, str) for value in document.values()):
        raise invalid_argument(f"document={document!r} must hold at least one string member")
    for name, value in document.items():
        if not _NAME.match(name) or name == EXTRA_MEMBER:
            raise invalid_argument(f"member name {name!r} must be an identifier other than {EXTRA_MEMBER!r}")
        if isinstance(value, str) and not _PLAIN_TEXT.match(value):
            raise invalid_argument(f"member {name!r} must hold no quote, backslash or control character")
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise invalid_argument(f"member {name!r} must be a string or an integer, not {value!r}")


def not_json_texts(document: Mapping[str, object]) -> list[NotJSON]:
    """``document`` (a flat object of identifier names and plain string or integer values) in every
    spelling of ``NOT_JSON_KINDS``, in that order."""
    _check(document)
    members = _members(document)
    first = members[0]
    return [
        NotJSON(
            "nan",
            _object([*members, f'"{EXTRA_MEMBER}": NaN']),
            "NaN, which is not a JSON number (RFC 8259 §6)",
        ),
        NotJSON(
            "infinity",
            _object([*members, f'"{EXTRA_MEMBER}": -Infinity']),
            "-Infinity, which is not a JSON number (RFC 8259 §6)",
        ),
        NotJSON(
            "duplicate-member",
            _object([*members, first]),
            "a member named twice (RFC 8259 §4: SHOULD NOT; RFC 7493 §2.3: MUST NOT)",
        ),
        NotJSON(
            "trailing-comma",
            ("{" + ", ".join(members) + ",}").encode(),
            "a comma after the last member (RFC 8259 §4)",
        ),
        NotJSON(
            "single-quotes",
            _object([f"'{name}': {_single_quoted(value)}" for name, value in document.items()]),
            "strings in single quotes (RFC 8259 §7)",
        ),
        NotJSON(
            "unquoted-names",
            _object([f"{name}: {json.dumps(value, ensure_ascii=False)}" for name, value in document.items()]),
            "member names without quotes (RFC 8259 §4)",
        ),
        NotJSON(
            "comment",
            _object([f"/* {EXTRA_MEMBER} */ {first}", *members[1:]]),
            "a comment, which JSON has none of (RFC 8259 §2)",
        ),
        NotJSON("not-utf8", _not_utf8(document), "a byte that is not UTF-8 (RFC 8259 §8.1)"),
    ]


NOT_JSON_KINDS = tuple(spelling.kind for spelling in not_json_texts({"a": "b"}))


def not_json_bodies(document: Mapping[str, object]) -> st.SearchStrategy[NotJSON]:
    """One of the spellings of ``document`` that are not JSON (see `not_json_texts`)."""
    return st.sampled_from(not_json_texts(document))
