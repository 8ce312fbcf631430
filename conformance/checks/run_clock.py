"""Run-level check of the payload timestamps against each response's own ``Date`` header (D32).

Both clocks belong to the target, so the client's clock skew plays no part. The tolerance
(``CLOCK_TOLERANCE_S`` plus the exchange's own round trip) absorbs unsynchronised hosts behind one
front end, ``Date``'s one-second resolution and processing time. Every non-zero UTC offset in use
is at least an hour and a whole number of quarter hours, so a local time labelled ``Z`` stands out:
when an answer's offset has that shape and matches the run's median offset, the error is systematic.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from conformance.checks.base import CheckContext, register_run_check
from conformance.checks.run_level import parse_time, success_payload
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange

__all__ = ["CLOCK_TOLERANCE_S", "check_clock_matches_date", "date_header", "looks_like_utc_offset"]

CLOCK_TOLERANCE_S = 90.0
QUARTER_HOUR_S = 900.0
MIN_ZONE_OFFSET_S = 3600.0  # the smallest non-zero UTC offset in use today is one hour
MAX_ZONE_OFFSET_S = 14 * 3600.0  # UTC+14 (Kiribati); UTC-12 is the other end


def date_header(exchange: Exchange) -> datetime | None:
    """The response's ``Date`` (RFC 9110 IMF-fixdate) as an aware datetime, else None."""
    response = exchange.response
    value = None if response is None else response.headers.get("date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else None


def looks_like_utc_offset(offset_s: float, tolerance_s: float) -> bool:
    """An offset of one to fourteen hours, within tolerance of a whole number of quarter hours."""
    size = abs(offset_s)
    if not MIN_ZONE_OFFSET_S - tolerance_s <= size <= MAX_ZONE_OFFSET_S + tolerance_s:
        return False
    return abs(size - round(size / QUARTER_HOUR_S) * QUARTER_HOUR_S) <= tolerance_s


def _stamp(payload: Mapping[str, Any]) -> tuple[str, datetime] | None:
    for member in ("created_on", "modified_on"):
        when = parse_time(payload.get(member))
        if when is not None:
            return member, when
    return None


def _hours(offset_s: float) -> str:
    sign = "+" if offset_s >= 0 else "-"
    minutes = round(abs(offset_s) / 60)
    return f"{sign}{minutes // 60}h{minutes % 60:02d}m"


@register_run_check("clock_matches_date")
def check_clock_matches_date(ctx: CheckContext, exchanges: Sequence[Exchange]) -> Iterator[Deviation]:
    """created_on agrees with the response's own Date header, within a tolerance for clock skew (D32)."""
    measured: list[tuple[Exchange, str, float, float]] = []
    for exchange in exchanges:
        payload = success_payload(exchange)
        date = date_header(exchange)
        stamp = None if payload is None else _stamp(payload)
        if stamp is None or date is None or exchange.response is None:
            continue
        member, when = stamp
        tolerance = CLOCK_TOLERANCE_S + exchange.response.elapsed_ms / 1000
        measured.append((exchange, member, (when - date).total_seconds(), tolerance))
    if not measured:
        return
    median = statistics.median(offset for _, _, offset, _ in measured)
    for exchange, member, offset, tolerance in measured:
        if abs(offset) <= tolerance or exchange.case.repeat_of is not None:
            continue
        zone = looks_like_utc_offset(offset, tolerance) and abs(offset - median) <= tolerance
        headers = exchange.response.headers if exchange.response is not None else {}
        yield ctx.deviation(
            "clock_matches_date",
            exchange,
            severity=Severity.ERROR if zone else Severity.WARNING,
            title="Timestamps are local time labelled Z"
            if zone
            else "Timestamps disagree with the response's Date header",
            detail=f"{member} is {_hours(offset)} from this response's Date header "
            f"({headers.get('date')}); the run's median offset is {_hours(median)} over "
            f"{len(measured)} answers (tolerance {tolerance:.0f} s)."
            + (" A whole-zone offset in every answer: a local clock labelled Z." if zone else ""),
            path=f"$.payload.{member}",
            expected=f"within {tolerance:.0f} s of Date: {headers.get('date')}",
            actual=f"{_hours(offset)}",
            evidence=Evidence(source="S1 timestamps in UTC with Z; RFC 9110 §6.6.1 Date", decision="D32"),
        )
