"""The checks: one pure function each, registered by id, run on one exchange or on the whole run.

Holds: ``base`` (the two registries and the context every check receives), one module per concern
of the per-exchange checks — ``schema``, ``status``, ``content``, ``headers``, ``envelope``, ``semantics``,
``validation_echo``, ``exposure`` (the token and server internals in a response), ``hardening``
(CORS and caching headers), ``request_body`` (a request body that is not JSON, D69), with
``response_text`` (a response's text and what the request sent) —
and the run-level checks, which look across every exchange of a run:
``run_level`` (uuids, threads, leases, the automated flag), ``run_outcomes`` (equal requests,
equal answers), ``run_clock`` (timestamps against the response's Date header); and the life-cycle
checks, ``lifecycle``, on what the lookups of the sent messages showed later (D67, D68).

May import: ``conformance.contract`` and ``conformance.model``. Never the engine, the commands,
pytest or schemathesis: a check is unit-testable with hand-built exchanges.
"""

from conformance.checks import (
    content,
    envelope,
    exposure,
    hardening,
    headers,
    lifecycle,
    request_body,
    run_clock,
    run_level,
    run_outcomes,
    schema,
    semantics,
    status,
    validation_echo,
)
from conformance.checks.base import (
    CHECKS,
    LIFECYCLE_CHECKS,
    REPEAT_CHECKS,
    RUN_CHECKS,
    CheckContext,
    CheckFunction,
    LifecycleCheckFunction,
    RunCheckFunction,
    all_check_names,
    describe,
    register,
    register_lifecycle_check,
    register_run_check,
    run_checks,
    run_lifecycle_checks,
    run_run_checks,
)

__all__ = [
    "CHECKS",
    "LIFECYCLE_CHECKS",
    "REPEAT_CHECKS",
    "RUN_CHECKS",
    "CheckContext",
    "CheckFunction",
    "LifecycleCheckFunction",
    "RunCheckFunction",
    "all_check_names",
    "content",
    "describe",
    "envelope",
    "exposure",
    "hardening",
    "headers",
    "lifecycle",
    "register",
    "register_lifecycle_check",
    "register_run_check",
    "request_body",
    "run_checks",
    "run_clock",
    "run_level",
    "run_lifecycle_checks",
    "run_outcomes",
    "run_run_checks",
    "schema",
    "semantics",
    "status",
    "validation_echo",
]
