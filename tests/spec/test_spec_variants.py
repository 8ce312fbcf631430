"""The documented variants in spec/variants/: well-formed data, and response overlays that work.

Format of a variant file (YAML, data only):

- every kind: ``id`` (= file stem), ``title``, ``kind`` (request | response | auth),
  ``sources`` (non-empty list of strings, each naming an S-id and the field/tab),
  ``decision`` (a DECISIONS.md id), ``description``;
- request: ``request: {method, path, host?, location: query|body, content_type?,
  names: {sender, destination, text}, number_format: digits|e164-plus|integer,
  number_format_overrides?: {<role>: <format>}, extra_fields: {<name>: {...}}}``;
- auth: ``auth: {placement: header|query, name, scheme}`` (scheme null = bare token);
- response: ``status?`` (list of documented statuses) and ``overlay``, a JSON Merge Patch
  (RFC 7396) applied to ``components.schemas`` of the spec; ``distinguishing?``, the members
  that show a body follows the variant's page (D23), each ``present|absent|retyped: <JSON path>``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from openapi_spec_validator import validate

from conformance.contract.schemas import Contract
from conformance.contract.specfile import Spec

Applier = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]

EXPECTED_IDS = {
    "query-lowercase": "request",
    "json-body-s3": "request",
    "json-body-s2": "request",
    "auth-bearer-header": "auth",
    "auth-bearer-query": "auth",
    "response-string-numbers": "response",
    "response-s2": "response",
    "response-s3": "response",
    "validation-as-500": "response",
}
COMMON_KEYS = {"id", "title", "kind", "sources", "decision", "description"}
KIND_KEYS = {
    "request": ({"request"}, set()),
    "auth": ({"auth"}, set()),
    "response": ({"overlay"}, {"status", "distinguishing"}),
}
REQUEST_KEYS = {"method", "path", "location", "names", "number_format", "extra_fields"}
REQUEST_OPTIONAL = {"host", "content_type", "number_format_overrides"}
NUMBER_FORMATS = {"digits", "e164-plus", "integer"}
ROLES = {"sender", "destination", "text"}
SOURCE_ID = re.compile(r"\bS(?:[1-9]|1[0-9]|2[0-2])\b")
#: overlays whose purpose is to record a reading, not to change a schema
EMPTY_OVERLAY_ALLOWED = {"validation-as-500"}


def _seed_200(seed_examples: list[dict[str, Any]]) -> dict[str, Any]:
    return copy.deepcopy(next(e["body"] for e in seed_examples if e["status"] == 200))


def _string_numbers_body(seed: dict[str, Any]) -> dict[str, Any]:
    """S10's shape: `to` a digit string, `from` a string, `tn.tn` an integer; plus `reason`."""
    seed["payload"]["to"] = "14158531285"
    seed["payload"]["from"] = "18382050008"
    seed["payload"]["tn"]["tn"] = 18382050008
    seed["payload"]["reason"] = "[SMSO][uuid]: tn: 18382050008, sms_campaign: CL2CERQ, sending..."
    seed["payload"]["account"] = {"uuid": "90c2e069-44c1-4f1a-9619-540432378122"}
    return seed


def _s2_body(seed: dict[str, Any]) -> dict[str, Any]:
    """S2's shape: no `type`; `tn` with type/sms and no timestamps; a `tn_lease` object."""
    del seed["payload"]["type"]
    seed["payload"]["tn"] = {"tn": 123456789, "type": "long_code", "sms": True}
    seed["payload"]["tn_lease"] = {
        "uuid": "90c2e069-44c1-4f1a-9619-540432378122",
        "autorenew": True,
        "messaging_profile": {"name": "Default profile", "callback_url": "https://google.com"},
    }
    return seed


