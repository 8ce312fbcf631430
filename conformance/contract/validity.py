"""A response schema as a plain yes/no test: the fast road for the bodies that are valid.

Most answers a run checks are valid, and jsonschema spends most of its time proving that (a new
validator per subschema, a generator per keyword, a registry lookup per ``$ref``). Here a schema is
compiled once into nested closures that answer only "valid or not", with the semantics jsonschema
4.x gives Draft 2020-12 (its own type and format checkers, its notion of equality). jsonschema stays
the only judge of what is wrong: a body this test does not pass is validated by jsonschema as before.

A schema that uses anything not modelled here (``$id``, ``unevaluatedProperties``, ``if``, an
unknown keyword, a ``$ref`` that leaves the document...) has no fast form at all: the whole schema
goes to jsonschema, nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from conformance.contract.keywords import (
    KEYWORDS,
    Check,
    Unsupported,
    accept,
    every,
    guarded,
    json_equal,
    reject,
)

__all__ = ["Check", "SchemaCompiler", "Unsupported", "Validity", "json_equal"]

# Keywords jsonschema does not validate with (annotations, OpenAPI's additions): skipped here too.
# Any other keyword outside ``KEYWORDS`` (``$id``, ``if``, ``nullable``...) makes a schema unsupported.
_IGNORED = frozenset(
    {
        "$comment",
        "$defs",
        "$schema",
        "default",
        "deprecated",
        "description",
        "discriminator",
        "example",
        "examples",
        "externalDocs",
        "readOnly",
        "title",
        "writeOnly",
        "xml",
    }
)


@dataclass(frozen=True)
class Validity:
    """One schema's fast test, or why it has none (then ``check`` is None)."""

    ref: str
    check: Check | None
    unsupported: str = ""  # e.g. "keyword 'if' at #/components/schemas/X"

    def proves_valid(self, instance: Any) -> bool:
        """True only when the fast test ran and passed; anything else leaves the body to jsonschema."""
        if self.check is None:
            return False
        try:
            return self.check(instance)
        except Exception:  # a format checker that raised, a body nested too deep: jsonschema decides
            return False


class SchemaCompiler:
    """Compiles the schemas of one document; each JSON pointer once, so recursive refs close a loop."""

    def __init__(self, document: Mapping[str, Any], *, root_uri: str) -> None:
        self._document = document
        self._root_uri = root_uri
        self._by_pointer: dict[str, Check] = {}

    def compile_ref(self, ref: str) -> Validity:
        """The fast test of the schema that ``ref`` (``#/...`` or ``<root uri>#/...``) points to."""
        before = dict(self._by_pointer)
        try:
            return Validity(ref, self.ref(ref, where="(root)"))
        except Unsupported as why:
            self._by_pointer = before  # nothing half-built (a loop into the failed schema) stays
            return Validity(ref, None, str(why))

    def ref(self, ref: str, *, where: str) -> Check:
        if ref.startswith("#"):
            fragment = ref[1:]
        elif ref.startswith(self._root_uri + "#"):
            fragment = ref[len(self._root_uri) + 1 :]
        else:
            raise Unsupported(f"$ref {ref!r} at {where} leaves the document")
        if fragment and not fragment.startswith("/"):
            raise Unsupported(f"$ref {ref!r} at {where} names an anchor, not a JSON pointer")
        return self._at(fragment)

    def _at(self, pointer: str) -> Check:
        found = self._by_pointer.get(pointer)
        if found is not None:
            return found
        slot: list[Check] = []

        def later(instance: Any) -> bool:  # a ref back into a schema still being compiled
            return slot[0](instance)

        self._by_pointer[pointer] = later
        compiled = self.schema(self._lookup(pointer), f"#{pointer}")
        slot.append(compiled)
        self._by_pointer[pointer] = compiled
        return compiled

    def _lookup(self, pointer: str) -> Any:
        """The node at a JSON pointer, read as ``referencing`` reads it (percent-decoded, ~1, ~0)."""
        node: Any = self._document
        if "$schema" in node:  # another dialect could read other keys as a new base URI
            raise Unsupported(f"the document names its own dialect ($schema {node['$schema']!r})")
        segments = unquote(pointer[1:]).split("/") if pointer else []
        for segment in segments:
            self._no_new_base(node, pointer)
            try:
                if isinstance(node, Sequence):
                    node = node[int(segment)]
                else:
                    node = node[segment.replace("~1", "/").replace("~0", "~")]
            except (LookupError, TypeError, ValueError):
                raise Unsupported(f"$ref #{pointer} points nowhere") from None
        self._no_new_base(node, pointer)
        return node

    @staticmethod
    def _no_new_base(node: Any, pointer: str) -> None:
        if isinstance(node, Mapping) and "$id" in node:
            raise Unsupported(f"$ref #{pointer} passes through a $id (a new base URI)")

    def schema(self, schema: Any, where: str) -> Check:
        if schema is True:
            return accept
        if schema is False:
            return reject
        if not isinstance(schema, dict):
            raise Unsupported(f"the schema at {where} is neither an object nor a boolean")
        checks: list[Check] = []
        by_type: dict[str, list[Check]] = {}  # keywords about one type: one type test for them all
        for keyword, value in schema.items():
            if not isinstance(keyword, str):
                raise Unsupported(f"a non-string key at {where}")
            if keyword in _IGNORED or keyword.startswith("x-"):
                continue
            known = KEYWORDS.get(keyword)
            if known is None:
                raise Unsupported(f"keyword {keyword!r} at {where}")
            check = known.build(self, value, schema, f"{where}/{_escape(keyword)}")
            if known.applies_to is None:
                checks.append(check)
            else:
                by_type.setdefault(known.applies_to, []).append(check)
        checks += [guarded(name, every(tests)) for name, tests in by_type.items()]
        return every(checks)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
