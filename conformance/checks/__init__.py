"""The checks: one pure function each, registered by id, run on one exchange at a time.

Holds: ``base`` (the registry and the context every check receives) and one module per concern —
``schema``, ``status``, ``content``, ``envelope``, ``semantics``.

May import: ``conformance.contract`` and ``conformance.model``. Never the engine, the commands,
pytest or schemathesis: a check is unit-testable with a hand-built exchange.
"""

from conformance.checks import content, envelope, schema, semantics, status
from conformance.checks.base import CHECKS, CheckContext, CheckFunction, describe, register, run_checks

__all__ = [
    "CHECKS",
    "CheckContext",
    "CheckFunction",
    "content",
    "describe",
    "envelope",
    "register",
    "run_checks",
    "schema",
    "semantics",
    "status",
]
