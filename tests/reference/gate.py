"""The suite's default gate pointed at a reference server, and how a run's verdict is read.

This is the harness side: it imports ``conformance`` (the suite under measurement) and
``reference.target`` (the server), never the other way round.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from conformance.engine.profiles import AuthConfig, Profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.model.deviations import Severity
from conformance.model.results import RunResults
from reference.target import ReferenceConfig, ReferenceServer

__all__ = [
    "CAUGHT",
    "MISSED",
    "TOKEN_ENV",
    "WRONG_SEVERITY",
    "Verdict",
    "gate_run",
    "verdict",
]

TOKEN_ENV = "OPENTACT_REFERENCE_TOKEN"
TOKEN = "reference-jwt-7c2e91b4d05a4f38"

CAUGHT = "caught"
WRONG_SEVERITY = "wrong severity"
MISSED = "missed"


@contextmanager
def _token_in_env() -> Iterator[None]:
    previous = os.environ.get(TOKEN_ENV)
    os.environ[TOKEN_ENV] = TOKEN
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(TOKEN_ENV, None)
        else:
            os.environ[TOKEN_ENV] = previous


def gate_run(
    seed: int, *, deviations: frozenset[str] = frozenset(), lenient_numbers: bool = False
) -> RunResults:
    """One default gate run (all phases and checks, default case count) against a fresh reference server."""
    config = ReferenceConfig(token=TOKEN, deviations=deviations, lenient_numbers=lenient_numbers, seed=seed)
    with ReferenceServer(config) as server, _token_in_env():
        profile = Profile(
            name="reference",
            base_url=server.url,
            auth=AuthConfig(method="header", token_env=TOKEN_ENV),
            senders=config.senders,
            max_sends=100_000,  # loopback: nothing is paid for
            timeout_s=10.0,
            source="tests/reference",
        )
        results = execute(RunOptions(profile=profile, seed=seed))
        if server.errors:
            raise server.errors[0]
    return results


@dataclass(frozen=True)
class Verdict:
    """How the gate reported one deviation on one seed."""

    outcome: str  # CAUGHT | WRONG_SEVERITY | MISSED
    reported: Severity | None  # the highest severity reported, None when nothing was
    expected: Severity
    summary: tuple[str, ...]  # one line per distinct (severity, check, title, path)

    def cell(self) -> str:
        if self.outcome == CAUGHT:
            return f"caught ({self.expected.value})"
        if self.outcome == WRONG_SEVERITY:
            assert self.reported is not None
            return f"WRONG: {self.reported.value} (want {self.expected.value})"
        return "MISSED"


def verdict(results: RunResults, expected: Severity) -> Verdict:
    """Caught when the highest severity the run reports is the one DECISIONS gives the deviation.

    The faithful server gets no deviation at all on the same seeds, so every deviation a run with one
    deviation switched on reports is that deviation's doing."""
    lines = sorted({f"{d.severity.value} {d.check}: {d.title} [{d.path}]" for d in results.deviations})
    if not results.deviations:
        return Verdict(MISSED, None, expected, ())
    reported = max((d.severity for d in results.deviations), key=lambda s: s.rank)
    outcome = CAUGHT if reported is expected else WRONG_SEVERITY
    return Verdict(outcome, reported, expected, tuple(lines))
