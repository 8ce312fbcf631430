"""Numbering cases and filling in the profile's senders and allow-listed destinations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.contract.classify import classify_params, strongest
from conformance.engine.profiles import Profile
from conformance.model.cases import Case, Expectation

__all__ = ["CaseBuilder"]


class CaseBuilder:
    """Numbers cases and fills in the profile's sender and allow-listed destinations."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self._count = 0

    def sender(self, index: int = 0) -> str:
        return self.profile.senders[index % len(self.profile.senders)]

    def destination(self, index: int, fallback: str) -> str:
        allowed = self.profile.destinations
        return allowed[index % len(allowed)] if allowed else fallback

    def case(
        self, phase: str, kind: str, expectation: Expectation, params: Mapping[str, str], **extra: Any
    ) -> Case:
        self._count += 1
        return Case(
            id=f"{phase}-{self._count:04d}",
            phase=phase,
            kind=kind,
            expectation=expectation,
            params=dict(params),
            **extra,
        )

    def rejected(self, phase: str, kind: str, params: Mapping[str, str], **extra: Any) -> Case:
        """A validation case; its severity and invalid parameters come from the classifier."""
        problems = classify_params(params)
        return self.case(
            phase,
            kind,
            Expectation.VALIDATION,
            params,
            severity=strongest(problems),
            invalid_params=tuple(p.param for p in problems),
            decision="D4" if any(p.param != "Message" for p in problems) else "D5",
            **extra,
        )
