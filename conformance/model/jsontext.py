"""Parsing JSON a hostile target wrote: bounded nesting, no unpaired surrogates.

``json.loads`` recurses once per level and raises ``RecursionError`` (not ``ValueError``) on a
body nested a few thousand levels deep; every consumer of the parsed value (checks, ``json.dumps``,
the reports) would recurse as deep again. So the depth is measured first, without parsing and
without recursion, and a body deeper than the limit is refused with :class:`JSONTooDeepError`
(a ``ValueError``, like any other body that is not usable JSON).

JSON may also carry ``"\\ud800"``: a lone UTF-16 surrogate, which no UTF-8 text can hold
(``str.encode`` raises on it). :func:`loads_bounded` replaces each by U+FFFD and counts them,
so nothing downstream ever sees one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LONE_SURROGATE",
    "MAX_JSON_DEPTH",
    "JSONTooDeepError",
    "ParsedJSON",
    "json_type",
    "loads_bounded",
    "nesting_depth",
    "nests_within",
]

MAX_JSON_DEPTH = 64  # documented responses are 4 levels deep; deep enough for any honest variant
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # no UTF-8 text can hold one
REPLACEMENT = "\ufffd"


class JSONTooDeepError(ValueError):
    """A JSON text nested deeper than the limit; not parsed."""

    def __init__(self, depth: int, limit: int) -> None:
        super().__init__(f"JSON nested at least {depth} levels deep; the limit is {limit}")
        self.depth = depth
        self.limit = limit


@dataclass(frozen=True)
class ParsedJSON:
    value: Any
    lone_surrogates: int = 0  # unpaired surrogates replaced by U+FFFD


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def nesting_depth(text: str, *, stop_above: int | None = None) -> int:
    """The deepest nesting of arrays/objects in ``text`` (strings skipped), without recursion.

    With ``stop_above``, counting stops as soon as the depth exceeds it.
    """
    openers = text.count("[") + text.count("{")
    if openers <= (stop_above if stop_above is not None else -1):
        return openers  # cannot be deeper than the number of openers
    return _deepest(_NOT_BRACKET.sub("", _STRING.sub("", text)), stop_above)


def _deepest(brackets: str, stop_above: int | None) -> int:
    depth = deepest = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    return deepest
        else:
            depth = max(0, depth - 1)
    return deepest


def _clean(text: str) -> tuple[str, int]:
    count = len(LONE_SURROGATE.findall(text))
    return (LONE_SURROGATE.sub(REPLACEMENT, text), count) if count else (text, 0)


def _replace_surrogates(value: Any) -> tuple[Any, int]:
    """A copy of ``value`` with every unpaired surrogate (in keys and strings) replaced."""
    total = 0
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]
    while stack:
        item, parent, slot = stack.pop()
        if isinstance(item, str):
            parent[slot], count = _clean(item)
            total += count
        elif isinstance(item, dict):
            copy: dict[str, Any] = {}
            parent[slot] = copy
            for key, child in item.items():
                new_key, count = _clean(key)
                total += count
                copy[new_key] = None
                stack.append((child, copy, new_key))
        elif isinstance(item, list):
            items: list[Any] = [None] * len(item)
            parent[slot] = items
            stack.extend((child, items, index) for index, child in enumerate(item))
        else:
            parent[slot] = item
    return root[0], total


def loads_bounded(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> ParsedJSON:
    """Parse ``text``; raise ``JSONTooDeepError`` above ``max_depth``, ``ValueError`` if not JSON."""
    depth = nesting_depth(text, stop_above=max_depth)
    if depth > max_depth:
        raise JSONTooDeepError(depth, max_depth)
    try:
        value = json.loads(text)
    except RecursionError:  # cannot happen below the limit; kept so no caller ever sees one
        raise JSONTooDeepError(max_depth + 1, max_depth) from None
    if not _SURROGATE_ESCAPE.search(text):
        return ParsedJSON(value)
    value, count = _replace_surrogates(value)
    return ParsedJSON(value, count)


def nests_within(value: Any, limit: int) -> bool:
    """Whether parsed ``value`` nests at most ``limit`` containers deep (an explicit stack, no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return True


def json_type(value: Any) -> str:
    """The JSON Schema type name of a parsed JSON value, as the docs name it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
