"""How much of a run was sent: the words of ``stats.coverage`` (D55), for the console and reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["coverage_note", "coverage_reason"]

NEGATIVE_ONLY = "negative-only: no valid request planned (D18)"


def coverage_note(coverage: Mapping[str, Any]) -> str:
    """ "48 of 176 cases sent; 128 held back by max_sends=20" ("" when every planned case was sent and
    the run was not negative-only, whose plan leaves out every valid request)."""
    if not coverage or not (coverage.get("not_sent") or coverage.get("negative_only")):
        return ""
    why = [f"{n} held back by {reason}" for reason, n in coverage.get("not_sent_why", {}).items()]
    if coverage.get("not_sent") and not why:
        why.append(f"{coverage['not_sent']} not sent")
    if coverage.get("negative_only"):
        why.append(NEGATIVE_ONLY)
    return f"{coverage['sent']} of {coverage['planned']} cases sent; " + ", ".join(why)


def coverage_reason(coverage: Mapping[str, Any]) -> str:
    """The partial reason of a run below its --min-coverage."""
    return f"coverage: {coverage_note(coverage)} (below --min-coverage {coverage['min_coverage']:g} %)"
