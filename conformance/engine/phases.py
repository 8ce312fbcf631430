"""The names of the phases of a run, in a module that imports nothing, so `--help` can list them.

``PHASES`` are the generated phases in their order; ``PROBE_PHASE`` re-sends refused documented
requests in their other documented forms (``variant_probe``); ``REPEAT_PHASE`` sends a few requests
twice for the run-level checks (``resend``); ``RACE_PHASE`` sends a few distinct valid requests in flight
at once, each answer checked against its own request (D59); ``LIFECYCLE_PHASE`` looks the accepted
sends up afterwards and follows each message's life (``run/lifecycle``, D67, D68).
"""

from __future__ import annotations

__all__ = ["COVERAGE_PHASE", "LIFECYCLE_PHASE", "PHASES", "PROBE_PHASE", "RACE_PHASE", "REPEAT_PHASE"]

COVERAGE_PHASE = "coverage"
PHASES = ("examples", COVERAGE_PHASE, "auth", "not_found", "negative", "positive", "boundaries", "generated")
PROBE_PHASE = "variants"
REPEAT_PHASE = "repeats"
LIFECYCLE_PHASE = "lifecycle"
RACE_PHASE = "race"
