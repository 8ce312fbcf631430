"""The spec as the checks use it: response schemas per status, as ready jsonschema validators."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.contract.specfile import Spec, load_spec

__all__ = ["Contract", "SchemaProblem", "load_contract"]

OPERATION_PATH = "/rest/sms"
OPERATION_METHOD = "post"
_ROOT_URI = "urn:opentact-conformance:spec"


@dataclass(frozen=True)
class SchemaProblem:
    """One jsonschema error, flattened for a Deviation."""

    path: str  # JSON path into the response body, e.g. $.payload.to (a missing member: its own path)
    message: str
    validator: str  # the failing keyword, e.g. "type"
    schema_pointer: str  # JSON pointer into the spec document


def _json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


class Contract:
    """Response schemas of POST /rest/sms, resolved against the whole spec document."""

    def __init__(self, spec: Spec, document: Mapping[str, Any] | None = None) -> None:
        self.spec = spec
        self.document: Mapping[str, Any] = document if document is not None else spec.document
        resource = Resource.from_contents(dict(self.document), default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_ROOT_URI, resource)
        self.operation: Mapping[str, Any] = self.document["paths"][OPERATION_PATH][OPERATION_METHOD]

    @property
    def documented_statuses(self) -> tuple[int, ...]:
        return tuple(sorted(int(code) for code in self.operation["responses"]))

    def response(self, status: int) -> Mapping[str, Any] | None:
        """The response object documented for a status, or None."""
        found = self.operation["responses"].get(str(status))
        return found if isinstance(found, Mapping) else None

    def inferred(self, status: int) -> bool:
        """The response documented for ``status`` is the suite's inference (``x-opentact-inferred``)."""
        return bool((self.response(status) or {}).get("x-opentact-inferred"))

    def spec_pointer(self, status: int) -> str:
        return f"#/paths/~1rest~1sms/post/responses/{status}"

    def media_types(self, status: int) -> tuple[str, ...]:
        response = self.response(status)
        return tuple((response or {}).get("content", {}))

    @functools.cached_property
    def _validators(self) -> dict[int, jsonschema.protocols.Validator]:
        validators: dict[int, jsonschema.protocols.Validator] = {}
        for code in self.documented_statuses:
            content = (self.response(code) or {}).get("content", {})
            media = content.get("application/json")
            if not media or "schema" not in media:
                continue
            pointer = f"{self.spec_pointer(code)}/content/application~1json/schema"
            schema = {"$ref": f"{_ROOT_URI}{pointer}"}
            validators[code] = jsonschema.Draft202012Validator(
                schema,
                registry=self._registry,
                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
            )
        return validators

    def validate(self, status: int, body: Any) -> Iterator[SchemaProblem]:
        """Every problem of a JSON body against the schema documented for ``status``."""
        validator = self._validators.get(status)
        if validator is None:
            return
        for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
            yield from _flatten(error)

    def examples(self) -> Iterator[tuple[int, str, Any]]:
        """(status, example name, value) for every embedded response example."""
        for code in self.documented_statuses:
            content = (self.response(code) or {}).get("content", {})
            for media in content.values():
                for name, example in (media.get("examples") or {}).items():
                    yield code, name, example["value"]


def _flatten(error: jsonschema.ValidationError) -> Iterator[SchemaProblem]:
    """Descend into oneOf/anyOf/allOf/$ref wrappers to the most specific errors."""
    if error.context and error.validator in ("oneOf", "anyOf"):
        # the branch whose errors go deepest is the intended one
        best = max(error.context, key=lambda e: len(e.absolute_path))
        if len(best.absolute_path) > len(error.absolute_path):
            yield from _flatten(best)
            return
    path = _json_path(error.absolute_path)
    missing = _missing_member(error)
    yield SchemaProblem(
        path=path if missing is None else f"{path}.{missing}",
        message=error.message,
        validator=str(error.validator),
        schema_pointer="/".join(str(p) for p in error.absolute_schema_path),
    )


def _missing_member(error: jsonschema.ValidationError) -> str | None:
    """For a ``required`` error, the missing member: each is its own problem, at its own path."""
    names = error.validator_value
    if error.validator != "required" or not isinstance(names, list):
        return None
    if not isinstance(error.instance, Mapping):
        return None
    for name in names:
        if name not in error.instance and error.message == f"{name!r} is a required property":
            return str(name)
    return None


@functools.lru_cache(maxsize=4)
def load_contract(spec: Spec | None = None) -> Contract:
    return Contract(spec or load_spec())
