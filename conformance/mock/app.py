"""The mock's ASGI app: ``POST /rest/sms`` as documented, plus a small control API.

Routes:
- ``POST /rest/sms`` — auth, then validation, then the lease check, then the send (spec).
- ``GET /_mock/messages`` — what was sent, ``{"success": true, "payload": {"total", "requests",
  "data"}}``; needs the same token.
- ``POST /_mock/reset`` — forget messages, zero the request count, reseed identifiers; needs
  the token.

In-process state lives on ``app.state``: ``config`` (MockConfig), ``store`` (MessageStore),
``identifiers`` (IdentifierSource), ``errors`` (exceptions the app raised; answered as a JSON 500,
re-raised by ``MockServer.stop()``). Faults only ever change ``POST /rest/sms``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.mock.config import MockConfig
from conformance.mock.credentials import presented_tokens
from conformance.mock.fault_effects import FaultEffects
from conformance.mock.identifiers import IdentifierSource
from conformance.mock.payloads import (
    Outcome,
    auth_error_body,
    not_found_body,
    server_error_body,
    success_body,
    success_payload,
    throttled_body,
    validation_error_body,
)
from conformance.mock.responses import json_response
from conformance.mock.store import MessageStore, StoredMessage
from conformance.mock.validation import Rejection, read_send_request, recipient_number, validate_send

__all__ = ["SEND_PATH", "create_app"]

SEND_PATH = "/rest/sms"
_CLEAN = FaultEffects()


def create_app(config: MockConfig | None = None) -> Starlette:
    """A fresh mock with its own store and identifiers; ``MockConfig()`` when ``config`` is None."""
    config = config if config is not None else MockConfig()
    effects = FaultEffects(config.faults)
    store = MessageStore()
    identifiers = IdentifierSource(config.seed)

    def now() -> datetime:
        return config.clock() if config.clock is not None else datetime.now(UTC)

    async def send_sms(request: Request) -> Response:
        number = store.count_request()
        delay = effects.delay_seconds(number)
        if delay:
            await asyncio.sleep(delay)
        if effects.throttles(number):
            return json_response(throttled_body(), 429)
        refusal = _refuse_credentials(request, config.token, effects)
        if refusal is not None:
            return refusal
        checked = validate_send(
            read_send_request(
                request.query_params,
                await request.body(),
                canonical_names=effects.reads_canonical_names,
                query_form=effects.reads_query_form,
            ),
            effects.validation_rules(),
        )
        if isinstance(checked, Rejection):
            return effects.error_response(Outcome.INVALID, validation_error_body(checked.fields))
        if not effects.is_leased(int(checked.sender), config.leased_numbers):
            return effects.error_response(Outcome.NOT_LEASED, not_found_body())
        if effects.fails_intermittently(number):
            return json_response(server_error_body(), 500)
        moment = now()
        recipient = recipient_number(checked.to)
        payload = success_payload(
            uuid=identifiers.new_uuid(),
            payload_type=config.payload_type,
            sender=checked.sender,
            recipient=recipient,
            message=checked.message,
            thread=identifiers.thread_for(int(checked.sender), recipient),
            now=moment,
        )
        shaped = effects.shape_payload(payload, checked, moment)
        store.add(StoredMessage(payload["uuid"], checked.sender, checked.to, checked.message, shaped))
        return effects.success_response(success_body(shaped), config.success_status)

    async def list_messages(request: Request) -> Response:
        refusal = _refuse_credentials(request, config.token, _CLEAN)
        if refusal is not None:
            return refusal
        data = [message.to_dict() for message in store.messages()]
        payload = {"total": len(data), "requests": store.request_count, "data": data}
        return json_response({"success": True, "payload": payload}, 200)

    async def reset(request: Request) -> Response:
        refusal = _refuse_credentials(request, config.token, _CLEAN)
        if refusal is not None:
            return refusal
        store.clear()
        identifiers.reset()
        return json_response({"success": True, "payload": {"reset": True}}, 200)

    app = Starlette(
        routes=[
            Route(SEND_PATH, send_sms, methods=["POST"]),
            Route("/_mock/messages", list_messages, methods=["GET"]),
            Route("/_mock/reset", reset, methods=["POST"]),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.config = config
    app.state.store = store
    app.state.identifiers = identifiers
    app.state.errors = []
    return app


def _refuse_credentials(request: Request, token: str, effects: FaultEffects) -> Response | None:
    """The 401 answer, or None when the request may proceed."""
    tokens = presented_tokens(
        request.headers,
        request.query_params,
        jwt_query=effects.honours_jwt_query,
        bearer=effects.honours_bearer,
    )
    if not tokens:
        if effects.admits_anonymous:
            return None
        return effects.refused_credentials(auth_error_body("Unauthorized"), presented=False)
    if any(effects.admits_token(candidate, token) for candidate in tokens):
        return None
    return effects.refused_credentials(auth_error_body("Invalid token"), presented=True)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods, in the documented envelope instead of Starlette's plain text."""
    assert isinstance(exc, HTTPException)
    body = {"success": False, "status": exc.status_code, "message": exc.detail}
    return json_response(body, exc.status_code, headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    """A bug in the mock: recorded for ``MockServer.stop()`` and answered in the envelope."""
    request.app.state.errors.append(exc)
    return json_response(server_error_body(), 500)
