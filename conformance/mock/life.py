"""A sent message's life in the mock: what ``GET /rest/sms/outbound/{uuid}`` shows of it, and when.

A message is ``created`` when sent, ``sending`` after ``LifeTimes.sending_s`` (its ``reference_id``
set), ``success`` after ``success_s`` and ``delivered`` after ``delivered_s``; ``modified_on`` moves
with each change, ``created_on`` never does (D67). The times are seconds on the mock's life clock
(``time.monotonic`` unless a test gives another), fast by default so a run follows its messages in
milliseconds. The faults of the ``life cycle`` category change exactly what their descriptions say.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from conformance.mock.payloads import format_timestamp

__all__ = [
    "DROP_AFTER",
    "EDITED_SUFFIX",
    "LIFE_FAULTS",
    "MODIFIED_BACK",
    "LifeTimes",
    "lookup_payload",
    "reference_id",
]

DROP_AFTER = 10  # silent_drop: the 11th accepted message and every later one is never stored
MODIFIED_BACK = timedelta(minutes=1)  # modified_on_back: how far the lookup's modified_on lies back
EDITED_SUFFIX = " (edited)"  # stored_differs: what the stored text gains
LIFE_FAULTS = frozenset(
    {
        "silent_drop",
        "stored_differs",
        "state_goes_back",
        "delivered_early",
        "reference_id_missing",
        "modified_on_back",
        "lookup_without_auth",
        "foreign_message_readable",
    }
)
_REFERENCE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# S4's account object, for the first and the second account of the mock
_ACCOUNTS = {
    1: {"uuid": "cfb6fe69-d7b2-4e66-bc23-872a2baf3b00", "name": "Mock account", "level": "Level0"},
    2: {"uuid": "5d0c1a52-9a4e-4f0e-8f57-0d6f0e2b7c11", "name": "Second mock account", "level": "Level0"},
}


@dataclass(frozen=True)
class LifeTimes:
    """Seconds after the send at which a message starts sending, succeeds and is delivered."""

    sending_s: float = 0.01
    success_s: float = 0.02
    delivered_s: float = 0.03

    def __post_init__(self) -> None:
        times = (self.sending_s, self.success_s, self.delivered_s)
        if not all(isinstance(t, (int, float)) and math.isfinite(t) and t >= 0 for t in times):
            raise ValueError(f"life times must be finite seconds >= 0, got {times}")
        if not self.sending_s <= self.success_s <= self.delivered_s:
            raise ValueError(f"life times must not decrease (sending <= success <= delivered), got {times}")

    def state(self, age: float) -> tuple[str, bool, float]:
        """(state, delivered, seconds after the send of the last change) at ``age`` seconds."""
        if age >= self.delivered_s:
            return "success", True, self.delivered_s
        if age >= self.success_s:
            return "success", False, self.success_s
        if age >= self.sending_s:
            return "sending", False, self.sending_s
        return "created", False, 0.0


def reference_id(uuid: str) -> str:
    """The upstream reference of a message: 22 characters like S4's ``yRUCycblUjwqpkMBwPbJf4``."""
    number = int.from_bytes(hashlib.sha256(uuid.encode()).digest(), "big")
    out = ""
    for _ in range(22):
        number, digit = divmod(number, len(_REFERENCE_ALPHABET))
        out += _REFERENCE_ALPHABET[digit]
    return out


def _other_digit(number: Any) -> Any:
    """``number`` with its last digit changed (stored_differs): an int stays an int."""
    text = str(number)
    if not text or not text[-1].isdigit():
        return number
    changed = text[:-1] + str((int(text[-1]) + 1) % 10)
    return int(changed) if isinstance(number, int) else changed


def lookup_payload(
    answered: Mapping[str, Any],
    *,
    created: datetime,
    age: float,
    reads: int,
    account: int,
    times: LifeTimes,
    faults: frozenset[str],
) -> dict[str, Any]:
    """What the lookup shows of a message the send answered with ``answered`` (its payload), ``age``
    seconds after the send, on its ``reads``-th lookup (1-based)."""
    state, delivered, changed_after = times.state(age)
    if "state_goes_back" in faults and state == "success" and reads % 2 == 0:
        state, delivered = "sending", False
    if "delivered_early" in faults:
        state, delivered = ("created" if state == "created" else "sending"), True
    missing = state == "created" or "reference_id_missing" in faults
    reference = None if missing else reference_id(answered["uuid"])
    modified = created + timedelta(seconds=changed_after)
    if "modified_on_back" in faults:
        modified = created - MODIFIED_BACK
    payload = dict(answered)
    payload.update(
        state=state,
        delivered=delivered,
        reference_id=reference,
        modified_on=format_timestamp(modified),
        account=dict(_ACCOUNTS[account]),
    )
    if "stored_differs" in faults:
        payload["message"] = f"{payload.get('message', '')}{EDITED_SUFFIX}"
        payload["to"] = _other_digit(payload.get("to"))
    return payload