def _s3_body(_: dict[str, Any]) -> dict[str, Any]:
    """S3's concrete example, member for member as the research notes list it."""
    return {
        "success": True,
        "payload": {
            "to": "J Smith",
            "message": "test message",
            "custom_callback_url": "www.example.com",
            "state": "created",
            "uuid": "6f837aa1-f6aa-45af-9764-3c4bfa84098f",
            "thread": "fdbbf3c163f386c272ed1b75a1d898bf",
            "delivered": False,
            "reference_id": None,
            "automated": False,
            "created_on": "2020-10-27T16:33:05.928Z",
            "modified_on": "2020-10-27T16:33:05.928Z",
        },
    }


#: a body in the variant's documented shape, built from the seed's 200 example
VARIANT_BODIES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "response-string-numbers": _string_numbers_body,
    "response-s2": _s2_body,
    "response-s3": _s3_body,
}


def _response_variants(variants: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {vid: v for vid, v in variants.items() if v.get("kind") == "response"}


def _null_members_absent_from_base(overlay: Any, base: Any, pointer: str = "") -> list[str]:
    """Pointers where the overlay deletes (null) a member the base does not have: a no-op typo."""
    if not isinstance(overlay, dict):
        return []
    found = []
    for key, value in overlay.items():
        here = f"{pointer}/{key}"
        has = isinstance(base, dict) and key in base
        if value is None and not has:
            found.append(here)
        found += _null_members_absent_from_base(value, base.get(key) if has else None, here)
    return found


def test_the_documented_variants_are_exactly_these(variants: dict[str, dict[str, Any]]) -> None:
    assert {vid: v.get("kind") for vid, v in variants.items()} == EXPECTED_IDS


@pytest.mark.parametrize("variant_id", sorted(EXPECTED_IDS))
def test_variant_has_the_common_keys_and_its_kind_keys_only(
    variant_id: str, variants: dict[str, dict[str, Any]]
) -> None:
    variant = variants[variant_id]
    required, optional = KIND_KEYS[variant["kind"]]
    assert COMMON_KEYS | required <= variant.keys()
    assert variant.keys() - COMMON_KEYS - required - optional == set()
    assert variant["id"] == variant_id
    for key in ("title", "description"):
        assert isinstance(variant[key], str) and variant[key].strip()
    assert re.fullmatch(r"D\d+", variant["decision"])
    assert variant["sources"] and all(isinstance(s, str) and SOURCE_ID.search(s) for s in variant["sources"])


@pytest.mark.parametrize("variant_id", sorted(k for k, v in EXPECTED_IDS.items() if v == "request"))
def test_request_variant_describes_a_complete_request(
    variant_id: str, variants: dict[str, dict[str, Any]]
) -> None:
    request = variants[variant_id]["request"]
    assert request.keys() >= REQUEST_KEYS
    assert request.keys() - REQUEST_KEYS - REQUEST_OPTIONAL == set()
    assert request["method"] == "POST"
    assert request["path"].startswith("/")
    assert request["location"] in {"query", "body"}
    if request["location"] == "body":
        assert request.get("content_type") == "application/json"
    assert set(request["names"]) == ROLES
    assert all(isinstance(name, str) and name for name in request["names"].values())
    assert request["number_format"] in NUMBER_FORMATS
    overrides = request.get("number_format_overrides") or {}
    assert set(overrides) <= ROLES - {"text"} and set(overrides.values()) <= NUMBER_FORMATS
    assert isinstance(request["extra_fields"], dict)
    for name, field in request["extra_fields"].items():
        assert name not in request["names"].values()
        assert {"required", "sent_by_suite", "schema", "evidence"} <= field.keys()


@pytest.mark.parametrize("variant_id", sorted(k for k, v in EXPECTED_IDS.items() if v == "auth"))
def test_auth_variant_names_where_the_token_goes(
    variant_id: str, variants: dict[str, dict[str, Any]]
) -> None:
    auth = variants[variant_id]["auth"]
    assert set(auth) == {"placement", "name", "scheme"}
    assert auth["placement"] in {"header", "query"}
    assert isinstance(auth["name"], str) and auth["name"]
    assert auth["scheme"] is None or (isinstance(auth["scheme"], str) and auth["scheme"])


def test_request_variants_differ_from_the_canonical_request(
    variants: dict[str, dict[str, Any]], spec_document: dict[str, Any]
) -> None:
    parameters = spec_document["components"]["parameters"]
    canonical = ("query", {"sender": "FROM", "destination": "TO", "text": "Message"})
    assert (parameters["From"]["name"], parameters["To"]["name"], parameters["Message"]["name"]) == (
        "FROM",
        "TO",
        "Message",
    )
    for vid, variant in variants.items():
        if variant["kind"] == "request":
            request = variant["request"]
            assert (request["location"], request["names"]) != canonical, vid


@pytest.mark.parametrize("variant_id", sorted(k for k, v in EXPECTED_IDS.items() if v == "response"))
def test_response_overlay_yields_a_valid_openapi_document(
    variant_id: str,
    variants: dict[str, dict[str, Any]],
    spec_document: dict[str, Any],
    overlay_applier: Applier,
) -> None:
    variant = variants[variant_id]
    overlay = variant["overlay"]
    assert isinstance(overlay, dict)
    assert set(overlay) <= set(spec_document["components"]["schemas"]), "overlay patches an unknown schema"
    assert _null_members_absent_from_base(overlay, spec_document["components"]["schemas"]) == []
    patched = overlay_applier(spec_document, overlay)
    validate(patched)
    changed = patched != spec_document
    assert changed is (variant_id not in EMPTY_OVERLAY_ALLOWED)


@pytest.mark.parametrize("variant_id", sorted(k for k, v in EXPECTED_IDS.items() if v == "response"))
def test_response_variant_statuses_are_documented(
    variant_id: str, variants: dict[str, dict[str, Any]], contract: Contract
) -> None:
    statuses = variants[variant_id].get("status")
    if statuses is not None:
        assert statuses and set(statuses) <= set(contract.documented_statuses)


@pytest.mark.parametrize("variant_id", sorted(VARIANT_BODIES))
@pytest.mark.parametrize("status", [200, 201])
def test_variant_shaped_body_fails_the_spec_and_passes_the_overlay(
    variant_id: str,
    status: int,
    variants: dict[str, dict[str, Any]],
    spec: Spec,
    spec_document: dict[str, Any],
    contract: Contract,
    seed_examples: list[dict[str, Any]],
    overlay_applier: Applier,
) -> None:
    body = VARIANT_BODIES[variant_id](_seed_200(seed_examples))
    if status == 201 and "type" in body["payload"]:
        body["payload"]["type"] = "smsr"
    assert list(contract.validate(status, body)), "the main spec already accepts this shape"
    patched = Contract(spec, document=overlay_applier(spec_document, variants[variant_id]["overlay"]))
    assert [f"{p.path}: {p.message}" for p in patched.validate(status, body)] == []


def test_validation_as_500_reading_is_already_valid_under_the_spec(
    contract: Contract, seed_examples: list[dict[str, Any]], variants: dict[str, dict[str, Any]]
) -> None:
    assert variants["validation-as-500"]["status"] == [500]
    error_tabs = [e["body"] for e in seed_examples if e["status"] is None]
    assert error_tabs and all(body["status"] == 500 and body["fields"] for body in error_tabs)
    assert all(list(contract.validate(500, body)) == [] for body in error_tabs)


@pytest.mark.parametrize(
    ("target", "patch", "expected"),
    [
        ({"a": 1, "b": {"c": 2}}, {"b": {"c": None, "d": [3]}}, {"a": 1, "b": {"d": [3]}}),
        ({"required": ["x", "y"]}, {"required": ["y"]}, {"required": ["y"]}),
        ({"a": {"b": 1}}, {"a": "s"}, {"a": "s"}),
        ({"a": 1}, {}, {"a": 1}),
    ],
)
def test_merge_patch_follows_rfc_7396(
    target: dict[str, Any],
    patch: dict[str, Any],
    expected: dict[str, Any],
    merge_patcher: Callable[[Any, Any], Any],
) -> None:
    before = copy.deepcopy(target)
    assert merge_patcher(target, patch) == expected
    assert target == before, "the patch must not modify its input"
