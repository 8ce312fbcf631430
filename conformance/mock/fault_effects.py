"""What each catalogued fault does: the one place where the mock departs from the contract.

``app.py`` asks a ``FaultEffects`` every question whose answer a fault can change (is this
token accepted, which validation rules hold, is this sender leased, how long to wait) and
hands every response body to it before it goes out. With no faults active every answer is
the documented behaviour. Each fault changes exactly what its catalogue description says.
"""

from __future__ import annotations

import base64
import binascii
import copy
import decimal
import hashlib
import json
import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import Response

from conformance.mock.life import LIFE_FAULTS
from conformance.mock.payloads import Outcome, format_timestamp
from conformance.mock.responses import encode_json, json_response
from conformance.mock.validation import (
    DIGITS,
    MAX_MESSAGE_LENGTH,
    NumberRule,
    ValidationRules,
    ValidSend,
    lenient_json,
    recipient_number,
    strict_json,
)

__all__ = [
    "FAIL_EVERY",
    "HTML_NOT_FOUND",
    "IMPLEMENTED_FAULTS",
    "SLOW_DELAY_SECONDS",
    "SLOW_EVERY",
    "STALE_TIME",
    "FaultEffects",
]

SLOW_EVERY = 10
FAIL_EVERY = 4
LOCAL_OFFSET = timedelta(hours=2)
THROTTLE_EVERY = 25  # throttle_without_retry_after: every 25th request gets a bare 429
INTERMITTENT_EVERY = 7  # intermittent_500: every 7th request that would send fails once
SLOW_DELAY_SECONDS = 0.4
SHORT_MESSAGE_LIMIT = 160
STALE_TIME = datetime(2001, 1, 4, 7, 52, 58, 127000, tzinfo=UTC)
# a proxy-style error page; its script proves reports show server bodies as text
HTML_NOT_FOUND = "<html><body><h1>404 Not Found</h1><script>window.__pwned=1</script></body></html>"
EXTRA_FIELD = ("debug_route", "POST /rest/sms -> mock.send")
CUT_ECHO_AT = 40  # field_value_cut: a rejected value longer than this is echoed cut to it
# stack_trace_in_error: what an unhandled exception page of a Python backend shows
PYTHON_TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/srv/opentact/sms/handlers.py", line 88, in send\n'
    "    number = int(params['TO'])\n"
    "ValueError: invalid literal for int() with base 10"
)
_LETTERS_OR_DIGITS = re.compile(r"[0-9A-Za-z]{3,15}")
# lenient_numbers: what int() accepts: digits of any script, a sign, surrounding whitespace, any length
_LENIENT_NUMBER = re.compile(r"\s*\+?\d+\s*")
# leading_zeros_refused: a number must start 1-9, as an E.164 reading would have it
_NO_LEADING_ZERO = re.compile(r"[1-9][0-9]{2,14}")
# to_read_like_parseint: parseInt's prefix (whitespace, a +, the digits) with 3 to 15 digits; the rest ignored
_PARSEINT_PREFIX = re.compile(r"\s*\+?([0-9]+)")
_PARSEINT_NUMBER = re.compile(r"\s*\+?[0-9]{3,15}(?![0-9]).*", re.DOTALL)
# to_read_as_number: what JavaScript's Number() reads (ASCII decimal, fraction, exponent, spaces around)
_JS_NUMBER = re.compile(r"\s*\+?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*", re.ASCII)
_SEND_PARAMS = ("FROM", "TO", "Message", "from", "to", "message")
QUEUED_STATE = "queued"

