"""The spec as the checks use it: response schemas per status, as ready jsonschema validators."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.contract.operation import LOOKUP_METHOD, LOOKUP_PATH, OPERATION_METHOD, OPERATION_PATH
from conformance.contract.specfile import Spec, load_spec

__all__ = ["Contract", "SchemaProblem", "compilations", "load_contract"]

_ROOT_URI = "urn:opentact-conformance:spec"


@dataclass(frozen=True)
class SchemaProblem:
    """One jsonschema error, flattened for a Deviation."""

    path: str  # JSON path into the response body, e.g. $.payload.to (a missing member: its own path)
    message: str
    validator: str  # the failing keyword, e.g. "type"
    schema_pointer: str  # JSON pointer into the spec document
    validator_value: Any = None  # the keyword's value in the schema: the type, enum, required names…


def _json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# (document key, schema pointer) -> its validator, built once per process (D44); and how many were built
_COMPILED: dict[tuple[str, str], jsonschema.protocols.Validator] = {}
_COMPILATIONS = [0]


def compilations() -> int:
    """How many jsonschema validators this process has built (each (document, pointer) once)."""
    return _COMPILATIONS[0]


class Contract:
    """Response schemas of POST /rest/sms, resolved against the whole spec document.

    ``key`` names the document: the spec's sha256 for the spec itself, with a variant's id for a
    variant's overlaid copy. Validators are shared by every contract of the same key in the
    process, so however many contracts a run, a replay or the pytest route builds, each schema
    is compiled once.
    """

    def __init__(self, spec: Spec, document: Mapping[str, Any] | None = None, *, key: str = "") -> None:
        self.spec = spec
        self.document: Mapping[str, Any] = document if document is not None else spec.document
        if not key and document is not None and document is not spec.document:
            key = f"unshared-{id(self)}"  # an ad-hoc document: its own validators
        self.key = key or spec.sha256
        self._registry_value: Registry[Any] | None = None
        self.operation: Mapping[str, Any] = self.document["paths"][OPERATION_PATH][OPERATION_METHOD]

    @property
    def _registry(self) -> Registry[Any]:
        if self._registry_value is None:
            resource = Resource.from_contents(dict(self.document), default_specification=DRAFT202012)
            self._registry_value = Registry().with_resource(_ROOT_URI, resource)
        return self._registry_value

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

    @functools.cached_property
    def _validators(self) -> dict[int, jsonschema.protocols.Validator]:
        validators: dict[int, jsonschema.protocols.Validator] = {}
        for code in self.documented_statuses:
            content = (self.response(code) or {}).get("content", {})
            media = content.get("application/json")
            if not media or "schema" not in media:
                continue
            pointer = f"{self.spec_pointer(code)}/content/application~1json/schema"
            validators[code] = self._compiled(pointer)
        return validators

    def _compiled(self, pointer: str) -> jsonschema.protocols.Validator:
        found = _COMPILED.get((self.key, pointer))
        if found is None:
            found = jsonschema.Draft202012Validator(
                {"$ref": f"{_ROOT_URI}{pointer}"},
                registry=self._registry,
                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
            )
            _COMPILATIONS[0] += 1
            if not self.key.startswith("unshared-"):
                _COMPILED[(self.key, pointer)] = found
        return found

    def validate(self, status: int, body: Any) -> Iterator[SchemaProblem]:
        """Every problem of a JSON body against the schema documented for ``status``."""
        validator = self._validators.get(status)
        if validator is None:
            return
        for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
            yield from _flatten(error)

    @property
    def lookup_pointer(self) -> str:
        """Where the lookup's success answer (S4, D66) is documented in the spec."""
        escaped = LOOKUP_PATH.replace("~", "~0").replace("/", "~1")
        return f"#/paths/{escaped}/{LOOKUP_METHOD}/responses/200"

    def validate_lookup(self, body: Any) -> Iterator[SchemaProblem]:
        """Every problem of a lookup's 200 body against the documented S4 shape (D66)."""
        if LOOKUP_PATH not in self.document["paths"]:
            return
        validator = self._compiled(f"{self.lookup_pointer}/content/application~1json/schema")
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
        validator_value=error.validator_value,
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
