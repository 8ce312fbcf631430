"""Parsing JSON a hostile target wrote: linear time, bounded nesting, strict, no unpaired surrogates.

One parser for every untrusted JSON text (response bodies, HAR files, results.json read back):
:func:`loads_bounded`. It is the standard library's C parser, which is linear, with three hooks:

* Depth. ``json.loads`` recurses once per level (``RecursionError`` a few hundred levels down, or a
  crashed C stack under a raised recursion limit), and every consumer of the parsed value would
  recurse as deep again. So :func:`nesting_depth` measures the depth first in one forward pass
  (strings skipped, escapes honoured; each step moves past at least one character, so the work is
  linear: :func:`depth_scan` counts the steps), and a text deeper than the limit is refused with
  :class:`JSONTooDeepError` (a ``ValueError``, like any other text that is not usable JSON).
* Strictness. ``NaN``, ``Infinity`` and ``-Infinity`` are not JSON (RFC 8259 §6), a number past the
  double range (``1e400``) reads as an infinity, and a repeated member name (``{"a": 1, "a": 2}``) is
  read as its last value here but as its first, or refused, by other clients (RFC 8259 §4, RFC 7493
  §2.3). The text is still parsed, and each is reported as a :class:`JSONFinding` (which, and where:
  a JSON path) for the caller to judge; the numbers stay Python floats.
* Surrogates. JSON may carry ``"\\ud800"``: a lone UTF-16 surrogate, which no UTF-8 text can hold
  (``str.encode`` raises on it). Each is replaced by U+FFFD and counted, so nothing downstream sees one.

None of msgspec, orjson or json refuses a repeated member name, and msgspec and orjson refuse NaN and
lone surrogates outright instead of reporting them (D51), hence the standard parser with hooks.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DUPLICATE_MEMBER",
    "LONE_SURROGATE",
    "MAX_JSON_DEPTH",
    "NON_JSON_NUMBER",
    "NUMBER_OUT_OF_RANGE",
    "JSONFinding",
    "JSONTooDeepError",
    "ParsedJSON",
    "depth_scan",
    "dumps_strict",
    "finite_copy",
    "json_type",
    "loads_bounded",
    "nesting_depth",
    "nests_within",
    "not_strict",
]

MAX_JSON_DEPTH = 64  # documented responses are 4 levels deep; deep enough for any honest variant
MAX_FINDINGS = 20  # findings kept per text (all are counted): enough to show, bounded for a hostile body
NON_JSON_NUMBER = "non_json_number"  # NaN, Infinity, -Infinity: not JSON at all
NUMBER_OUT_OF_RANGE = "number_out_of_range"  # JSON, but past the double range: reads as an infinity
DUPLICATE_MEMBER = "duplicate_member"  # one object names a member twice
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # no UTF-8 text can hold one
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
REPLACEMENT = "\ufffd"


class JSONTooDeepError(ValueError):
    """A JSON text nested deeper than the limit; not parsed."""

    def __init__(self, depth: int, limit: int) -> None:
        super().__init__(f"JSON nested at least {depth} levels deep; the limit is {limit}")
        self.depth = depth
        self.limit = limit


@dataclass(frozen=True)
class JSONFinding:
    """Something in a parsed text that is not strict JSON: which (``kind``), where, and what."""

    kind: str  # NON_JSON_NUMBER, NUMBER_OUT_OF_RANGE or DUPLICATE_MEMBER
    path: str  # JSON path of the number, or of the repeated member
    text: str  # the number as read ("NaN", "Infinity", "-Infinity") or the repeated name


@dataclass(frozen=True)
class ParsedJSON:
    value: Any
    lone_surrogates: int = 0  # unpaired surrogates replaced by U+FFFD
    findings: tuple[JSONFinding, ...] = ()  # the first MAX_FINDINGS, in document order
    finding_counts: tuple[tuple[str, int], ...] = ()  # every finding counted, per kind

    def count(self, kind: str) -> int:
        return dict(self.finding_counts).get(kind, 0)


def not_strict(finding: JSONFinding) -> str:
    """What a finding is, in words, for an error message."""
    if finding.kind == DUPLICATE_MEMBER:
        return f"the member {finding.text!r} is named twice in one object"
    if finding.kind == NON_JSON_NUMBER:
        return f"{finding.text} is not a JSON number"
    return f"{finding.text} is beyond the range of a double"


# Everything up to the next bracket, passing over whole strings (escapes honoured). Possessive
# quantifiers never backtrack, so one match reads each character once; it stops before a bracket, at
# the end, or at the quote of a string left open (the failed try at that string runs to the end once).
_TO_BRACKET = re.compile(r'(?:[^"\[\]{}]++|"(?:[^"\\]++|\\.)*+")*+', re.DOTALL)


def depth_scan(text: str, *, stop_above: int | None = None) -> tuple[int, int]:
    """The deepest nesting of arrays/objects in ``text`` and the number of steps taken to find it.

    One forward pass: each step is one match that starts where the last one ended and then moves
    past one bracket, so there are at most (brackets + 1) steps and each character is read once.
    A string left open ends the scan: everything after its quote is inside it.
    With ``stop_above``, the scan stops as soon as the depth exceeds it.
    """
    depth = deepest = steps = position = 0
    while True:
        steps += 1
        skipped = _TO_BRACKET.match(text, position)
        assert skipped is not None  # the pattern matches the empty string
        position = skipped.end()
        if position == len(text) or text[position] == '"':
            return deepest, steps
        if text[position] in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    return deepest, steps
        else:
            depth = max(0, depth - 1)
        position += 1


def nesting_depth(text: str, *, stop_above: int | None = None) -> int:
    """The deepest nesting of arrays/objects in ``text`` (strings skipped), without recursion.

    With ``stop_above``, counting stops as soon as the depth exceeds it.
    """
    openers = text.count("[") + text.count("{")
    if openers <= (stop_above if stop_above is not None else -1):
        return openers  # cannot be deeper than the number of openers
    return depth_scan(text, stop_above=stop_above)[0]


class _Odd(float):
    """A number as parsed that is not a finite JSON number, with what it was (the walk finds it)."""

    kind: str
    text: str


def _odd(value: float, kind: str, text: str) -> _Odd:
    number = _Odd(value)
    number.kind, number.text = kind, text[:40]
    return number


_CONSTANTS = {text: _odd(float(text), NON_JSON_NUMBER, text) for text in ("NaN", "Infinity", "-Infinity")}


class _Hooks:
    """The parser's hooks: they count what is not strict JSON; the walk then says where it is."""

    def __init__(self) -> None:
        self.constants = self.out_of_range = self.repeated = 0
        self.duplicates: dict[int, list[str]] = {}  # id of an object -> its repeated names

    def constant(self, text: str) -> float:
        self.constants += 1
        return _CONSTANTS[text]

    def number(self, text: str) -> float:
        value = float(text)
        if math.isinf(value):
            self.out_of_range += 1
            return _odd(value, NUMBER_OUT_OF_RANGE, text)
        return value

    def members(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        value = dict(pairs)
        if len(value) != len(pairs):
            seen: set[str] = set()
            twice: set[str] = set()
            for name, _ in pairs:  # twice as fast as a Counter on a body of small objects that all repeat
                (twice if name in seen else seen).add(name)
            repeated = [name for name in value if name in twice]  # in the order first named
            self.repeated += len(repeated)
            self.duplicates[id(value)] = repeated
        return value

    def counts(self) -> tuple[tuple[str, int], ...]:
        found = {
            DUPLICATE_MEMBER: self.repeated,
            NON_JSON_NUMBER: self.constants,
            NUMBER_OUT_OF_RANGE: self.out_of_range,
        }
        return tuple((kind, count) for kind, count in found.items() if count)


def loads_bounded(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> ParsedJSON:
    """Parse ``text``; raise ``JSONTooDeepError`` above ``max_depth``, ``ValueError`` if not JSON.

    What is not strict JSON (see the module text) is parsed and reported in ``findings``.
    """
    depth = nesting_depth(text, stop_above=max_depth)
    if depth > max_depth:
        raise JSONTooDeepError(depth, max_depth)
    hooks = _Hooks()
    try:
        value = json.loads(
            text,
            parse_constant=hooks.constant,
            parse_float=hooks.number,
            object_pairs_hook=hooks.members,
        )
    except RecursionError:  # cannot happen below the limit; kept so no caller ever sees one
        raise JSONTooDeepError(max_depth + 1, max_depth) from None
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    counts = hooks.counts()
    if not counts and not surrogates:
        return ParsedJSON(value)
    walk = _Walk(hooks.duplicates, sum(count for _, count in counts), copying=surrogates)
    value = walk.run(value)
    return ParsedJSON(value, walk.surrogates, tuple(walk.findings), counts)


Trail = tuple[Any, ...]  # (parent trail, key) back to the root, (): a path is spelled only when shown


def _path(trail: Trail) -> str:
    keys: list[str | int] = []
    while trail:
        trail, key = trail
        keys.append(key)
    path = "$"
    for key in reversed(keys):
        if isinstance(key, int):
            path += f"[{key}]"
        else:
            path += f".{key}" if _IDENTIFIER.match(key) else f"[{json.dumps(key, ensure_ascii=False)}]"
    return path


def _clean(text: str) -> tuple[str, int]:
    count = len(LONE_SURROGATE.findall(text))
    return (LONE_SURROGATE.sub(REPLACEMENT, text), count) if count else (text, 0)


class _Walk:
    """One pass over a parsed value, with an explicit stack (no recursion), that finds where the
    first ``MAX_FINDINGS`` findings are and, when ``copying``, builds a copy with every unpaired
    surrogate (in keys and strings) replaced. Without copying it stops once those are found."""

    def __init__(self, duplicates: dict[int, list[str]], found: int, *, copying: bool) -> None:
        self.duplicates = duplicates
        self.copying = copying
        self.to_find = min(MAX_FINDINGS, found)
        self.surrogates = 0
        self.findings: list[JSONFinding] = []

    def note(self, kind: str, trail: Trail, text: str) -> None:
        if len(self.findings) < self.to_find:
            self.findings.append(JSONFinding(kind, _path(trail), text))

    def run(self, value: Any) -> Any:
        root = [value]
        self.leaf(root, 0, ())
        stack: list[tuple[Any, Any, Trail]] = [(root, 0, ())]  # holder[slot] is a container to walk
        while stack and (self.copying or len(self.findings) < self.to_find):
            holder, slot, trail = stack.pop()
            item = holder[slot]
            if isinstance(item, dict):
                for name in self.duplicates.get(id(item), ()):
                    self.note(DUPLICATE_MEMBER, (trail, _clean(name)[0]), _clean(name)[0])
                if self.copying:
                    item = holder[slot] = self.clean_keys(item)
                keys: Any = list(item)
            elif isinstance(item, list):
                if self.copying:
                    item = holder[slot] = list(item)
                keys = range(len(item))
            else:
                continue
            containers = []
            for key in keys:  # scalars now, containers later (pushed so they pop in document order)
                child = item[key]
                if isinstance(child, (dict, list)):
                    containers.append((item, key, (trail, key)))
                elif isinstance(child, _Odd) or (self.copying and isinstance(child, str)):
                    self.leaf(item, key, (trail, key))
            stack.extend(reversed(containers))
        return root[0]

    def leaf(self, holder: Any, key: Any, trail: Trail) -> None:
        """``holder[key]``, found at ``trail``, if a scalar: an odd number is noted, a string cleaned."""
        item = holder[key]
        if isinstance(item, _Odd):
            self.note(item.kind, trail, item.text)
        elif isinstance(item, str) and self.copying:
            holder[key], count = _clean(item)
            self.surrogates += count

    def clean_keys(self, item: dict[str, Any]) -> dict[str, Any]:
        copy: dict[str, Any] = {}
        for key, child in item.items():
            new_key, count = _clean(key)
            self.surrogates += count
            copy[new_key] = child
        return copy


def dumps_strict(value: Any, **options: Any) -> str:
    """``json.dumps(value, **options)`` that never writes NaN or Infinity (not JSON, RFC 8259 §6):
    a non-finite float is written as the string ``"NaN"``, ``"Infinity"`` or ``"-Infinity"``, so the
    text stays strict JSON and the value still says what it was."""
    try:
        return json.dumps(value, allow_nan=False, **options)
    except ValueError:
        return json.dumps(finite_copy(value), allow_nan=False, **options)


def finite_copy(value: Any) -> Any:
    """A copy of ``value`` with each non-finite float replaced by its spelling as a string (no recursion)."""
    root: list[Any] = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        holder, slot = stack.pop()
        item = holder[slot]
        if isinstance(item, float) and not math.isfinite(item):
            holder[slot] = json.dumps(item)  # 'NaN', 'Infinity', '-Infinity'
        elif isinstance(item, dict):
            holder[slot] = item = dict(item)
            stack.extend((item, key) for key in item)
        elif isinstance(item, (list, tuple)):
            holder[slot] = item = list(item)
            stack.extend((item, index) for index in range(len(item)))
    return root[0]


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
