"""The mock's ASGI app: ``POST /rest/sms`` as documented, plus a small control API.

Routes:
- ``POST /rest/sms`` — auth, then validation, then the lease check, then the send (spec).
- ``GET /rest/sms/outbound/{uuid}`` — the message later in its life (S4, D66, ``life``): 404 in the
  error envelope for a uuid never stored or another account's; the first token's account and the
  second token's (``MockConfig.second_token``) each read only their own messages.
- ``GET /_mock/messages`` — what was sent, ``{"success": true, "payload": {"total", "requests",
  "data"}}``; needs the same token.
- ``POST /_mock/reset`` — forget messages, zero the request count, reseed identifiers; needs
  the token.
- ``GET /_mock/stats`` — cheap counters, no message data: ``{"success": true, "payload":
  {"http_requests", "control_requests", "send_requests", "lookup_requests", "accepted", "stored",
  "store_capacity"}}``
  (``http_requests``: every request to a non-control path, whatever its answer); needs the token.
  The bench counts requests with it, not from an access log (off by default in the standalone mock).

The store keeps the newest ``MAX_STORED_MESSAGES`` messages (``MockConfig.max_stored_messages``).

In-process state lives on ``app.state``: ``config`` (MockConfig), ``store`` (MessageStore),
``identifiers`` (IdentifierSource), ``errors`` (exceptions the app raised; answered as a JSON 500,
re-raised by ``MockServer.stop()``; at most ``MAX_ERRORS_KEPT``, without their tracebacks, and
``errors_dropped`` counts the rest). A body past ``MockConfig.max_body_bytes`` is answered 413 in the
error envelope without being read whole. Faults only ever change ``POST /rest/sms`` and, those of the
``life cycle`` category, the lookup.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.mock.config import MAX_ERRORS_KEPT, MockConfig
from conformance.mock.credentials import presented_tokens, undocumented_tokens
from conformance.mock.fault_effects import FaultEffects
from conformance.mock.identifiers import IdentifierSource
from conformance.mock.life import DROP_AFTER, lookup_payload
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
from conformance.mock.race import SharedSlot
from conformance.mock.responses import json_response
from conformance.mock.store import MessageStore, StoredMessage
from conformance.mock.validation import Rejection, ValidSend, read_send_request, validate_send

__all__ = ["LOOKUP_PATH", "SEND_PATH", "create_app"]

SEND_PATH = "/rest/sms"
LOOKUP_PATH = "/rest/sms/outbound/{uuid}"
CONTROL_PREFIX = "/_mock/"
_CLEAN = FaultEffects()


def create_app(config: MockConfig | None = None) -> Starlette:
    """A fresh mock with its own store and identifiers; ``MockConfig()`` when ``config`` is None."""
    config = config if config is not None else MockConfig()
    effects = FaultEffects(config.faults)
    store = MessageStore(config.max_stored_messages)
    identifiers = IdentifierSource(config.seed)
    shared: SharedSlot[ValidSend] = SharedSlot()

    def now() -> datetime:
        return config.clock() if config.clock is not None else datetime.now(UTC)

    async def send_sms(request: Request) -> Response:
        presented = presented_tokens(request.headers, request.query_params)
        return effects.every_answer(await answer_send(request, presented), presented)

    async def answer_send(request: Request, presented: tuple[str, ...]) -> Response:
        number = store.count_request()
        delay = effects.delay_seconds(number)
        if delay:
            await asyncio.sleep(delay)
        failure = effects.intermittent_failure(number)
        if failure is not None:
            return failure
        if effects.throttles(number):
            return json_response(throttled_body(), 429)
        account = _account(request, config)
        refusal = None if account == 2 else _refuse_credentials(request, config.token, effects)
        if refusal is not None and not effects.reads_body_before_auth(request.query_params):
            return refusal
        body = await _bounded_body(request, config.max_body_bytes)
        if body is None:
            return json_response(_too_large_body(config.max_body_bytes), 413)
        if refusal is not None and not effects.skips_auth(request.query_params, body):
            return refusal
        if effects.crashes_on_repeated(request.query_params.multi_items()):
            return json_response(server_error_body(), 500)
        checked = validate_send(
            read_send_request(
                request.query_params,
                body,
                content_type=request.headers.get("content-type", ""),
                canonical_names=effects.reads_canonical_names,
                query_form=effects.reads_query_form,
                any_media_type=effects.reads_any_media_type,
                read_json=effects.json_reader,
            ),
            effects.validation_rules(),
        )
        if isinstance(checked, Rejection):
            return effects.error_response(Outcome.INVALID, validation_error_body(checked.fields))
        sender = effects.leased_sender(checked.sender, config.leased_numbers)
        if sender is None:
            return effects.error_response(Outcome.NOT_LEASED, not_found_body())
        checked = replace(checked, sender=sender)
        if effects.fails_intermittently(number):
            return json_response(server_error_body(), 500)
        if effects.races:
            checked = await shared.swap(checked)
        moment = now()
        recipient = effects.recipient(checked.to)
        payload = success_payload(
            uuid=identifiers.new_uuid(),
            payload_type=config.payload_type,
            sender=checked.sender,
            recipient=recipient,
            message=checked.message,
            thread=identifiers.thread_for(int(checked.sender), recipient),
            now=moment,
        )
        shaped = effects.shape_payload(payload, checked, moment, sequence=store.accepted + 1)
        if "silent_drop" in config.faults and store.accepted >= DROP_AFTER:
            store.count_accepted()  # answered as sent, never kept: the lookup will not find it
        else:
            store.add(
                StoredMessage(
                    payload["uuid"],
                    checked.sender,
                    checked.to,
                    checked.message,
                    shaped,
                    account=account or 1,
                    created=moment,
                    born=config.life_clock(),
                )
            )
        caller = next((token for token in presented if token == config.token), "")
        return effects.success_response(success_body(shaped), config.success_status, caller=caller)

    async def lookup_sms(request: Request) -> Response:
        store.count_lookup()
        account = _account(request, config)
        anonymous = not presented_tokens(request.headers, request.query_params)
        if account is None and not (anonymous and "lookup_without_auth" in config.faults):
            refusal = _refuse_credentials(request, config.token, _CLEAN)
            if refusal is not None:  # no or a wrong token: refused (no token: admitted by the fault)
                return refusal
        found, reads = store.read(request.path_params["uuid"])
        foreign = found is not None and account is not None and found.account != account
        if found is None or (foreign and "foreign_message_readable" not in config.faults):
            return json_response({"success": False, "status": 404, "message": "SMS not found"}, 404)
        payload = lookup_payload(
            found.payload,
            created=found.created,
            age=config.life_clock() - found.born,
            reads=reads,
            account=found.account,
            times=config.life,
            faults=config.faults,
        )
        return json_response({"success": True, "payload": payload}, 200)

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

    async def stats(request: Request) -> Response:
        refusal = _refuse_credentials(request, config.token, _CLEAN)
        if refusal is not None:
            return refusal
        api, control = store.http_requests()
        payload = {
            "http_requests": api,
            "control_requests": control,
            "send_requests": store.request_count,
            "lookup_requests": store.lookups,
            "accepted": store.accepted,
            "stored": len(store.messages()),
            "store_capacity": store.capacity,
        }
        return json_response({"success": True, "payload": payload}, 200)

    app = Starlette(
        routes=[
            Route(SEND_PATH, send_sms, methods=["POST"]),
            Route(LOOKUP_PATH, lookup_sms, methods=["GET"]),
            Route("/_mock/messages", list_messages, methods=["GET"]),
            Route("/_mock/reset", reset, methods=["POST"]),
            Route("/_mock/stats", stats, methods=["GET"]),
        ],
        middleware=[Middleware(_RequestCounter, store=store)],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.config = config
    app.state.store = store
    app.state.identifiers = identifiers
    app.state.errors = []
    app.state.errors_dropped = 0
    return app


class _RequestCounter:
    """Pure ASGI middleware: counts every HTTP request before routing (so 404s and 405s count too)."""

    def __init__(self, app: ASGIApp, store: MessageStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.store.count_http(control=str(scope.get("path", "")).startswith(CONTROL_PREFIX))
        await self.app(scope, receive, send)


def _too_large_body(limit: int) -> dict[str, object]:
    return {"success": False, "status": 413, "message": f"Request body larger than {limit} bytes"}


async def _bounded_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _account(request: Request, config: MockConfig) -> int | None:
    """Which of the mock's accounts the request's credentials name: 1, 2, or None (no or a wrong token)."""
    tokens = presented_tokens(request.headers, request.query_params, jwt_query=True, bearer=True)
    if config.token in tokens:
        return 1
    if config.second_token in tokens:
        return 2
    return None


def _refuse_credentials(request: Request, token: str, effects: FaultEffects) -> Response | None:
    """The 401 answer, or None when the request may proceed."""
    tokens = presented_tokens(
        request.headers,
        request.query_params,
        jwt_query=effects.honours_jwt_query,
        bearer=effects.honours_bearer,
    )
    if effects.reads_undocumented_carriers:
        tokens += undocumented_tokens(request.headers, request.query_params)
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
    state = request.app.state
    if len(state.errors) < MAX_ERRORS_KEPT:
        state.errors.append(exc.with_traceback(None))  # a traceback holds every frame's locals
    else:
        state.errors_dropped += 1
    return json_response(server_error_body(), 500)
