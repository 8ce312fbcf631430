"""The Draft 2020-12 keywords the fast validity test models, each as a builder of a yes/no check.

Every builder mirrors what jsonschema 4.x does for its keyword, down to the edges: ``minimum`` fails
exactly when ``instance < minimum`` (so NaN passes, as it does there), types and formats are asked
of jsonschema's own checkers. A keyword about one type (``required``: objects) passes every other
instance; the compiler tests that type once per schema for all such keywords (``Keyword.applies_to``). A
keyword value jsonschema would trip over at validation time (a ``required`` that is not a list, a
pattern that does not compile) is refused with ``Unsupported``, which sends the schema to jsonschema.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "KEYWORDS",
    "TYPE_TESTS",
    "Check",
    "Compiler",
    "Keyword",
    "Unsupported",
    "accept",
    "every",
    "guarded",
    "json_equal",
    "reject",
]

Check = Callable[[Any], bool]



def _is_integer(instance: Any) -> bool:
    if isinstance(instance, bool):
        return False
    return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())


# Draft 2020-12's seven types as jsonschema 4.x's type checker defines them (a bool is neither an
# integer nor a number; 1.0 is an integer), written out so that a schema without ``format`` compiles
# and runs without importing jsonschema (a profile is checked before a run's first request).
# tests/spec/test_fast_validity_units.py compares each with jsonschema's own checker.
TYPE_TESTS: dict[str, Check] = {
    "array": lambda instance: isinstance(instance, list),
    "boolean": lambda instance: isinstance(instance, bool),
    "integer": _is_integer,
    "null": lambda instance: instance is None,
    "number": lambda instance: isinstance(instance, numbers.Number) and not isinstance(instance, bool),
    "object": lambda instance: isinstance(instance, dict),
    "string": lambda instance: isinstance(instance, str),
}


class Unsupported(Exception):
    """The schema uses something the fast test does not model; jsonschema alone judges it."""


class Compiler(Protocol):
    def schema(self, schema: Any, where: str) -> Check: ...

    def ref(self, ref: str, *, where: str) -> Check: ...


def accept(instance: Any) -> bool:
    return True


def reject(instance: Any) -> bool:
    return False


def every(checks: Sequence[Check]) -> Check:
    """One check that passes when all of ``checks`` pass (stopping at the first that fails)."""
    if not checks:
        return accept
    if len(checks) == 1:
        return checks[0]
    frozen = tuple(checks)

    def check(instance: Any) -> bool:
        for each in frozen:  # noqa: SIM110 - a loop: all() over a generator costs twice as much here
            if not each(instance):
                return False
        return True

    return check


def json_equal(one: Any, two: Any) -> bool:
    """Equality as JSON Schema means it: ``true`` is not ``1``, ``false`` is not ``0``, at any depth.

    Numbers compare by value (``1 == 1.0``), arrays item by item, objects member by member.
    """
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(
            key in two and json_equal(value, two[key]) for key, value in one.items()
        )
    if isinstance(one, bool) or isinstance(two, bool):
        return False  # two different booleans, or a boolean and a number
    return bool(one == two)


def _is(name: str) -> Check:
    return TYPE_TESTS[name]


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unsupported(f"{where} is not a number")
    return value


def _regex(pattern: Any, where: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise Unsupported(f"{where} is not a string")
    try:
        return re.compile(pattern)
    except re.error:
        raise Unsupported(f"{where}: {pattern!r} does not compile") from None


def _subschemas(c: Compiler, value: Any, where: str) -> list[Check]:
    if not isinstance(value, list):
        raise Unsupported(f"{where} is not a list of schemas")
    return [c.schema(sub, f"{where}/{index}") for index, sub in enumerate(value)]


def guarded(type_name: str, test: Check) -> Check:
    """``test`` for instances of ``type_name``, a pass for all others (how most keywords apply)."""
    is_type = _is(type_name)
    return lambda instance: not is_type(instance) or test(instance)


# -- any instance


def _type(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise Unsupported(f"{where} is neither a type name nor a list of them")
    for name in names:
        if name not in TYPE_TESTS:
            raise Unsupported(f"{where}: unknown type {name!r}")
    tests = tuple(_is(name) for name in names)
    if len(tests) == 1:
        return tests[0]
    return lambda instance: any(test(instance) for test in tests)


def _enum(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    if not isinstance(value, list):
        raise Unsupported(f"{where} is not a list")
    options = tuple(value)
    return lambda instance: any(json_equal(option, instance) for option in options)


def _const(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    return lambda instance: json_equal(instance, value)


def _format(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    if not isinstance(value, str):
        raise Unsupported(f"{where} is not a string")
    import jsonschema  # only a schema with a format needs it

    conforms = jsonschema.Draft202012Validator.FORMAT_CHECKER.conforms  # asked at validation time
    return lambda instance: conforms(instance, value)


def _ref(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    if not isinstance(value, str):
        raise Unsupported(f"{where} is not a string")
    return c.ref(value, where=where)


def _all_of(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    return every(_subschemas(c, value, where))


def _any_of(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    branches = tuple(_subschemas(c, value, where))
    return lambda instance: any(branch(instance) for branch in branches)


def _one_of(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    branches = tuple(_subschemas(c, value, where))

    def exactly_one(instance: Any) -> bool:
        passed = 0
        for branch in branches:
            if branch(instance):
                passed += 1
                if passed > 1:
                    return False
        return passed == 1

    return exactly_one


def _not(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    inner = c.schema(value, where)
    return lambda instance: not inner(instance)


# -- numbers (never booleans); the builders below test an instance of their keyword's type only


def _minimum(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    bound = _number(value, where)
    return lambda instance: not instance < bound


def _maximum(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    bound = _number(value, where)
    return lambda instance: not instance > bound


def _exclusive_minimum(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    bound = _number(value, where)
    return lambda instance: not instance <= bound


def _exclusive_maximum(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    bound = _number(value, where)
    return lambda instance: not instance >= bound


# -- strings (lengths in code points)


def _pattern(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    search = _regex(value, where).search
    return lambda instance: search(instance) is not None


def _min_size(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    """minLength (code points of a string), minItems (items of an array), minProperties (names)."""
    bound = _number(value, where)
    return lambda instance: not len(instance) < bound


def _max_size(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    """maxLength, maxItems, maxProperties."""
    bound = _number(value, where)
    return lambda instance: not len(instance) > bound


# -- arrays


def _prefix_items(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    firsts = tuple(_subschemas(c, value, where))
    return lambda instance: all(test(item) for test, item in zip(firsts, instance, strict=False))


def _items(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    prefix = schema.get("prefixItems", [])
    if not isinstance(prefix, list):
        raise Unsupported(f"{where}: its prefixItems is not a list")
    start = len(prefix)
    if value is False:
        return lambda instance: len(instance) <= start
    if value is not True and not isinstance(value, dict):
        raise Unsupported(f"{where} is neither a schema nor a boolean")
    rest = c.schema(value, where)
    return lambda instance: all(rest(item) for item in instance[start:])


# -- objects


def _properties(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    if not isinstance(value, dict):
        raise Unsupported(f"{where} is not an object")
    members = tuple((name, c.schema(sub, f"{where}/{name}")) for name, sub in value.items())

    def check(instance: Any) -> bool:
        for name, test in members:  # noqa: SIM110 - a loop: all() over a generator costs twice as much here
            if name in instance and not test(instance[name]):
                return False
        return True

    return check


def _required(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise Unsupported(f"{where} is not a list of names")
    names = tuple(value)
    return lambda instance: all(name in instance for name in names)


def _pattern_properties(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    if not isinstance(value, dict):
        raise Unsupported(f"{where} is not an object")
    rules = tuple(
        (_regex(pattern, f"{where}/{pattern}").search, c.schema(sub, f"{where}/{pattern}"))
        for pattern, sub in value.items()
    )
    return lambda instance: all(
        test(member) for search, test in rules for key, member in instance.items() if search(key)
    )


def _additional_properties(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    named = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    if not isinstance(named, dict) or not isinstance(patterns, dict):
        raise Unsupported(f"{where}: its properties or patternProperties is not an object")
    joined = "|".join(patterns)  # one alternation, as jsonschema matches the extras
    search = _regex(joined, where).search if joined else None

    def extras(instance: dict[str, Any]) -> list[str]:
        return [k for k in instance if k not in named and not (search is not None and search(k))]

    if value is True:
        return accept
    if value is False:
        return lambda instance: not extras(instance)
    if not isinstance(value, dict):
        raise Unsupported(f"{where} is neither a schema nor a boolean")
    rest = c.schema(value, where)
    return lambda instance: all(rest(instance[k]) for k in extras(instance))


def _property_names(c: Compiler, value: Any, schema: dict[str, Any], where: str) -> Check:
    test = c.schema(value, where)
    return lambda instance: all(test(key) for key in instance)


Builder = Callable[[Compiler, Any, dict[str, Any], str], Check]


@dataclass(frozen=True)
class Keyword:
    """How to build one keyword's check, and the type of instance it constrains (None: every one)."""

    build: Builder
    applies_to: str | None = None


