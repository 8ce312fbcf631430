"""How much the bench measures: rounds and sizes, full or ``--quick``."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_BASELINE_REV", "FULL", "QUICK", "Settings"]

DEFAULT_BASELINE_REV = "1e51d83"  # main before the "simplicity over milliseconds" round


@dataclass(frozen=True)
class Settings:
    rounds: int = 5  # interleaved rounds of every pair
    max_examples: int = 400  # the gate's --max-examples for the throughput figures
    wrk_seconds: int = 5  # duration of each wrk run
    report_deviations: int = 100_000
    latency_ms: float = 100.0
    proxy_requests: int = 400  # sends per client process of the proxy-overhead figure
    baseline_rev: str = DEFAULT_BASELINE_REV
    timeout_s: float = 1200.0  # of any one child process (schemathesis took 220-270 s at load 10)

    def __post_init__(self) -> None:
        if self.rounds < 1 or self.max_examples < 1 or self.wrk_seconds < 1 or self.report_deviations < 1:
            raise ValueError("--rounds, sizes and durations must be at least 1")


FULL = Settings()
QUICK = Settings(rounds=1, max_examples=10, wrk_seconds=1, report_deviations=1_000, proxy_requests=50)
