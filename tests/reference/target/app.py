"""The server's logic, independent of the socket: one request in, one response out.

Order of refusal: route and method, then credentials (D12: 401), then the parameters (D4, D5, D11:
400 naming every bad one), then the lease (D11: 404 "TNLease and SMSCampaign not found"), then the
send (200, ``type`` smso, D6).
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reference.target import payloads
from reference.target.config import ReferenceConfig
from reference.target.params import QueryError, SendRequest, parse_query, read_send

__all__ = ["ReferenceApp", "Request", "Response"]

SEND_PATH = "/rest/sms"
INTERMITTENT_EVERY = 7  # intermittent_500: every 7th valid send
THROTTLE_EVERY = 25  # throttle_without_retry_after: every 25th request
URL_LIMIT = 8192  # url_limit_414: a front proxy's request-target limit (nginx's default 8k buffers)
_PROXY_414 = (
    b"<html><head><title>414 Request-URI Too Large</title></head>"
    b"<body><center><h1>414 Request-URI Too Large</h1></center></body></html>"
)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str  # raw, still percent-encoded
    headers: Mapping[str, str]  # names lower-cased (header names are case-insensitive)
    body: bytes


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


def _json(status: int, data: Any, *extra: tuple[str, str]) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, (("Content-Type", "application/json"), *extra))


@dataclass(frozen=True)
class SentMessage:
    uuid: str
    sender: str
    destination: int
    text: str


class ReferenceApp:
    """A send endpoint with leases, a message store, and the configured deviations."""

    def __init__(self, config: ReferenceConfig) -> None:
        self.config = config
        self.started = datetime.now(UTC)
        self._lease = payloads.lease_times(self.started)
        self._ids = payloads.Identifiers(config.seed)
        self._lock = threading.Lock()
        self._requests = 0
        self._valid_sends = 0
        self.sent: list[SentMessage] = []

    def handle(self, request: Request) -> Response:
        config = self.config
        with self._lock:
            self._requests += 1
            throttled = config.on("throttle_without_retry_after") and self._requests % THROTTLE_EVERY == 0
        if config.on("url_limit_414") and len(request.path) + 1 + len(request.query) > URL_LIMIT:
            return Response(414, _PROXY_414, (("Content-Type", "text/html"),))
        if request.path != SEND_PATH:
            return _json(404, payloads.envelope(404, f"No route for {request.path}", config))
        if request.method != "POST":
            return _json(405, payloads.envelope(405, "Method not allowed", config), ("Allow", "POST"))
        if throttled:
            return _json(429, payloads.envelope(429, "Too many requests", config))
        try:
            query = parse_query(request.query)
        except QueryError as exc:
            status = 422 if config.on("validation_422") else 400
            return _json(status, payloads.validation_envelope(status, [exc.problem], config))
        refused = self._refuse_credentials(request, query)
        if refused is not None:
            return refused
        send, problems = read_send(query, request.body, request.headers.get("content-type", ""), config)
        if send is None:
            status = 422 if config.on("validation_422") else 400
            return _json(status, payloads.validation_envelope(status, problems, config))
        if send.sender not in config.senders:
            return _json(404, payloads.not_found_envelope(config))
        return self._send(send)

    def _refuse_credentials(self, request: Request, query: Mapping[str, list[str]]) -> Response | None:
        """Credentials: X-Auth-Token or ?jwt= (S6), Authorization: Bearer or ?bearer= (variants, D12).
        Every credential presented must be the token; none at all is a 401 too."""
        presented = [request.headers[name] for name in ("x-auth-token",) if name in request.headers]
        presented += query.get("jwt", []) + query.get("bearer", [])
        authorization = request.headers.get("authorization")
        if authorization is not None:
            scheme, _, value = authorization.partition(" ")
            presented.append(value.strip() if scheme.lower() == "bearer" else authorization)
        expected = self.config.token
        if self.config.on("token_case_insensitive"):
            expected, presented = expected.lower(), [p.lower() for p in presented]
        if presented and all(hmac.compare_digest(p.encode(), expected.encode()) for p in presented):
            return None
        if presented and self.config.on("wrong_token_403"):
            return _json(403, payloads.envelope(403, "Forbidden: the token is not valid", self.config))
        if self.config.on("auth_401_empty_body"):
            return Response(401)
        message = "Invalid token" if presented else "Authentication required: X-Auth-Token or jwt"
        return _json(401, payloads.envelope(401, message, self.config))

    def _send(self, send: SendRequest) -> Response:
        config = self.config
        with self._lock:
            self._valid_sends += 1
            if config.on("intermittent_500") and self._valid_sends % INTERMITTENT_EVERY == 0:
                return _json(500, payloads.envelope(500, "Internal server error", config))
            message_uuid = self._ids.message_uuid(send, config)
            thread = self._ids.thread(send, config)
            self.sent.append(SentMessage(message_uuid, send.sender, send.destination, send.text))
        body = payloads.success_payload(
            send,
            message_uuid=message_uuid,
            thread=thread,
            now=datetime.now(UTC),
            lease=self._lease,
            config=config,
        )
        status = 201 if config.on("success_201_smso") else 200
        extra = (("Location", f"/rest/sms/outbound/{message_uuid}"),) if config.on("location_header") else ()
        return _json(status, body, *extra)
