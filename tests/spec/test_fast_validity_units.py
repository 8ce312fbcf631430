"""The fast validity test, case by case: what it models, what it refuses, and that refusing is safe."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.contract.schemas import Contract
from conformance.contract.specfile import Spec
from conformance.contract.validity import SchemaCompiler, Validity

ROOT = "urn:opentact-conformance:spec"
SCHEMA_200 = ("paths", "/rest/sms", "post", "responses", "200", "content", "application/json", "schema")


def compiled(schemas: dict[str, Any], name: str) -> Validity:
    return SchemaCompiler({"components": {"schemas": schemas}}, root_uri=ROOT).compile_ref(
        f"#/components/schemas/{name}"
    )


def reference(schemas: dict[str, Any], name: str) -> jsonschema.protocols.Validator:
    """jsonschema over the same document, the way ``Contract`` builds it."""
    resource = Resource.from_contents({"components": {"schemas": schemas}}, default_specification=DRAFT202012)
    return jsonschema.Draft202012Validator(
        {"$ref": f"{ROOT}#/components/schemas/{name}"},
        registry=Registry().with_resource(ROOT, resource),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def with_200_schema(spec: Spec, schema: dict[str, Any]) -> Contract:
    document = spec.copy_document()
    node = document
    for step in SCHEMA_200[:-1]:
        node = node[step]
    node[SCHEMA_200[-1]] = schema
    return Contract(spec, document)


# -- booleans are not numbers


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"const": 1}, True, False),
        ({"const": True}, 1, False),
        ({"const": 1}, 1.0, True),
        ({"const": False}, 0, False),
        ({"const": [1, {"a": 0}]}, [True, {"a": False}], False),
        ({"const": [1, {"a": 0}]}, [1.0, {"a": 0.0}], True),
        ({"enum": [0, "x"]}, False, False),
        ({"enum": [True, None]}, 1, False),
        ({"enum": [True, None]}, True, True),
        ({"type": "integer"}, True, False),
        ({"type": "integer"}, 1.0, True),
        ({"type": "integer"}, 1.5, False),
        ({"type": "number"}, False, False),
        ({"type": "boolean"}, 0, False),
        ({"minimum": 5}, True, True),  # not a number: minimum does not apply
        ({"minimum": 5}, float("nan"), True),  # NaN < 5 is false, as jsonschema compares
    ],
)
def test_booleans_and_numbers_are_told_apart_as_jsonschema_tells_them(
    schema: dict[str, Any], instance: Any, valid: bool
) -> None:
    validity = compiled({"S": schema}, "S")
    assert validity.check is not None
    assert validity.check(instance) is valid
    assert reference({"S": schema}, "S").is_valid(instance) is valid


# -- recursion


def trees(depth: int, leaf: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"value": leaf}
    for level in range(depth):
        node = {"value": level, "children": [node, {"value": level}]}
    return node


RECURSIVE = {
    "Tree": {
        "type": "object",
        "required": ["value"],
        "properties": {
            "value": {"type": "integer"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
        },
    },
    "Ping": {"type": "object", "properties": {"pong": {"$ref": "#/components/schemas/Pong"}}},
    "Pong": {"type": "object", "properties": {"ping": {"$ref": f"{ROOT}#/components/schemas/Ping"}}},
}


def test_a_recursive_ref_compiles_once_and_checks_every_level() -> None:
    validity = compiled(RECURSIVE, "Tree")
    assert validity.check is not None
    assert validity.check(trees(30, 1))
    assert not validity.check(trees(30, "deep down, a string"))
    assert reference(RECURSIVE, "Tree").is_valid(trees(30, 1))


def test_mutually_recursive_refs_in_both_spellings_close_the_loop() -> None:
    validity = compiled(RECURSIVE, "Ping")
    assert validity.check is not None
    assert validity.check({"pong": {"ping": {"pong": {"ping": {}}}}})
    assert not validity.check({"pong": {"ping": {"pong": {"ping": []}}}})


# -- what has no fast form goes to jsonschema, whole


@pytest.mark.parametrize(
    ("schema", "why"),
    [
        ({"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]}}, "keyword 'if'"),
        ({"type": "object", "properties": {"a": {"type": "string", "nullable": True}}}, "'nullable'"),
        ({"type": "array", "uniqueItems": True}, "'uniqueItems'"),
        ({"properties": {"a": {"$id": "https://example.com/a", "type": "string"}}}, "'$id'"),
        ({"$ref": "https://example.com/other.json#/x"}, "leaves the document"),
        ({"$ref": "#Anchor"}, "names an anchor"),
        ({"$ref": "#/components/schemas/Missing"}, "points nowhere"),
        ({"type": "string", "pattern": "("}, "does not compile"),
        ({"type": "colour"}, "unknown type"),
        ({"required": "name"}, "not a list of names"),
    ],
)
def test_a_schema_the_fast_test_does_not_model_has_no_fast_form(schema: dict[str, Any], why: str) -> None:
    validity = compiled({"S": {"type": "object", "properties": {"inner": schema}}}, "S")
    assert validity.check is None
    assert why in validity.unsupported
    assert not validity.proves_valid({})


def test_an_unsupported_keyword_leaves_the_body_to_jsonschema_and_the_problems_are_its_own(
    spec: Spec,
) -> None:
    schema = {
        "allOf": [{"$ref": "#/components/schemas/SmsSendResponse"}],
        "if": {"properties": {"success": {"const": True}}},
        "then": {"required": ["payload"]},
    }
    contract = with_200_schema(spec, schema)
    validity = contract.validity(200)
    assert validity is not None and validity.check is None and "'if'" in validity.unsupported
    example = next(value for status, _name, value in contract.examples() if status == 200)
    assert list(contract.validate(200, example)) == []
    bare = {"success": True}
    problems = list(contract.validate(200, bare))
    assert problems == list(contract._jsonschema_problems(200, bare))
    assert {p.validator for p in problems} == {"required"}  # both the allOf branch and then


def test_a_failed_compile_leaves_nothing_half_built_behind() -> None:
    schemas = {
        "Good": {"type": "object", "properties": {"bad": {"$ref": "#/components/schemas/Bad"}}},
        "Bad": {"properties": {"good": {"$ref": "#/components/schemas/Good"}}, "uniqueItems": True},
    }
    compiler = SchemaCompiler({"components": {"schemas": schemas}}, root_uri=ROOT)
    assert compiler.compile_ref("#/components/schemas/Good").check is None
    schemas["Bad"].pop("uniqueItems")
    again = compiler.compile_ref("#/components/schemas/Good")
    assert again.check is not None  # compiled afresh, not from a stale loop into the failed Bad
    assert again.check({"bad": {"good": {}}}) and not again.check({"bad": {"good": []}})


# -- formats are jsonschema's, asked at validation time


@pytest.fixture
def shouting_format() -> Iterator[str]:
    """A format registered on jsonschema's checker for one test: upper-case strings; raises on digits."""
    name = "fastvalid-shouting"
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER

    def shouting(instance: object) -> bool:
        if isinstance(instance, str) and any(ch.isdigit() for ch in instance):
            raise RuntimeError("no digits, ever")
        return not isinstance(instance, str) or instance.isupper()

    checker.checks(name)(shouting)
    yield name
    del checker.checkers[name]


