"""Plain words for one schema violation, located at the member itself.

jsonschema says "'thread' is a required property" at ``$.payload`` and names the failing keyword
with its schema path. A person wants "`payload.thread` is missing" at ``$.payload.thread``, and
"`payload.to` is a string, the docs show an integer". This module only words and locates a
violation; how severe it is stays the business of the check (``checks/schema.py``).

Every title is fixed for its kind of problem at its place (it names the member and the kinds of
value, never the value itself), so deviations of many responses fold into one distinct problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.contract.schemas import SchemaProblem
from conformance.model.deviations import ABSENT, normalise_path
from conformance.model.jsontext import json_type

__all__ = ["ABSENT", "SchemaWording", "json_type", "member_path", "value_at", "word_problem"]

_ACTUAL_LIMIT = 300
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
_UNEXPECTED = re.compile(r"\('(.+?)'(?:, '.+?')* (?:was|were) unexpected\)")


@dataclass(frozen=True)
class SchemaWording:
    """Title, member path, expectation and actual value of one violation, in plain words."""

    title: str
    path: str
    expected: str
    actual: str


def _parts(path: str) -> list[str | int]:
    return [int(index) if index else name for name, index in _PATH_PART.findall(path[1:])]


def value_at(body: Any, path: str) -> tuple[bool, Any]:
    """(found, value) of the member at a JSON path such as ``$.fields[0].message``."""
    node = body
    for part in _parts(path):
        by_index = isinstance(part, int) and isinstance(node, list) and part < len(node)
        if by_index or (isinstance(part, str) and isinstance(node, Mapping) and part in node):
            node = node[part]
        else:
            return False, None
    return True, node


def member_path(parent: str, name: str) -> str:
    return f"{parent}.{name}"


def _where(path: str) -> str:
    """``$.payload.to`` -> `payload.to`; the root is "the body"."""
    folded = normalise_path(path)
    return "the body" if folded == "$" else f"`{folded[2:] if folded.startswith('$.') else folded}`"


def _article(kind: str) -> str:
    return kind if kind == "null" else ("an " if kind[0] in "aeiou" else "a ") + kind


def _kinds(value: Any) -> str:
    names = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return " or ".join(_article(name) for name in names)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= _ACTUAL_LIMIT else text[:_ACTUAL_LIMIT] + " …"


def _missing_member(problem: SchemaProblem, body: Any) -> str | None:
    found, node = value_at(body, problem.path)
    required = problem.validator_value
    if not found or not isinstance(node, Mapping) or not isinstance(required, Sequence):
        return None
    return next((str(name) for name in required if name not in node), None)


def _word_required(problem: SchemaProblem, body: Any) -> SchemaWording | None:
    if not value_at(body, problem.path)[0] and "." in problem.path:
        # the contract already points at the missing member itself (D23)
        member = problem.path.rpartition(".")[2]
        return SchemaWording(
            f"{_where(problem.path)} is missing", problem.path, f"`{member}` is a required member", ABSENT
        )
    name = _missing_member(problem, body)
    if name is None:
        return None
    path = member_path(problem.path, name)
    return SchemaWording(f"{_where(path)} is missing", path, f"`{name}` is a required member", ABSENT)


def _word_additional(problem: SchemaProblem, actual: Any) -> SchemaWording | None:
    match = _UNEXPECTED.search(problem.message)
    if match is None or not isinstance(actual, Mapping) or match.group(1) not in actual:
        return None
    path = member_path(problem.path, match.group(1))
    return SchemaWording(
        f"{_where(path)} is not a documented member",
        path,
        "only the documented members",
        _shown(actual[match.group(1)]),
    )


def word_problem(problem: SchemaProblem, body: Any) -> SchemaWording:
    """The violation in plain words, at the member it is about (a missing member at its own path)."""
    found, actual = value_at(body, problem.path)
    shown = _shown(actual) if found else ABSENT
    where, keyword, value = _where(problem.path), problem.validator, problem.validator_value
    special = (
        _word_required(problem, body)
        if keyword == "required"
        else _word_additional(problem, actual)
        if keyword in ("additionalProperties", "unevaluatedProperties")
        else None
    )
    if special is not None:
        return special
    if keyword == "type":
        title = f"{where} is {_article(json_type(actual))}, the docs show {_kinds(value)}"
        return SchemaWording(title, problem.path, _kinds(value), shown)
    if keyword in ("enum", "const"):
        allowed = value if keyword == "enum" and isinstance(value, list) else [value]
        expected = "one of " + ", ".join(_shown(v) for v in allowed)
        return SchemaWording(f"{where} is not a documented value", problem.path, expected, shown)
    if keyword == "format":
        return SchemaWording(f"{where} is not a valid {value}", problem.path, f"a {value}", shown)
    if keyword == "pattern":
        expected = f"a string matching {value}"
        return SchemaWording(f"{where} does not have the documented form", problem.path, expected, shown)
    if keyword in ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties"):
        expected = f"{keyword} {value}"
        return SchemaWording(f"{where} is below the documented minimum", problem.path, expected, shown)
    if keyword in ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties"):
        expected = f"{keyword} {value}"
        return SchemaWording(f"{where} is above the documented maximum", problem.path, expected, shown)
    return SchemaWording(
        f"{where} does not fit the documented schema ({keyword})",
        problem.path,
        f"{keyword}: {_shown(value)}",
        shown,
    )
