"""Hand-built exchanges for the run-level checks: a documented send answer and its variations."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.checks import CheckContext
from conformance.contract.schemas import load_contract
from conformance.contract.variants import response_variants
from conformance.model.cases import Case, Expectation
from conformance.model.exchange import Exchange, RecordedRequest, RecordedResponse

SECRET = "tok-runlevel-secret"
CTX = CheckContext(contract=load_contract(), variants=response_variants(), secrets=(SECRET,))
SENT = {"FROM": "12017771234", "TO": "14155550100", "Message": "Hello world"}
SENT_AT = datetime(2026, 11, 24, 10, 0, 0, 500000, tzinfo=UTC)
_IDS = itertools.count(1)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def http_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def payload(uuid_n: int = 1, **changes: Any) -> dict[str, Any]:
    """The S1 success body; ``uuid_n`` makes a distinct, well-formed uuid."""
    body: dict[str, Any] = {
        "uuid": f"90c2e069-44c1-4f1a-9619-{uuid_n:012x}",
        "type": "smso",
        "state": "created",
        "from": "12017771234",
        "to": 14155550100,
        "message": "Hello world",
        "thread": "08360036ab8f77030d725064f42cb1b7",
        "delivered": False,
        "automated": False,
        "tn": {
            "tn": 12017771234,
            "created_on": "2023-01-04T07:52:58.127Z",
            "modified_on": "2023-01-04T07:52:58.127Z",
            "deleted_on": None,
        },
        "created_on": stamp(SENT_AT),
        "modified_on": stamp(SENT_AT),
    }
    for key, value in changes.items():
        if key.startswith("tn_"):
            body["tn"][key[3:]] = value
        else:
            body[key] = value
    return {"success": True, "payload": body}


def exchange(
    status: int = 200,
    body: Any = None,
    *,
    params: dict[str, str] | None = None,
    query: tuple[tuple[str, str], ...] | None = None,
    expectation: Expectation = Expectation.SUCCESS,
    date: datetime | None = SENT_AT,
    headers: dict[str, str] | None = None,
    repeat_of: str | None = None,
    phase: str = "positive",
    transport_error: str | None = None,
) -> Exchange:
    """One exchange; equal ``params``/``query`` make equal requests."""
    sent = params if params is not None else SENT
    items = query if query is not None else tuple(sent.items())
    number = next(_IDS)
    case = Case(
        id=f"case-{number}",
        phase=phase,
        kind="unit",
        expectation=expectation,
        params=dict(items),
        repeat_of=repeat_of,
    )
    request = RecordedRequest("POST", "http://127.0.0.1:1", "/rest/sms", items, (("X-Auth-Token", SECRET),))
    if transport_error is not None:
        return Exchange(case, request, None, error=transport_error, sent_at=SENT_AT)
    raw = body if isinstance(body, bytes) else json.dumps(payload() if body is None else body).encode()
    response_headers = {"content-type": "application/json", **(headers or {})}
    if date is not None:
        response_headers["date"] = http_date(date)
    return Exchange(case, request, RecordedResponse(status, response_headers, raw, 20.0), sent_at=SENT_AT)


def later(seconds: float) -> datetime:
    return SENT_AT + timedelta(seconds=seconds)
