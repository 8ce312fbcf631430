"""The fast validity test and jsonschema agree on every body, for every response schema (differential).

For each documented status of the spec and of each response variant's overlaid document, and for a
stress document that uses every keyword the fast test models, hypothesis draws bodies from five
sources: arbitrary JSON (its keys partly the schemas' own member names), bodies generated from the
schema itself, those bodies mutated, the documented examples and the examples mutated (a member
dropped, a value retyped, true swapped for 1, 1 for 1.0...). On each, the fast test's answer must be
jsonschema's ``is_valid``, and ``Contract.validate`` must yield exactly what jsonschema alone yields.

``hypothesis_jsonschema`` is not installed here (and schemathesis's own generator is internal API),
so the bodies "generated from the schema" come from the small generator below.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from conformance.contract.keywords import json_equal
from conformance.contract.schemas import Contract, load_contract
from conformance.contract.specfile import Spec, load_spec
from conformance.contract.variants import response_variants

Strategy = st.SearchStrategy[Any]

# Values where JSON Schema's equality and Python's part ways, or bounds sit.
EDGES: tuple[Any, ...] = (0, 1, -1, 1.0, 0.0, -0.0, 1.5, True, False, None, "", "1", "true", 10**20, 100, 599)
EDGES_NONFINITE: tuple[Any, ...] = (math.nan, math.inf, -math.inf)
EDGES_ALL: tuple[Any, ...] = (*EDGES, *EDGES_NONFINITE, [], {}, [1], [True], {"k": 1}, 3, 3.0, 2.5, 10)

# Schemas that use every keyword the fast test models (the spec uses only some): small ones, each
# about one thing, so that a body drawn at random often sits on that thing's edge; then one that
# mixes them all.
STRESS_SCHEMAS: dict[str, Any] = {
    "Numbers": {"type": ["number", "null"], "minimum": 0, "maximum": 2.5},
    "Exclusive": {"exclusiveMinimum": -1.5, "exclusiveMaximum": 10},
    "Strings": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-c]"},
    "Enum": {"enum": [1, "1", True, None, [1, True], {"k": False}]},
    "Const": {"const": [0, {"x": [1, True, None]}]},
    "AnyOf": {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 5}]},
    "OneOf": {"oneOf": [{"type": "integer"}, {"type": "number", "maximum": 3}]},
    "Not": {"not": {"type": "string"}},
    "DateTime": {"format": "date-time"},
    "Uuid": {"format": "uuid"},
    "Tuple": {
        "type": "array",
        "prefixItems": [{"type": "boolean"}, {"const": 1}],
        "items": {"type": "string"},
        "minItems": 1,
        "maxItems": 3,
    },
    "ClosedTuple": {"prefixItems": [{"type": "integer"}], "items": False},
    "Closed": {
        "type": "object",
        "required": ["a"],
        "minProperties": 1,
        "maxProperties": 3,
        "propertyNames": {"maxLength": 3},
        "properties": {"a": {"type": "integer"}, "b": {"type": "boolean"}},
        "patternProperties": {"^p_": {"type": "integer"}},
        "additionalProperties": False,
    },
    "Keywords": {
        "type": "object",
        "required": ["a"],
        "minProperties": 1,
        "maxProperties": 6,
        "propertyNames": {"maxLength": 6},
        "properties": {
            "a": {"type": ["integer", "null"], "minimum": 0, "exclusiveMaximum": 10},
            "b": {"type": "number", "exclusiveMinimum": -1.5, "maximum": 2.5},
            "c": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-c]"},
            "d": {
                "type": "array",
                "prefixItems": [{"type": "boolean"}, {"const": 1}],
                "items": {"type": "string"},
                "minItems": 1,
                "maxItems": 3,
            },
            "e": {"enum": [1, "1", True, None, [1, True], {"k": False}]},
            "f": {"const": {"x": [1, True, None]}},
            "g": {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 5}]},
            "h": {"oneOf": [{"type": "integer"}, {"type": "number", "maximum": 3}]},
            "i": {"not": {"type": "string"}},
            "j": {"format": "date-time"},
            "k": {"format": "uuid", "description": "annotations are skipped", "x-note": 1},
            "l": {"prefixItems": [{"type": "integer"}], "items": False},
        },
        "patternProperties": {"^p_": {"type": "integer"}},
        "additionalProperties": False,
    },
    "Open": {
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "patternProperties": {"^n": {"type": "number"}, "^z": True},
        "additionalProperties": {"type": "string", "maxLength": 3},
    },
    "Tree": {
        "type": "object",
        "required": ["value"],
        "properties": {
            "value": {"type": "integer"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}, "maxItems": 3},
        },
    },
    "ByUrn": {"$ref": "urn:opentact-conformance:spec#/components/schemas/Tree", "minProperties": 1},
    "Escaped": {"$ref": "#/components/schemas/a~1b~0c%20d"},
    "a/b~c d": {"allOf": [{"type": "object"}, {"properties": {"yes": True, "no": False}}]},
    "Nothing": {"anyOf": []},
}


def _stress_contracts(spec: Spec) -> Iterator[tuple[str, Contract]]:
    for name in STRESS_SCHEMAS:
        if name == "a/b~c d":
            continue  # reached through Escaped
        document = spec.copy_document()
        document["components"]["schemas"].update(copy.deepcopy(STRESS_SCHEMAS))
        media = document["paths"]["/rest/sms"]["post"]["responses"]["200"]["content"]["application/json"]
        media["schema"] = {"$ref": f"#/components/schemas/{name}"}
        yield f"stress-{name}", Contract(spec, document)


def _cases() -> list[tuple[str, Contract, int]]:
    spec = load_spec()
    contracts = [("spec", load_contract()), *((v.variant.id, v.contract) for v in response_variants())]
    out = [
        (f"{label}-{status}", contract, status)
        for label, contract in contracts
        for status in contract.documented_statuses
        if contract.validity(status) is not None
    ]
    out += [(label, contract, 200) for label, contract in _stress_contracts(spec)]
    return out


CASES = _cases()


# -- where bodies come from


def _member_names(node: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        for keyword in ("properties", "patternProperties"):
            if isinstance(node.get(keyword), dict):
                names.update(node[keyword])
        for value in node.values():
            names |= _member_names(value)
    elif isinstance(node, list):
        for value in node:
            names |= _member_names(value)
    return names


def _patterns(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("patternProperties"), dict):
            found.update(node["patternProperties"])
        for value in node.values():
            found |= _patterns(value)
    elif isinstance(node, list):
        for value in node:
            found |= _patterns(value)
    return found


def json_values(keys: Strategy) -> Strategy:
    """Any JSON value (NaN and infinities too), objects keyed by ``keys``; shrinks towards null."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats()
        | st.text(max_size=12)
        | st.sampled_from(EDGES + EDGES_NONFINITE)
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
        max_leaves=16,
    )


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for token in ref.split("#", 1)[1].split("/")[1:]:
        node = node[token.replace("%20", " ").replace("~1", "/").replace("~0", "~")]
    return node