IMPLEMENTED_FAULTS: frozenset[str] = frozenset(
    {
        # request side
        "auth_not_enforced",
        "lenient_json_body",
        "json_body_any_media_type",
        "wrong_token_accepted",
        "jwt_query_ignored",
        "requires_lowercase_names",
        "accept_letters_in_to",
        "accept_empty_message",
        "reject_long_message",
        "unleased_sender_sends",
        "slow_responses",
        "bearer_refused",
        "requires_json_body",
        "lenient_numbers",
        "leading_zeros_refused",
        "message_length_in_utf16_units",
        "to_read_like_parseint",
        "to_read_as_number",
        "repeated_parameter_500",
        "intermittent_500",
        "flaky_backend_500",
        "throttle_without_retry_after",
        "auth_skipped_for_json_body",
        "alg_none_accepted",
        "undocumented_carriers_accepted",
        "loose_sender_matching",
        "shared_state_race",
        # auth refusals
        "wrong_token_403",
        "auth_401_empty",
        # success payload
        "missing_type",
        "missing_tn_deleted_on",
        "from_as_number",
        "state_outside_enum",
        "type_status_mismatch",
        "automated_true",
        "to_as_string",
        "uuid_malformed",
        "missing_thread",
        "type_unknown",
        "delivered_as_string",
        "timestamp_no_millis",
        "extra_field",
        "echo_non_ascii_mangled",
        "echo_to_drops_country_code",
        "tn_not_sender",
        "state_not_created",
        "modified_before_created",
        "stale_timestamps",
        "uuid_from_content",
        "thread_per_message",
        "lease_deleted",
        "automated_alternates",
        "local_time_as_utc",
        # success response
        "success_status_202",
        "content_type_text",
        "truncated_json",
        "nan_in_body",
        "duplicate_member",
        "location_header",
        # error responses
        "validation_as_500",
        "unleased_sender_500",
        "html_error_page",
        "error_success_true",
        "error_status_mismatch",
        "validation_without_fields",
        "field_value_null",
        "field_value_cut",
        "stack_trace_in_error",
        # every answer, success payload
        "token_in_header",
        "token_in_body_base64",
        "cors_any_origin_credentials",
        "cache_public_success",
        # the life cycle's, on the lookup (conformance.mock.life)
        *LIFE_FAULTS,
    }
)


