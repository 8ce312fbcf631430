"""HTTP facts the layers share: the statuses whose meaning the suite relies on."""

from __future__ import annotations

__all__ = ["RATE_LIMITED"]

RATE_LIMITED = 429  # the request was not processed: wait (Retry-After) and send it again (D16)
