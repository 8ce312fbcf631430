"""Checks: one pure function each, registered by id, run on one exchange at a time."""

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