def _flat(schema: Any, document: dict[str, Any]) -> Any:
    """``schema`` with its ``$ref`` and ``allOf`` folded in (members merged, required lists joined)."""
    if not isinstance(schema, dict):
        return schema
    parts = [{k: v for k, v in schema.items() if k not in ("$ref", "allOf")}]
    if "$ref" in schema:
        parts.append(_flat(_resolve(document, schema["$ref"]), document))
    parts += [_flat(sub, document) for sub in schema.get("allOf", ())]
    merged: dict[str, Any] = {}
    for part in parts:
        if not isinstance(part, dict):
            continue
        for key, value in part.items():
            if key == "properties" and key in merged:
                merged[key] = {**merged[key], **value}
            elif key == "required" and key in merged:
                merged[key] = [*merged[key], *value]
            else:
                merged.setdefault(key, value)
    return merged


# Strings of a format, in the spec's own spelling (a regex alone would rarely draw a real date).
FORMATTED: dict[str, Strategy] = {
    "date-time": st.datetimes(datetime(1970, 1, 1), datetime(2100, 1, 1)).map(
        lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    ),
    "uuid": st.uuids().map(str),
}


def from_schema(schema: Any, document: dict[str, Any], anything: Strategy, depth: int = 0) -> Strategy:
    """Bodies shaped by ``schema``: mostly valid, invalid where a pattern and a format disagree."""
    flat = _flat(schema, document)
    if not isinstance(flat, dict) or depth > 4:
        return anything

    def sub(inner: Any) -> Strategy:
        return from_schema(inner, document, anything, depth + 1)

    if "const" in flat:
        return st.just(flat["const"])
    if "enum" in flat:
        return st.sampled_from(flat["enum"]) if flat["enum"] else anything
    for keyword in ("oneOf", "anyOf"):
        if flat.get(keyword):
            rest = {k: v for k, v in flat.items() if k != keyword}
            return st.one_of([sub(_flat({**rest, "allOf": [branch]}, document)) for branch in flat[keyword]])
    types = flat.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    if not types:
        shapes = {"object": ("properties", "patternProperties"), "array": ("prefixItems", "items")}
        types = [name for name, keywords in shapes.items() if any(k in flat for k in keywords)]
    if not types:
        return anything
    return st.one_of([_of_type(name, flat, sub) for name in types])


