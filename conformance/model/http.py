"""Facts of HTTP itself that several parts of the suite need."""

from __future__ import annotations

__all__ = ["DEFAULT_PORTS", "RATE_LIMITED"]

DEFAULT_PORTS = {"http": 80, "https": 443}  # the port a URL of each scheme means when it names none
RATE_LIMITED = 429  # the request was not processed: wait (Retry-After) and send it again (D16)
