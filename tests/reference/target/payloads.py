"""Response bodies: the S1 success payload and the error envelopes, with this server's own ids and clock.

- Success (S1 "200: OK SMS SEND"): ``{"success": true, "payload": {uuid, type "smso", state "created",
  from (string), to (integer), message, thread, delivered false, automated false, tn {tn, created_on,
  modified_on, deleted_on null}, created_on, modified_on}}`` (D6-D10, D15).
- Errors (S1 error and 404 tabs, D11): ``{"success": false, "message", "status" = HTTP status, "meta",
  "fields" {"params.<name>": {"message", "value"}}}``; 401 uses the same envelope (D12, inferred).
- Timestamps: ISO-8601 UTC with exactly three fractional digits and ``Z`` (D10).
"""

from __future__ import annotations

import hashlib
import html
import random
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from reference.target.config import ReferenceConfig
from reference.target.params import FieldProblem, SendRequest

__all__ = [
    "LOCAL_OFFSET",
    "Identifiers",
    "envelope",
    "lease_times",
    "not_found_envelope",
    "stamp",
    "success_payload",
    "validation_envelope",
]

LOCAL_OFFSET = timedelta(hours=-5)  # the wall clock of a server in US Eastern standard time
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
NOT_FOUND_MESSAGE = "TNLease and SMSCampaign not found"  # S1 404 tab, verbatim


def stamp(moment: datetime, config: ReferenceConfig) -> str:
    """``2023-01-04T07:52:58.127Z`` for a moment (D10), or the deviating spelling switched on."""
    utc = moment.astimezone(UTC)
    if config.on("local_time_labelled_z"):
        utc = utc + LOCAL_OFFSET
    if config.on("timestamp_offset_not_z"):
        return utc.isoformat(timespec="milliseconds")
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def lease_times(started: datetime) -> tuple[datetime, datetime]:
    """When each lease was created and last modified: well before any message of this run."""
    created = (started - timedelta(days=30)).replace(microsecond=250_000)
    return created, created + timedelta(hours=1)


class Identifiers:
    """Message uuids (v4, lowercase, hyphenated) and one conversation thread per (from, to) pair."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._threads: dict[tuple[str, int], str] = {}

    def message_uuid(self, request: SendRequest, config: ReferenceConfig) -> str:
        if config.on("uuid_from_pair"):
            digest = hashlib.md5(f"{request.sender}:{request.destination}".encode()).digest()
            return str(uuid.UUID(bytes=digest, version=4))
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def thread(self, request: SendRequest, config: ReferenceConfig) -> str:
        if config.on("thread_per_send"):
            return f"{self._random.getrandbits(128):032x}"
        pair = (request.sender, request.destination)
        if pair not in self._threads:
            self._threads[pair] = f"{self._random.getrandbits(128):032x}"
        return self._threads[pair]


def _echo(text: str, config: ReferenceConfig) -> str:
    """The text as this server stores and echoes it (D15: exactly what was sent, when faithful)."""
    if config.on("echo_html_escaped"):
        text = html.escape(text, quote=True)
    if config.on("echo_trims_whitespace"):
        text = text.strip()
    if config.on("echo_drops_cr"):
        text = text.replace("\r\n", "\n")
    if config.on("echo_nfc_normalised"):
        text = unicodedata.normalize("NFC", text)
    if config.on("echo_strips_zero_width"):
        text = "".join(c for c in text if c not in ZERO_WIDTH)
    return text


def success_payload(
    request: SendRequest,
    *,
    message_uuid: str,
    thread: str,
    now: datetime,
    lease: tuple[datetime, datetime],
    config: ReferenceConfig,
) -> dict[str, Any]:
    """The S1 success body for a message created ``now`` from a lease created at ``lease[0]``."""
    deleted_on = stamp(lease[0] + timedelta(days=2), config) if config.on("deleted_on_set") else None
    created = stamp(now, config)
    return {
        "success": True,
        "payload": {
            "uuid": message_uuid,
            "type": "smso",
            "state": "created",
            "from": int(request.sender) if config.on("from_as_integer") else request.sender,
            "to": request.destination,
            "message": _echo(request.text, config),
            "thread": thread,
            "delivered": False,
            "automated": config.on("automated_true"),
            "tn": {
                "tn": int(request.sender),
                "created_on": stamp(lease[0], config),
                "modified_on": stamp(lease[1], config),
                "deleted_on": deleted_on,
            },
            "created_on": created,
            "modified_on": created,
        },
    }


def envelope(status: int, message: str, config: ReferenceConfig) -> dict[str, Any]:
    """The documented error envelope; ``status`` mirrors the HTTP status (D11)."""
    return {
        "success": False,
        "message": message,
        "status": status,
        "meta": {} if config.on("meta_as_object") else None,
    }


def validation_envelope(
    status: int, problems: Sequence[FieldProblem], config: ReferenceConfig
) -> dict[str, Any]:
    """The validation envelope naming every rejected parameter under ``params.<name>``."""
    body = envelope(status, "Validation failed", config)
    body["fields"] = {
        (p.key if config.on("fields_unprefixed_keys") else f"params.{p.key}"): {
            "message": p.message,
            "value": None if config.on("field_value_null") else p.value,
        }
        for p in problems
    }
    return body


def not_found_envelope(config: ReferenceConfig) -> dict[str, Any]:
    """The S1 404 tab: an unleased sender, or one without an SMS campaign (D11)."""
    return envelope(404, NOT_FOUND_MESSAGE, config)