def _of_type(name: str, flat: dict[str, Any], sub: Any) -> Strategy:
    if name == "null":
        return st.none()
    if name == "boolean":
        return st.booleans()
    if name in ("integer", "number"):
        low, high = flat.get("minimum"), flat.get("maximum")
        whole = st.integers(
            min_value=None if low is None else math.ceil(low),
            max_value=None if high is None else math.floor(high),
        )
        return whole if name == "integer" else whole | st.floats(min_value=low, max_value=high)
    if name == "string":
        sources = [FORMATTED[flat["format"]]] if flat.get("format") in FORMATTED else []
        if "pattern" in flat:  # a date the pattern allows may still be no date (2023-13-45)
            sources += [st.from_regex(flat["pattern"], fullmatch=True), st.from_regex(flat["pattern"])]
        if not sources or "minLength" in flat or "maxLength" in flat:
            sources.append(
                st.text(min_size=flat.get("minLength", 0), max_size=min(flat.get("maxLength", 20), 20))
            )
        return st.one_of(sources)
    if name == "array":
        firsts = [sub(item) for item in flat.get("prefixItems", ())]
        rest = flat.get("items", True)
        tail = st.lists(sub(rest), max_size=3) if rest is not False else st.just([])
        return st.tuples(*firsts, tail).map(lambda drawn: [*drawn[:-1], *drawn[-1]])
    members: dict[str, Any] = flat.get("properties", {})
    required = [name for name in flat.get("required", ()) if name in members]
    optional = {name: sub(schema) for name, schema in members.items() if name not in required}
    extra = flat.get("additionalProperties", True)
    names = flat.get("propertyNames", {}).get("pattern")
    extras = [
        st.dictionaries(st.from_regex(pattern), sub(schema), max_size=2)
        for pattern, schema in flat.get("patternProperties", {}).items()
    ]
    if isinstance(extra, dict):
        keys = st.from_regex(names, fullmatch=True) if names else st.text(max_size=4)
        extras.append(st.dictionaries(keys, sub(extra), max_size=2))
    fixed = st.fixed_dictionaries({name: sub(members[name]) for name in required}, optional=optional)
    return st.tuples(fixed, *extras).map(
        lambda drawn: {k: v for part in drawn[::-1] for k, v in part.items()}
    )


def _paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(value, dict):
        for key, member in value.items():
            yield from _paths(member, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*at, index))


