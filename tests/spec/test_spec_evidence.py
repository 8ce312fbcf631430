"""Every constraint the spec asserts is traceable to a documented page or marked as inferred."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

#: keywords that make a schema node assert something about a value
CONSTRAINT_KEYWORDS = frozenset(
    {
        "type", "pattern", "enum", "const", "format", "required",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
        "minProperties", "maxProperties",
    }
)  # fmt: skip
#: a source id of the research notes (S1…S22) or a section of the notes
SOURCE_REFERENCE = re.compile(r"\bS(?:[1-9]|1[0-9]|2[0-2])\b|notes §")
_INHERITING_SUBSCHEMAS = ("items", "additionalProperties", "propertyNames", "not", "contains")


def _traced(node: dict[str, Any]) -> bool:
    """The node names its evidence, or is openly inferred and says where the guess comes from."""
    evidence = node.get("x-opentact-evidence")
    if isinstance(evidence, str) and SOURCE_REFERENCE.search(evidence):
        return True
    provenance = node.get("x-opentact-provenance")
    return (
        node.get("x-opentact-inferred") is True and isinstance(provenance, str) and bool(provenance.strip())
    )


def untraced_constraints(node: Any, pointer: str, inherited: bool = False) -> Iterator[str]:
    """JSON pointers of schema nodes that assert a constraint without traceable evidence.

    The rule: a named schema (``components.schemas.X``) and every member of its
    ``properties`` must carry evidence of its own when it asserts a constraint. Evidence is
    inherited only by the parts of a schema that cannot be read on their own: the members of
    ``allOf``/``oneOf``/``anyOf`` (so an ``allOf`` wrapper with evidence covers its anonymous
    branches and their properties) and ``items``/``additionalProperties``/``propertyNames``/
    ``not``/``contains``. A node that is only a ``$ref`` asserts nothing itself; the
    referenced schema is checked where it is defined.
    """
    if not isinstance(node, dict):
        return
    own = _traced(node)
    if CONSTRAINT_KEYWORDS & node.keys() and not (own or inherited):
        yield pointer
    covered = own or inherited
    for keyword in ("allOf", "oneOf", "anyOf"):
        for index, branch in enumerate(node.get(keyword) or []):
            yield from untraced_constraints(branch, f"{pointer}/{keyword}/{index}", covered)
    for keyword in _INHERITING_SUBSCHEMAS:
        yield from untraced_constraints(node.get(keyword), f"{pointer}/{keyword}", covered)
    for name, member in (node.get("properties") or {}).items():
        yield from untraced_constraints(member, f"{pointer}/properties/{name}", inherited)


def schema_problems(document: dict[str, Any]) -> list[str]:
    return [
        problem
        for name, schema in document["components"]["schemas"].items()
        for problem in untraced_constraints(schema, f"#/components/schemas/{name}")
    ]


def test_every_constraining_schema_carries_evidence(spec_document: dict[str, Any]) -> None:
    assert schema_problems(spec_document) == []


def test_constraints_stay_traced_once_each_response_overlay_is_applied(
    spec_document: dict[str, Any],
    variants: dict[str, dict[str, Any]],
    overlay_applier: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]],
) -> None:
    problems = {
        variant_id: schema_problems(overlay_applier(spec_document, variant["overlay"]))
        for variant_id, variant in variants.items()
        if variant.get("kind") == "response"
    }
    assert {key: found for key, found in problems.items() if found} == {}


def test_every_parameter_and_response_of_the_operation_carries_evidence(
    spec_document: dict[str, Any],
) -> None:
    operation = spec_document["paths"]["/rest/sms"]["post"]
    nodes = {"operation": operation}
    nodes |= {f"parameter {name}": p for name, p in spec_document["components"]["parameters"].items()}
    nodes |= {f"response {code}": r for code, r in operation["responses"].items()}
    nodes |= {f"security {name}": s for name, s in spec_document["components"]["securitySchemes"].items()}
    assert sorted(label for label, node in nodes.items() if not _traced(node)) == []


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string"}, ["#"]),
        ({"type": "string", "x-opentact-evidence": "S1 payload.from"}, []),
        ({"type": "string", "x-opentact-evidence": "looks right to me"}, ["#"]),
        ({"type": "string", "x-opentact-inferred": True, "x-opentact-provenance": "notes §4.5"}, []),
        ({"type": "string", "x-opentact-inferred": True}, ["#"]),
        ({"$ref": "#/components/schemas/Uuid"}, []),
        ({"allOf": [{"type": "object"}], "x-opentact-evidence": "S1 404"}, []),
        ({"allOf": [{"type": "object", "properties": {"a": {"const": 1}}}], "x-opentact-evidence": "S1"}, []),
        (
            {"type": "object", "x-opentact-evidence": "S1", "properties": {"a": {"type": "integer"}}},
            ["#/properties/a"],
        ),
        ({"oneOf": [{"$ref": "#/x"}, {"type": "null"}]}, ["#/oneOf/1"]),
        ({"type": "object", "x-opentact-evidence": "S1", "propertyNames": {"pattern": "^a$"}}, []),
    ],
)
def test_evidence_rule_on_hand_made_schemas(schema: dict[str, Any], expected: list[str]) -> None:
    assert list(untraced_constraints(schema, "#")) == expected
