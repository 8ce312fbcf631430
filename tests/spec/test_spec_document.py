"""The OpenAPI file itself: valid, its examples self-consistent, the seed's examples embedded."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from conformance.contract.schemas import Contract

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_FILE = REPO_ROOT / "tests" / "fixtures" / "000_2228b3f3e300e9e8.txt"  # the saved seed page S1, verbatim


def _seed_bodies(text: str) -> list[Any]:
    """The JSON objects that start at the beginning of a line of the saved seed page, in order."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(text, match.start())[0] for match in re.finditer(r"^\{", text, re.MULTILINE)]


def test_spec_is_a_valid_openapi_3_1_document(spec_document: dict[str, Any]) -> None:
    assert spec_document["openapi"].startswith("3.1")
    validate(spec_document)


def test_every_embedded_example_validates_against_its_own_response_schema(contract: Contract) -> None:
    examples = list(contract.examples())
    assert examples, "the spec embeds no response examples"
    problems = {
        f"{status} {name}": [f"{p.path}: {p.message}" for p in contract.validate(status, value)]
        for status, name, value in examples
    }
    assert {key: found for key, found in problems.items() if found} == {}


def test_every_documented_status_has_an_example(contract: Contract) -> None:
    with_examples = {status for status, _, _ in contract.examples()}
    assert set(contract.documented_statuses) == with_examples


def test_seed_examples_file_holds_the_five_bodies_of_the_seed_page(
    seed_examples: list[dict[str, Any]],
) -> None:
    assert len(seed_examples) == 5
    assert [example["status"] for example in seed_examples] == [200, 201, None, None, 404]
    assert all(example["source"].startswith("S1 ") for example in seed_examples)


@pytest.mark.parametrize("index", range(5))
def test_seed_example_is_embedded_verbatim_in_the_spec(
    index: int, seed_examples: list[dict[str, Any]], contract: Contract
) -> None:
    seed = seed_examples[index]
    embedded = [(status, value) for status, _, value in contract.examples()]
    assert seed["body"] in [value for _, value in embedded], f"{seed['source']} is not embedded verbatim"
    if seed["status"] is not None:
        under_status = [value for status, value in embedded if status == seed["status"]]
        assert seed["body"] in under_status, f"{seed['source']} is not embedded under {seed['status']}"


def test_seed_examples_copy_matches_the_shared_seed_page(seed_examples: list[dict[str, Any]]) -> None:
    bodies = _seed_bodies(SEED_FILE.read_text(encoding="utf-8"))
    assert bodies == [example["body"] for example in seed_examples]


def test_seed_page_parser_finds_line_initial_objects_only() -> None:
    text = 'intro {"not": "this"}\n{\n  "a": 1\n}\ntext\n{"b": [2]}\n'
    assert _seed_bodies(text) == [{"a": 1}, {"b": [2]}]


def test_missing_credentials_response_is_marked_inferred_with_provenance(
    spec_document: dict[str, Any],
) -> None:
    response = spec_document["paths"]["/rest/sms"]["post"]["responses"]["401"]
    assert response.get("x-opentact-inferred") is True
    assert str(response.get("x-opentact-provenance", "")).strip()
    schema = spec_document["components"]["schemas"]["AuthError"]
    assert schema.get("x-opentact-inferred") is True
    assert str(schema.get("x-opentact-provenance", "")).strip()


def test_only_the_401_response_is_inferred(spec_document: dict[str, Any]) -> None:
    responses = spec_document["paths"]["/rest/sms"]["post"]["responses"]
    inferred = sorted(code for code, response in responses.items() if response.get("x-opentact-inferred"))
    assert inferred == ["401"]


def test_the_spec_and_every_variant_parse_the_same_on_libyaml_as_on_pyyaml() -> None:
    # safe_yaml takes libyaml's parser where PyYAML has it: the objects must be the very same
    import yaml

    from conformance.contract.specfile import SPEC_FILE, safe_yaml, spec_dir

    for path in [spec_dir() / SPEC_FILE, *sorted((spec_dir() / "variants").glob("*.yaml"))]:
        text = path.read_text(encoding="utf-8")
        assert safe_yaml(text) == yaml.safe_load(text), path.name


def test_the_lookup_example_of_s4_is_valid_and_a_bare_payload_is_not(
    spec_document: dict[str, Any], contract: Contract
) -> None:
    lookup = spec_document["paths"]["/rest/sms/outbound/{uuid}"]["get"]
    example = lookup["responses"]["200"]["content"]["application/json"]["examples"]["s4-200-sending"]["value"]
    assert list(contract.validate_lookup(example)) == []
    assert {p.path for p in contract.validate_lookup(example["payload"])} == {"$.success", "$.payload"}
    assert lookup["x-opentact-decision"] == "D66"