def test_a_format_registered_after_compiling_is_honoured_and_a_raising_checker_is_left_to_jsonschema(
    spec: Spec, shouting_format: str
) -> None:
    contract = with_200_schema(spec, {"type": "string", "format": shouting_format})
    validity = contract.validity(200)
    assert validity is not None and validity.check is not None
    assert validity.proves_valid("LOUD") and not validity.proves_valid("quiet")
    assert [p.validator for p in contract.validate(200, "quiet")] == ["format"]
    assert not validity.proves_valid("R2D2")  # the checker raised: no verdict from the fast test
    with pytest.raises(RuntimeError, match="no digits"):
        list(contract.validate(200, "R2D2"))  # ... and jsonschema raises it, as it always did


def test_contracts_of_one_document_share_the_fast_test_with_the_validator(spec: Spec) -> None:
    first, second = Contract(spec).validity(200), Contract(spec).validity(200)
    assert first is not None and first is second
    assert first.check is not None and first.unsupported == ""


def test_the_written_out_types_are_jsonschema_s_own_for_every_kind_of_json_value() -> None:
    import jsonschema

    from conformance.contract.keywords import TYPE_TESTS

    checker = jsonschema.Draft202012Validator.TYPE_CHECKER
    values = [
        None,
        True,
        False,
        0,
        1,
        -7,
        2**70,
        1.0,
        -0.0,
        1.5,
        float("inf"),
        float("nan"),
        "",
        "1",
        [],
        [1],
        {},
        {"a": 1},
        (1,),
        b"x",
    ]
    for name, test in TYPE_TESTS.items():
        for value in values:
            assert test(value) == checker.is_type(value, name), (name, value)
    assert set(TYPE_TESTS) == {"array", "boolean", "integer", "null", "number", "object", "string"}


def test_a_schema_without_format_compiles_and_runs_without_importing_jsonschema() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from conformance.contract.validity import SchemaCompiler\n"
        "doc = {'s': {'type': 'object', 'required': ['n'], 'properties': {'n': {'type': 'integer'}}}}\n"
        "v = SchemaCompiler(doc, root_uri='urn:x').compile_ref('#/s')\n"
        "assert v.proves_valid({'n': 1}) and not v.proves_valid({'n': True})\n"
        "assert 'jsonschema' not in sys.modules, 'jsonschema imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-1500:]
