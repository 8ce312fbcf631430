"""The race probe (D59): a few distinct valid sends, sent in flight at once on every run.

A target that keeps one request's state where another request reads it (a shared buffer, a
module-level variable, a cache keyed too coarsely) answers one request with another's values only
when they overlap. A run at concurrency 1, the live default, never overlaps two requests; these
cases are sent together after the main phase (``Sender.burst``), and each answer is checked against
its own request by the echo checks (``semantic_echo``) and across the run (``uuid_unique``).
"""

from __future__ import annotations

import random

from conformance.engine.phases import RACE_PHASE
from conformance.engine.profiles import Profile
from conformance.model.cases import Case, Expectation

__all__ = ["RACE_PHASE", "is_race_case", "race_cases"]

_SEED_OFFSET = 11  # the burst's draws are its own: other phases' cases do not move them

_FALLBACK_DESTINATIONS = ("14155550100", "12125550123")
_WORDS = ("amber", "birch", "cobalt", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper")


def is_race_case(case_id: str) -> bool:
    """Whether ``case_id`` names a case of the race burst (``race-0001``)."""
    return case_id.startswith(f"{RACE_PHASE}-")


def race_cases(profile: Profile, seed: int, count: int) -> list[Case]:
    """``count`` valid sends of the run with ``seed``, each with its own text (and destination when
    there are several); the same seed and profile give the same cases (``replay`` relies on it)."""
    rng = random.Random(seed + _SEED_OFFSET)
    destinations = profile.destinations or _FALLBACK_DESTINATIONS
    cases = []
    for index in range(count):
        words = " ".join(rng.choice(_WORDS) for _ in range(3))
        cases.append(
            Case(
                id=f"{RACE_PHASE}-{index + 1:04d}",
                phase=RACE_PHASE,
                kind=f"race probe {index + 1} of {count} (sent in flight together)",
                expectation=Expectation.SUCCESS,
                params={
                    "FROM": profile.senders[index % len(profile.senders)],
                    "TO": destinations[index % len(destinations)],
                    "Message": f"race probe {index + 1}: {words}",
                },
                evidence="S1 parameters; each answer describes its own request (D15, D59)",
                decision="D59",
                in_burst=True,
            )
        )
    return cases