KEYWORDS: dict[str, Keyword] = {
    "$ref": Keyword(_ref),
    "allOf": Keyword(_all_of),
    "anyOf": Keyword(_any_of),
    "const": Keyword(_const),
    "enum": Keyword(_enum),
    "format": Keyword(_format),
    "not": Keyword(_not),
    "oneOf": Keyword(_one_of),
    "type": Keyword(_type),
    "exclusiveMaximum": Keyword(_exclusive_maximum, "number"),
    "exclusiveMinimum": Keyword(_exclusive_minimum, "number"),
    "maximum": Keyword(_maximum, "number"),
    "minimum": Keyword(_minimum, "number"),
    "maxLength": Keyword(_max_size, "string"),
    "minLength": Keyword(_min_size, "string"),
    "pattern": Keyword(_pattern, "string"),
    "items": Keyword(_items, "array"),
    "maxItems": Keyword(_max_size, "array"),
    "minItems": Keyword(_min_size, "array"),
    "prefixItems": Keyword(_prefix_items, "array"),
    "additionalProperties": Keyword(_additional_properties, "object"),
    "maxProperties": Keyword(_max_size, "object"),
    "minProperties": Keyword(_min_size, "object"),
    "patternProperties": Keyword(_pattern_properties, "object"),
    "properties": Keyword(_properties, "object"),
    "propertyNames": Keyword(_property_names, "object"),
    "required": Keyword(_required, "object"),
}
