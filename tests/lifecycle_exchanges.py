"""Hand-built sends and lookups for the life-cycle checks and the report (pure data, no network)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from runlevel.builders import SENT_AT, payload, stamp

from conformance.model.cases import Case, Expectation
from conformance.model.exchange import Exchange, RecordedRequest, RecordedResponse
from conformance.model.lifecycle import FollowedMessage

UUID = "90c2e069-44c1-4f1a-9619-540432378122"
SENT = {**payload()["payload"], "uuid": UUID}  # the S1 answer, sent at SENT_AT


def exchange(method: str, path: str, status: int, body: Any, after_s: float = 0.0) -> Exchange:
    case = Case(id=f"case-{path}-{after_s}", phase="lifecycle", kind="k", expectation=Expectation.SUCCESS)
    return Exchange(
        case=case,
        request=RecordedRequest(method, "http://127.0.0.1:9", path),
        response=RecordedResponse(
            status, {"content-type": "application/json"}, json.dumps(body).encode(), 1.0
        ),
        sent_at=SENT_AT + timedelta(seconds=after_s),
    )


def send(uuid: str = UUID) -> Exchange:
    return exchange("POST", "/rest/sms", 200, {"success": True, "payload": {**SENT, "uuid": uuid}})


def read(after_s: float, status: int = 200, uuid: str = UUID, **changes: Any) -> Exchange:
    shown = {
        **SENT,
        "uuid": uuid,
        "reference_id": None,
        "modified_on": stamp(SENT_AT + timedelta(seconds=after_s)),
    }
    shown.update(changes)
    body = {"success": True, "payload": shown} if status == 200 else {"success": False, "status": status}
    return exchange("GET", f"/rest/sms/outbound/{uuid}", status, body, after_s)


def delivered_life(uuid: str = UUID) -> FollowedMessage:
    """A message read sending, then success, then delivered twice: a clean life."""
    later = {"reference_id": "yRUCycblUjwqpkMBwPbJf4", "modified_on": stamp(SENT_AT + timedelta(seconds=0.5))}
    reads = (
        read(0.5, uuid=uuid, state="sending", **later),
        read(1.0, uuid=uuid, state="success", **later),
        read(2.0, uuid=uuid, state="success", delivered=True, **later),
        read(3.0, uuid=uuid, state="success", delivered=True, **later),
    )
    return FollowedMessage(uuid, send(uuid), reads, "terminal")