class FaultEffects:
    """The behaviour of a set of active faults (names from ``conformance.mock.faults``)."""

    def __init__(self, active: frozenset[str] = frozenset()) -> None:
        self.active = active

    def _on(self, name: str) -> bool:
        return name in self.active

    # -- request side ---------------------------------------------------------------------------

    @property
    def honours_jwt_query(self) -> bool:
        return not self._on("jwt_query_ignored")

    @property
    def reads_canonical_names(self) -> bool:
        return not self._on("requires_lowercase_names")

    @property
    def honours_bearer(self) -> bool:
        return not self._on("bearer_refused")

    @property
    def reads_query_form(self) -> bool:
        return not self._on("requires_json_body")

    @property
    def reads_any_media_type(self) -> bool:
        return self._on("json_body_any_media_type")

    @property
    def json_reader(self) -> Callable[[bytes], object]:
        """The reader of a JSON body: strict JSON, or a forgiving one (a fault, D69)."""
        return lenient_json if self._on("lenient_json_body") else strict_json

    @property
    def admits_anonymous(self) -> bool:
        return self._on("auth_not_enforced")

    @property
    def reads_undocumented_carriers(self) -> bool:
        return self._on("undocumented_carriers_accepted")

    @property
    def races(self) -> bool:
        return self._on("shared_state_race")

    def admits_token(self, token: str, expected: str) -> bool:
        if self._on("wrong_token_accepted"):
            return bool(token)
        if self._on("alg_none_accepted") and _unsigned_jwt(token):
            return True
        return token == expected

    def reads_body_before_auth(self, query: Mapping[str, str]) -> bool:
        """``auth_skipped_for_json_body``: no query parameter names the send, so the body is read first."""
        return self._on("auth_skipped_for_json_body") and not any(name in query for name in _SEND_PARAMS)

    def skips_auth(self, query: Mapping[str, str], body: bytes) -> bool:
        """``auth_skipped_for_json_body``: the send parameters come in a JSON body (no query names them)."""
        return self.reads_body_before_auth(query) and body.lstrip()[:1] == b"{"

    def leased_sender(self, sender: str, leased: frozenset[int]) -> str | None:
        """The leased number a send goes out from, or None when ``sender`` is not leased: the same
        number, or under ``loose_sender_matching`` any leased number with the same last 10 digits."""
        if self._on("unleased_sender_sends") or int(sender) in leased:
            return sender
        if self._on("loose_sender_matching"):
            tail = sender.lstrip("0")[-10:]
            return next((str(number) for number in sorted(leased) if str(number)[-10:] == tail), None)
        return None

    def validation_rules(self) -> ValidationRules:
        lenient = self._on("lenient_numbers")
        digits = _NO_LEADING_ZERO if self._on("leading_zeros_refused") else DIGITS
        recipient: NumberRule = _LETTERS_OR_DIGITS if self._on("accept_letters_in_to") else digits
        if self._on("to_read_like_parseint"):
            recipient = _PARSEINT_NUMBER
        if self._on("to_read_as_number"):
            recipient = _IntegerValue()
        return ValidationRules(
            recipient_pattern=_LENIENT_NUMBER if lenient else recipient,
            sender_pattern=_LENIENT_NUMBER if lenient else digits,
            allow_empty_message=self._on("accept_empty_message"),
            max_message_length=SHORT_MESSAGE_LIMIT if self._on("reject_long_message") else MAX_MESSAGE_LENGTH,
            message_length=_utf16_units if self._on("message_length_in_utf16_units") else len,
        )

    def recipient(self, to: str) -> int:
        """The destination the send goes to: parseInt's leading digits under ``to_read_like_parseint``."""
        if self._on("to_read_as_number") and _JS_NUMBER.fullmatch(to):
            return int(decimal.Decimal(to.strip()))
        prefix = _PARSEINT_PREFIX.match(to) if self._on("to_read_like_parseint") else None
        return int(prefix.group(1)) if prefix is not None else recipient_number(to)

    def crashes_on_repeated(self, query: Sequence[tuple[str, str]]) -> bool:
        """Whether this query (all its pairs) makes the handler fail: a send parameter given twice."""
        names = [name for name, _ in query if name in _SEND_PARAMS]
        return self._on("repeated_parameter_500") and len(names) != len(set(names))

    def delay_seconds(self, request_number: int) -> float:
        """Delay before answering the ``request_number``-th ``POST /rest/sms`` (1-based)."""
        if self._on("slow_responses") and request_number % SLOW_EVERY == 0:
            return SLOW_DELAY_SECONDS
        return 0.0

    def intermittent_failure(self, request_number: int) -> Response | None:
        """The flaky backend's answer to the ``request_number``-th ``POST /rest/sms``, or None."""
        if self._on("flaky_backend_500") and request_number % FAIL_EVERY == 0:
            return json_response({"success": False, "status": 500, "message": "Internal Server Error"}, 500)
        return None

    def throttles(self, request_number: int) -> bool:
        """Whether the ``request_number``-th ``POST /rest/sms`` (1-based) is refused with a bare 429."""
        return self._on("throttle_without_retry_after") and request_number % THROTTLE_EVERY == 0

    def fails_intermittently(self, request_number: int) -> bool:
        """Whether the ``request_number``-th ``POST /rest/sms`` (1-based), a valid send, gets a 500."""
        return self._on("intermittent_500") and request_number % INTERMITTENT_EVERY == 0

    def refused_credentials(self, body: Mapping[str, Any], *, presented: bool) -> Response:
        """The answer to missing (``presented`` False) or rejected credentials: the inferred 401 (D12)."""
        if self._on("auth_401_empty"):
            return Response(b"", status_code=401)
        if presented and self._on("wrong_token_403"):
            return json_response({**body, "status": 403, "message": "Forbidden"}, 403)
        return self.error_response(Outcome.UNAUTHORIZED, body)

    # -- success ------------------------------------------------------------------------------

    def shape_payload(
        self, payload: Mapping[str, Any], send: ValidSend, now: datetime, *, sequence: int = 1
    ) -> dict[str, Any]:
        """The clean SmsPayload with the payload faults applied; ``sequence``: the n-th accepted send."""
        shaped = copy.deepcopy(dict(payload))
        self._shape_identity(shaped, send, now, sequence)
        if self._on("echo_non_ascii_mangled"):
            shaped["message"] = send.message.encode("utf-8").decode("latin-1")
        if self._on("echo_to_drops_country_code") and send.to.startswith("1") and len(send.to) == 11:
            shaped["to"] = int(send.to[1:])
        if self._on("to_as_string"):
            shaped["to"] = str(shaped["to"])
        if self._on("tn_not_sender"):
            shaped["tn"]["tn"] = int(send.sender) + 1
        if self._on("state_not_created"):
            shaped["state"] = "success"
            shaped["delivered"] = True
        if self._on("delivered_as_string"):
            shaped["delivered"] = "true" if shaped["delivered"] else "false"
        if self._on("uuid_malformed"):
            shaped["uuid"] = shaped["uuid"].replace("-", "").upper()
        if self._on("type_unknown"):
            shaped["type"] = "sms"
        if self._on("type_status_mismatch"):
            shaped["type"] = "smsr" if shaped["type"] == "smso" else "smso"
        if self._on("missing_type"):
            del shaped["type"]
        if self._on("missing_tn_deleted_on"):
            del shaped["tn"]["deleted_on"]
        if self._on("from_as_number"):
            shaped["from"] = int(shaped["from"])
        if self._on("state_outside_enum"):
            shaped["state"] = QUEUED_STATE
        if self._on("automated_true"):
            shaped["automated"] = True
        if self._on("missing_thread"):
            del shaped["thread"]
        if self._on("extra_field"):
            shaped[EXTRA_FIELD[0]] = EXTRA_FIELD[1]
        self._shape_timestamps(shaped, now)
        return shaped

    def _shape_identity(self, shaped: dict[str, Any], send: ValidSend, now: datetime, sequence: int) -> None:
        """The faults that only show across sends: uuid, thread, lease, automated flag."""
        if self._on("uuid_from_content"):
            content = f"{send.sender}:{send.to}:{send.message}".encode()
            shaped["uuid"] = str(
                uuid.UUID(bytes=hashlib.blake2b(content, digest_size=16).digest(), version=4)
            )
        if self._on("thread_per_message"):
            shaped["thread"] = hashlib.blake2b(shaped["uuid"].encode(), digest_size=16).hexdigest()
        if self._on("lease_deleted"):
            shaped["tn"]["deleted_on"] = format_timestamp(now - timedelta(days=1))
        if self._on("automated_alternates"):
            shaped["automated"] = sequence % 2 == 0

    def _shape_timestamps(self, shaped: dict[str, Any], now: datetime) -> None:
        timestamp_faults = {
            "stale_timestamps",
            "modified_before_created",
            "timestamp_no_millis",
            "local_time_as_utc",
        }
        if not self.active & timestamp_faults:
            return
        created = STALE_TIME if self._on("stale_timestamps") else now
        created += LOCAL_OFFSET if self._on("local_time_as_utc") else timedelta(0)
        modified = created - timedelta(seconds=1) if self._on("modified_before_created") else created
        millis = not self._on("timestamp_no_millis")
        shaped["created_on"] = format_timestamp(created, millis=millis)
        shaped["modified_on"] = format_timestamp(modified, millis=millis)

    def success_response(self, body: Mapping[str, Any], status: int, *, caller: str = "") -> Response:
        """The 2xx answer; ``caller``: the token the request was admitted with."""
        if self._on("token_in_body_base64"):
            reference = base64.b64encode(f"caller:{caller}".encode()).decode("ascii")
            body = {**body, "payload": {**body["payload"], "request_ref": reference}}
        if self._on("nan_in_body"):
            body = {**body, "payload": {**body["payload"], "price": math.nan}}
        content = encode_json(body)
        if self._on("duplicate_member"):
            content = b'{"success":false,' + content[1:]
        if self._on("truncated_json"):
            content = content[: len(content) // 2]
        media_type = "text/plain; charset=utf-8" if self._on("content_type_text") else "application/json"
        status = 202 if self._on("success_status_202") else status
        headers = {"Location": _message_location(body)} if self._on("location_header") else {}
        if self._on("cache_public_success"):
            headers["Cache-Control"] = "public, max-age=300"
        return Response(content, status_code=status, media_type=media_type, headers=headers)

    def every_answer(self, response: Response, presented: Sequence[str]) -> Response:
        """The headers some faults add to every answer of ``POST /rest/sms``; ``presented``: its tokens."""
        if self._on("token_in_header") and presented:
            response.headers["X-Request-Context"] = f"caller={presented[0]}"
        if self._on("cors_any_origin_credentials"):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Credentials"] = "true"
        return response

    # -- errors -------------------------------------------------------------------------------

    def error_response(self, outcome: Outcome, body: Mapping[str, Any]) -> Response:
        """An error envelope whose ``status`` member is its HTTP status, with error faults applied."""
        shaped = dict(body)
        status = int(shaped["status"])
        if outcome is Outcome.INVALID and self._on("validation_as_500"):
            status = shaped["status"] = 500
        if outcome is Outcome.NOT_LEASED and self._on("unleased_sender_500"):
            status = shaped["status"] = 500
        if status == 404 and self._on("html_error_page"):
            return Response(HTML_NOT_FOUND, status_code=404, media_type="text/html; charset=utf-8")
        if outcome is Outcome.INVALID and self._on("validation_without_fields"):
            shaped.pop("fields", None)
        if (
            outcome is Outcome.INVALID
            and self._on("field_value_null")
            and isinstance(shaped.get("fields"), dict)
        ):
            shaped["fields"] = {key: {**entry, "value": None} for key, entry in shaped["fields"].items()}
        if (
            outcome is Outcome.INVALID
            and self._on("field_value_cut")
            and isinstance(shaped.get("fields"), dict)
        ):
            shaped["fields"] = {
                key: {**entry, "value": _cut(entry.get("value"))} for key, entry in shaped["fields"].items()
            }
        if outcome is Outcome.INVALID and self._on("stack_trace_in_error"):
            shaped["trace"] = PYTHON_TRACE
        if self._on("error_success_true"):
            shaped["success"] = True
        if self._on("error_status_mismatch"):
            # the seed's template: an error body saying 500 whatever the HTTP status (400 on a 500)
            shaped["status"] = 500 if status != 500 else 400
        return json_response(shaped, status)


def _message_location(body: Mapping[str, Any]) -> str:
    """``location_header``: where a message would be read back (S4's outbound message route)."""
    payload = body.get("payload")
    uuid_text = payload.get("uuid", "") if isinstance(payload, Mapping) else ""
    return f"/rest/sms/outbound/{uuid_text}"


def _unsigned_jwt(token: str) -> bool:
    """``alg_none_accepted``: a ``header.payload.`` token whose header says ``"alg": "none"``."""
    parts = token.split(".")
    if len(parts) != 3 or parts[2]:
        return False
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(header, dict) and str(header.get("alg", "")).lower() == "none"


def _cut(value: Any) -> Any:
    """``field_value_cut``: a long string value cut to its first characters, as a log-minded server does."""
    return value[:CUT_ECHO_AT] if isinstance(value, str) else value


def _utf16_units(text: str) -> int:
    """UTF-16 code units, what JavaScript's ``length`` counts: two for each character past U+FFFF."""
    return sum(2 if ord(character) > 0xFFFF else 1 for character in text)


class _IntegerValue:
    """``to_read_as_number``: any spelling Number() reads as a whole number of 3 to 15 digits is valid."""

    def fullmatch(self, string: str) -> bool:
        if _JS_NUMBER.fullmatch(string) is None:
            return False
        value = decimal.Decimal(string.strip())
        # 3 to 15 digits before the point (checked first: no huge integer is ever built), nothing after it
        return 2 <= value.adjusted() <= 14 and value == value.to_integral_value()
