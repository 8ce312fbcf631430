"""What a reference server is started with: its token, its leases, its mode and deviations."""

from __future__ import annotations

from dataclasses import dataclass, field

from reference.target.catalogue import resolve

__all__ = ["DEFAULT_SENDERS", "ReferenceConfig"]

# Two leased TNs with an SMS campaign (S1 shows tn 12017771234, S3 shows tn 12013046585).
DEFAULT_SENDERS = ("12017771234", "12013046585")


@dataclass(frozen=True)
class ReferenceConfig:
    """``deviations`` are names from ``CATALOGUE``; ``lenient_numbers`` reads FROM/TO like ``int()``."""

    token: str = field(repr=False)
    senders: tuple[str, ...] = DEFAULT_SENDERS
    deviations: frozenset[str] = frozenset()
    lenient_numbers: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.token:
            raise ValueError("ReferenceConfig.token must be a non-empty string")
        object.__setattr__(self, "deviations", resolve(self.deviations))

    def on(self, name: str) -> bool:
        """True when the named deviation is switched on (the name must be in the catalogue)."""
        resolve((name,))
        return name in self.deviations