def _swapped(value: Any) -> Any:
    """The value JSON Schema tells apart and Python does not: true/1, false/0, 1/1.0."""
    if value is True or value is False:
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return float(value)
    return value


@st.composite
def mutated(draw: st.DrawFn, base: Strategy, keys: Strategy, anything: Strategy) -> Any:
    """A body of ``base`` after one to three edits: a member dropped or added, a value swapped or retyped."""
    body = copy.deepcopy(draw(base))
    for _ in range(draw(st.sampled_from([1, 1, 2, 3]))):  # one edit most often: the rest stays valid
        paths = list(_paths(body))
        path = paths[draw(st.integers(0, len(paths) - 1))]
        if not path:
            body = draw(
                st.sampled_from(
                    [_swapped(body), draw(anything), copy.deepcopy(draw(st.sampled_from(EDGES_ALL)))]
                )
            )
            continue
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        node = parent[path[-1]]
        edit = draw(st.sampled_from(["drop", "swap", "edge", "any", "add"]))
        if edit == "drop":
            del parent[path[-1]]
        elif edit == "swap":
            parent[path[-1]] = _swapped(node)
        elif edit == "edge":
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(EDGES_ALL)))
        elif edit == "add" and isinstance(node, dict):
            node[draw(keys)] = draw(anything)
        else:
            parent[path[-1]] = draw(anything)
    return body


@functools.cache
def bodies(contract: Contract, status: int) -> Strategy:
    """Every source of bodies for one documented status, in one strategy."""
    components = contract.document["components"]
    keys = st.one_of(
        st.sampled_from(sorted(_member_names(components))),
        st.text(max_size=6),
        *(st.from_regex(pattern) for pattern in sorted(_patterns(components))),
    )
    anything = json_values(keys)
    media = contract.response(status)["content"]["application/json"]  # type: ignore[index]
    shaped = from_schema(media["schema"], dict(contract.document), anything)
    edges = st.sampled_from(EDGES_ALL).map(copy.deepcopy)
    sources = [anything, edges, shaped, mutated(shaped, keys, anything)]
    examples = [value for code, _name, value in contract.examples() if code == status]
    if examples:
        documented = st.sampled_from(examples)
        sources += [documented, mutated(documented, keys, anything)]
    return st.one_of(sources)


# -- the properties


@pytest.mark.parametrize(("contract", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@settings(
    max_examples=150,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_the_fast_test_answers_as_jsonschema_and_validate_reports_what_jsonschema_alone_reports(
    contract: Contract, status: int, data: st.DataObject
) -> None:
    validity, validator = contract.validity(status), contract.validator(status)
    assert validity is not None and validator is not None
    assert validity.check is not None, validity.unsupported  # every schema here has a fast form
    body = data.draw(bodies(contract, status), label="body")
    assert validity.check(body) is validator.is_valid(body)
    assert list(contract.validate(status, body)) == list(contract._jsonschema_problems(status, body))


@pytest.mark.parametrize(("label", "contract", "status"), CASES, ids=[c[0] for c in CASES])
def test_the_bodies_reach_both_sides_of_every_schema(label: str, contract: Contract, status: int) -> None:
    validator = contract.validator(status)
    assert validator is not None
    found = settings(  # the first body found is enough: no shrinking
        max_examples=2000, database=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck)
    )
    if label != "stress-Nothing":  # a schema nothing satisfies
        assert validator.is_valid(find(bodies(contract, status), validator.is_valid, settings=found))
    invalid = find(bodies(contract, status), lambda body: not validator.is_valid(body), settings=found)
    assert not validator.is_valid(invalid)


SMALL = st.recursive(
    st.sampled_from(EDGES),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=500, database=None)
@given(SMALL, SMALL)
def test_json_equal_is_jsonschemas_equality(one: Any, two: Any) -> None:
    assert json_equal(two, one) is jsonschema.Draft202012Validator({"const": one}).is_valid(two)
    assert json_equal(one, copy.deepcopy(one))
