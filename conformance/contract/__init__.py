"""The contract: what the documentation promises, as the suite reads it.

Holds: ``specfile`` (locating, loading and hashing the OpenAPI file), ``schemas`` (the compiled
jsonschema validators per status), ``variants`` (the other documented forms in ``spec/variants/``),
``classify`` (which documented class a request's values fall in, and how strongly the docs back it),
``sources`` (the pages cited as S1..S22, from ``spec/sources.yaml``).

May import: ``conformance.model`` only. Imported by checks, the engine and the commands.
"""

from __future__ import annotations

from typing import Any

# Until 0.2: ``from conformance.contract import Contract`` (the module this package replaced) keeps
# working; the names load lazily so that importing the package stays cheap.
_FROM_SCHEMAS = ("Contract", "OPERATION_PATH", "SchemaProblem", "load_contract")


def __getattr__(name: str) -> Any:
    if name in _FROM_SCHEMAS:
        from conformance.contract import schemas

        return getattr(schemas, name)
    raise AttributeError(f"module 'conformance.contract' has no attribute {name!r}")
