"""The documented response bodies of ``POST /rest/sms``, built clean (faults come later)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from conformance.mock.validation import FieldProblem

__all__ = [
    "LEASE_TIME",
    "NOT_FOUND_MESSAGE",
    "VALIDATION_META",
    "Outcome",
    "auth_error_body",
    "format_timestamp",
    "not_found_body",
    "server_error_body",
    "success_body",
    "success_payload",
    "throttled_body",
    "validation_error_body",
]

# When the mock's senders were leased: the S1 example's tn.created_on, earlier than any send.
LEASE_TIME = datetime(2023, 1, 4, 7, 52, 58, 127000, tzinfo=UTC)
NOT_FOUND_MESSAGE = "TNLease and SMSCampaign not found"  # S1 404 tab, verbatim
VALIDATION_META = "POST /rest/sms"


class Outcome(enum.Enum):
    """What the mock decided about one send request."""

    SENT = "sent"
    UNAUTHORIZED = "unauthorized"
    INVALID = "invalid"
    NOT_LEASED = "not_leased"


def format_timestamp(moment: datetime, *, millis: bool = True) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC (naive datetimes are taken as UTC)."""
    utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    stamp = utc.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{utc.microsecond // 1000:03d}Z" if millis else f"{stamp}Z"


def success_payload(
    *,
    uuid: str,
    payload_type: str,
    sender: str,
    recipient: int,
    message: str,
    thread: str,
    now: datetime,
) -> dict[str, Any]:
    """Exactly the members of the spec's SmsPayload, in the S1 example's order."""
    created = format_timestamp(now)
    leased = format_timestamp(LEASE_TIME)
    return {
        "uuid": uuid,
        "type": payload_type,
        "state": "created",
        "from": sender,
        "to": recipient,
        "message": message,
        "thread": thread,
        "delivered": False,
        "automated": False,
        "tn": {"tn": int(sender), "created_on": leased, "modified_on": leased, "deleted_on": None},
        "created_on": created,
        "modified_on": created,
    }


def success_body(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {"success": True, "payload": dict(payload)}


def validation_error_body(fields: Mapping[str, FieldProblem], *, status: int = 400) -> dict[str, Any]:
    return {
        "success": False,
        "message": "Validation failed",
        "status": status,
        "meta": VALIDATION_META,
        "fields": {key: problem.to_dict() for key, problem in fields.items()},
    }


def not_found_body() -> dict[str, Any]:
    return {"success": False, "status": 404, "message": NOT_FOUND_MESSAGE}


def auth_error_body(message: str) -> dict[str, Any]:
    """The inferred 401 (spec D12): the documented envelope, ``message`` says why."""
    return {"success": False, "status": 401, "message": message}


def server_error_body() -> dict[str, Any]:
    """A server error in the documented envelope (a mock bug, or the intermittent_500 fault)."""
    return {"success": False, "status": 500, "message": "Internal Server Error"}


def throttled_body() -> dict[str, Any]:
    """Throttling in the envelope, with no hint of when to retry (the throttle_without_retry_after fault)."""
    return {"success": False, "status": 429, "message": "Too Many Requests"}
