"""Facts of HTTP itself that several parts of the suite need."""

from __future__ import annotations

__all__ = ["DEFAULT_PORTS"]

DEFAULT_PORTS = {"http": 80, "https": 443}  # the port a URL of each scheme means when it names none
