"""The contract: what the documentation promises, as the suite reads it.

Holds: ``specfile`` (locating, loading and hashing the OpenAPI file), ``schemas`` (the compiled
jsonschema validators per status), ``variants`` (the other documented forms in ``spec/variants/``),
``classify`` (which documented class a request's values fall in, and how strongly the docs back it),
``sources`` (the pages cited as S1..S22, from ``spec/sources.yaml``).

May import: ``conformance.model`` only. Imported by checks, the engine and the commands.
"""

from __future__ import annotations

# Until 0.2: ``from conformance.contract import Contract`` (the module this package replaced) keeps working.
from conformance.contract.operation import OPERATION_PATH
from conformance.contract.schemas import Contract, SchemaProblem, load_contract

__all__ = ["OPERATION_PATH", "Contract", "SchemaProblem", "load_contract"]
