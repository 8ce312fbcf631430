"""What one mock instance is: its token, leased senders, active faults, seed and clock."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from conformance.mock.faults import resolve_faults
from conformance.mock.life import LifeTimes
from conformance.mock.store import MAX_STORED_MESSAGES

__all__ = [
    "DEFAULT_SECOND_TOKEN",
    "DEFAULT_SENDERS",
    "DEFAULT_TOKEN",
    "LOOPBACK",
    "MAX_BODY_BYTES",
    "MAX_ERRORS_KEPT",
    "SUCCESS_STATUSES",
    "MockConfig",
    "MockConfigError",
]

LOOPBACK = "127.0.0.1"  # the only interface the mock binds unless told otherwise
DEFAULT_TOKEN = "mock-token-0123456789abcdef"
# the token of the mock's second account: its messages are not readable with the first one's (D68)
DEFAULT_SECOND_TOKEN = "mock-second-account-fedcba9876543210"
# Both senders appear in documented examples: S1 tn.tn 12017771234, S3 tn 12013046585.
DEFAULT_SENDERS: tuple[str, ...] = ("12017771234", "12013046585")
# Documented success statuses and the payload type each one shows (S1 200 / 201 tabs, D6).
SUCCESS_STATUSES: dict[int, str] = {200: "smso", 201: "smsr"}

# A send request is a query string or a JSON body of a few hundred bytes (918 characters at most,
# 4 bytes each in UTF-8): anything past 64 KiB is answered 413 without being read further.
MAX_BODY_BYTES = 65_536
MAX_ERRORS_KEPT = 100  # app.state.errors keeps the first this many exceptions, tracebacks dropped

_SENDER = re.compile(r"[0-9]{3,15}")


class MockConfigError(ValueError):
    """A ``MockConfig`` argument that cannot describe a mock; the message names the bad value."""


@dataclass(frozen=True)
class MockConfig:
    """Settings of one mock app. Validated on construction.

    ``faults`` holds catalogue names (``conformance.mock.faults.FAULTS``); ``clock`` returns
    the current time (timezone-aware, or naive UTC) and defaults to the wall clock. ``second_token``
    is a second account's token (its messages and the first account's are not readable with the
    other's token, D68); ``life`` says when a sent message moves on (``conformance.mock.life``), and
    ``life_clock`` (seconds, ``time.monotonic`` by default) measures its age.
    """

    token: str = DEFAULT_TOKEN
    senders: tuple[str, ...] = DEFAULT_SENDERS
    faults: frozenset[str] = field(default_factory=frozenset)
    seed: int = 0
    success_status: int = 200
    clock: Callable[[], datetime] | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    max_stored_messages: int = MAX_STORED_MESSAGES  # the message store's ring-buffer capacity
    second_token: str = DEFAULT_SECOND_TOKEN
    life: LifeTimes = field(default_factory=LifeTimes)
    life_clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        if not isinstance(self.token, str) or not self.token:
            raise MockConfigError(f"token must be a non-empty string, got {self.token!r}")
        if not isinstance(self.second_token, str) or not self.second_token or self.second_token == self.token:
            raise MockConfigError("second_token must be a non-empty string other than token")
        if isinstance(self.senders, str):
            raise MockConfigError(f"senders must be a tuple of numbers, got the string {self.senders!r}")
        for sender in self.senders:
            if not isinstance(sender, str) or not _SENDER.fullmatch(sender):
                raise MockConfigError(f"sender {sender!r} is not 3 to 15 ASCII digits, e.g. '12017771234'")
        object.__setattr__(self, "senders", tuple(self.senders))
        if isinstance(self.faults, str):
            raise MockConfigError(f"faults must be a set of fault names, got the string {self.faults!r}")
        object.__setattr__(self, "faults", resolve_faults(self.faults))
        if not isinstance(self.max_body_bytes, int) or self.max_body_bytes < 0:
            raise MockConfigError(f"max_body_bytes must be an integer >= 0, got {self.max_body_bytes!r}")
        if not isinstance(self.max_stored_messages, int) or self.max_stored_messages < 1:
            raise MockConfigError(
                f"max_stored_messages must be an integer >= 1, got {self.max_stored_messages!r}"
            )
        if self.success_status not in SUCCESS_STATUSES:
            raise MockConfigError(
                f"success_status must be one of {sorted(SUCCESS_STATUSES)}, got {self.success_status!r}"
            )

    @property
    def payload_type(self) -> str:
        """The documented payload ``type`` that goes with ``success_status``."""
        return SUCCESS_STATUSES[self.success_status]

    @property
    def leased_numbers(self) -> frozenset[int]:
        return frozenset(int(sender) for sender in self.senders)
