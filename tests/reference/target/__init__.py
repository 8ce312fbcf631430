"""A strict Opentact ``POST /rest/sms`` server written from the documentation alone.

Sources: the research notes (``shared/docs/opentact-sms-api-notes.md``, pages S1-S22), the seed
page of "Send SMS with Number" (S1) and the decided points of ``spec/DECISIONS.md`` (D1-D16).
It imports nothing from ``conformance``: its parsing, validation rules, identifiers and payloads
are its own, so the suite's verdicts against it measure generality, not agreement with the mock.

Modes: faithful (documented behaviour), ``lenient_numbers`` (numbers read like Python ``int()``),
and any set of named deviations from ``CATALOGUE``.
"""

from __future__ import annotations

from reference.target.catalogue import CATALOGUE, Deviation, UnknownDeviationError, resolve
from reference.target.config import DEFAULT_SENDERS, ReferenceConfig
from reference.target.transport import ReferenceServer

__all__ = [
    "CATALOGUE",
    "DEFAULT_SENDERS",
    "Deviation",
    "ReferenceConfig",
    "ReferenceServer",
    "UnknownDeviationError",
    "resolve",
]
