"""The fault ``shared_state_race``: every valid send writes one shared slot and reads it back later.

A send that waits alone reads its own values back. When another send arrives meanwhile (two requests
in flight at once), the first one answers with the other's values: the shape of a handler that keeps
request state in a module-level variable. At one request at a time it never shows.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

__all__ = ["RACE_WAIT_SECONDS", "SharedSlot"]

T = TypeVar("T")

RACE_WAIT_SECONDS = 0.1  # how long a send waits for company before it reads the slot back
_STEP_SECONDS = 0.005


class SharedSlot(Generic[T]):
    """One value shared by every request handler of an app (one event loop)."""

    def __init__(self) -> None:
        self._value: T | None = None
        self._writes = 0

    async def swap(self, mine: T) -> T:
        """Write ``mine``, wait until another request writes or the wait ends, and read the slot back."""
        self._value = mine
        self._writes += 1
        seen = self._writes
        for _ in range(int(RACE_WAIT_SECONDS / _STEP_SECONDS)):
            if self._writes != seen:
                break
            await asyncio.sleep(_STEP_SECONDS)
        return mine if self._value is None else self._value
