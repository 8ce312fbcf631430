"""The mock's fault catalogue: named deviations it can switch on, as data.

Each fault names the check that must catch it, so the suite's self-test reads
"clean mock: nothing; this fault on: exactly this check fires". It also names the highest severity
that check gives it (spec/DECISIONS.md's Summary), and so whether the default gate (``--fail-on
error``) fails: only an error does; a warning or info leaves the gate passing, with that finding
reported. The self-test asserts both, so the catalogue cannot drift from what a run does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["FAULTS", "Fault", "UnknownFaultError", "fault_names", "resolve_faults"]

# The values of the suite's Severity; a plain string here, so the mock imports nothing of the suite.
FaultSeverity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Fault:
    name: str
    category: str
    description: str
    check: str
    severity: FaultSeverity  # the highest severity ``check`` gives this fault in a default run (required)

    def __post_init__(self) -> None:
        allowed = get_args(FaultSeverity)
        if self.severity not in allowed:
            raise ValueError(
                f"fault {self.name!r}: severity {self.severity!r} is not one of {', '.join(allowed)}; give "
                "the highest severity its check reports in a default run (tests/engine/test_selftest.py)"
            )

    @property
    def gate_verdict(self) -> Literal["fail", "pass"]:
        """The verdict of a run with only this fault on, at the default ``--fail-on error``."""
        return "fail" if self.severity == "error" else "pass"


FAULTS: tuple[Fault, ...] = (
    # response schema
    Fault(
        "to_as_string",
        "response schema",
        "payload.to is a JSON string instead of an integer",
        "response_schema",
        "warning",
    ),
    Fault(
        "uuid_malformed",
        "response schema",
        "payload.uuid is uppercase hex without hyphens, not a UUID",
        "response_schema",
        "error",
    ),
    Fault(
        "missing_thread",
        "response schema",
        "payload.thread is left out of success responses",
        "response_schema",
        "error",
    ),
    Fault(
        "type_unknown",
        "response schema",
        "payload.type is 'sms', outside the documented enum",
        "response_schema",
        "error",
    ),
    Fault(
        "delivered_as_string",
        "response schema",
        'payload.delivered is the string "false", not a boolean',
        "response_schema",
        "error",
    ),
    Fault(
        "timestamp_no_millis",
        "response schema",
        "created_on/modified_on lose their milliseconds (…:58Z)",
        "response_schema",
        "error",
    ),
    Fault(
        "missing_type",
        "response schema",
        "payload.type is left out, as the S2 and S3 pages print it (D8)",
        "response_schema",
        "warning",
    ),
    Fault(
        "missing_tn_deleted_on",
        "response schema",
        "payload.tn.deleted_on is left out (a null member dropped); nothing else of S2's tn is shown",
        "response_schema",
        "error",
    ),
    Fault(
        "from_as_number",
        "response schema",
        "payload.from is a JSON integer instead of a string (D7)",
        "response_schema",
        "error",
    ),
    Fault(
        "state_outside_enum",
        "response schema",
        "payload.state is 'queued', outside the documented enum (D9)",
        "response_schema",
        "error",
    ),
    Fault(
        "extra_field",
        "response schema",
        "success payloads carry an undocumented member 'debug_route'",
        "undocumented_fields",
        "info",
    ),
    # status codes
    Fault(
        "success_status_202",
        "status code",
        "successful sends answer HTTP 202, an undocumented status",
        "status_documented",
        "error",
    ),
    Fault(
        "validation_as_500",
        "status code",
        "validation errors answer HTTP 500 like the seed's template",
        "rejection_status",
        "warning",
    ),
    Fault(
        "unleased_sender_500",
        "status code",
        "an unleased sender gets HTTP 500 instead of the documented 404",
        "rejection_status",
        "error",
    ),
    Fault(
        "intermittent_500",
        "status code",
        "a valid send arriving as the 7th, 14th, … request gets HTTP 500; the same request re-sent succeeds",
        "valid_data_rejected",
        "error",
    ),
    Fault(
        "throttle_without_retry_after",
        "rate limit",
        "every 25th request is answered HTTP 429 without a Retry-After header (D16)",
        "status_documented",
        "info",
    ),
    # content type and malformed bodies
    Fault(
        "content_type_text",
        "content type",
        "success responses are labelled text/plain",
        "content_type",
        "error",
    ),
    Fault(
        "html_error_page",
        "content type",
        "404 answers are an HTML page instead of the JSON envelope",
        "content_type",
        "error",
    ),
    Fault(
        "truncated_json",
        "malformed body",
        "success bodies are cut off in the middle of the JSON",
        "json_body",
        "error",
    ),
    Fault(
        "nan_in_body",
        "malformed body",
        "success payloads carry a price member whose value is NaN, which is not JSON (D51)",
        "strict_json",
        "error",
    ),
    Fault(
        "duplicate_member",
        "malformed body",
        'success bodies say "success":false, then "success":true: one member named twice (D51)',
        "strict_json",
        "error",
    ),
    # response headers
    Fault(
        "location_header",
        "response headers",
        "success responses carry a Location header naming the message, a header no page documents (D36)",
        "meaningful_headers",
        "warning",
    ),
    # error envelope
    Fault(
        "error_success_true", "error envelope", "error envelopes say success:true", "error_envelope", "error"
    ),
    Fault(
        "error_status_mismatch",
        "error envelope",
        "the error body's status differs from the HTTP status",
        "error_envelope",
        "error",
    ),
    Fault(
        "validation_without_fields",
        "error envelope",
        "validation errors leave out the fields member",
        "error_envelope",
        "error",
    ),
    # auth
    Fault("auth_not_enforced", "auth", "requests without any credentials are sent", "auth_enforced", "error"),
    Fault("wrong_token_accepted", "auth", "any token value is accepted", "auth_enforced", "error"),
    Fault(
        "jwt_query_ignored",
        "auth",
        "the documented jwt query parameter is refused with 401",
        "valid_data_rejected",
        "error",
    ),
    Fault(
        "requires_lowercase_names",
        "valid data rejected",
        "only lowercase from/to/message are read; the documented FROM/TO/Message get 400",
        "valid_data_rejected",
        "warning",
    ),
    Fault(
        "wrong_token_403",
        "auth",
        "a presented but wrong token gets HTTP 403 instead of the inferred 401 (D12)",
        "rejection_status",
        "warning",
    ),
    Fault(
        "auth_401_empty",
        "auth",
        "refused credentials get HTTP 401 with an empty body (D12)",
        "json_body",
        "warning",
    ),
    Fault(
        "bearer_refused",
        "auth",
        "the Authorization: Bearer variant is refused with 401 (D12)",
        "valid_data_rejected",
        "info",
    ),
    Fault(
        "auth_skipped_for_json_body",
        "auth",
        "a request whose send parameters come in a JSON body (S2/S3 forms) is not authenticated at all",
        "auth_enforced",
        "error",
    ),
    Fault(
        "alg_none_accepted",
        "auth",
        "an unsigned JWT (header alg: none, empty signature) is accepted whatever its claims",
        "auth_enforced",
        "error",
    ),
    Fault(
        "undocumented_carriers_accepted",
        "auth",
        "the token is also taken from a cookie, from Basic auth and from ?token, ?access_token, ?api_key",
        "auth_enforced",
        "warning",
    ),
    Fault(
        "requires_json_body",
        "valid data rejected",
        "only the S3 JSON body is read; the documented query parameters get 400 (D2)",
        "valid_data_rejected",
        "warning",
    ),
    # negative data accepted
    Fault(
        "accept_letters_in_to",
        "negative data accepted",
        "a TO with letters is accepted and sent",
        "negative_data_accepted",
        "error",
    ),
    Fault(
        "accept_empty_message",
        "negative data accepted",
        "an empty Message is accepted and sent",
        "negative_data_accepted",
        "warning",
    ),
    Fault(
        "lenient_numbers",
        "negative data accepted",
        "numbers with Unicode digits, surrounding whitespace, a leading + or any length are accepted",
        "negative_data_accepted",
        "warning",
    ),
    Fault(
        "loose_sender_matching",
        "negative data accepted",
        "a sender matches a lease on its last 10 digits and sends from the leased number "
        "(442017771234 or 2017771234 send from 12017771234)",
        "negative_data_accepted",
        "error",
    ),
    Fault(
        "lenient_json_body",
        "negative data accepted",
        "a body that is not JSON is read as the send: NaN, repeated members (the last wins), trailing "
        "commas, single quotes, bare names, comments, bytes that are not UTF-8 (D69)",
        "strict_request_body",
        "warning",
    ),
    Fault(
        "json_body_any_media_type",
        "negative data accepted",
        "a JSON body is read whatever its Content-Type, text/plain and form-urlencoded too (D69)",
        "strict_request_body",
        "warning",
    ),
    Fault(
        "unleased_sender_sends",
        "negative data accepted",
        "any sender is accepted, leased or not",
        "negative_data_accepted",
        "error",
    ),
    # valid data rejected
    Fault(
        "reject_long_message",
        "valid data rejected",
        "messages longer than 160 characters are rejected with 400",
        "valid_data_rejected",
        "error",
    ),
    Fault(
        "leading_zeros_refused",
        "valid data rejected",
        "a number with leading zeros (0014155550100) is refused with 400, as if it had to start 1-9 (D33)",
        "valid_data_rejected",
        "warning",
    ),
    Fault(
        "message_length_in_utf16_units",
        "valid data rejected",
        "Message length is counted in UTF-16 code units (JavaScript's length): 918 emoji get 400 (D35)",
        "valid_data_rejected",
        "error",
    ),
    # request parsing
    Fault(
        "to_read_like_parseint",
        "request parsing",
        "TO is read like JavaScript parseInt: its leading digits; junk after them (14155550100abc) is "
        "ignored (D33)",
        "negative_data_accepted",
        "error",
    ),
    Fault(
        "to_read_as_number",
        "request parsing",
        "TO is read like JavaScript Number(): decimal and exponent forms of a whole number (1.41555501e10) "
        "are accepted (D33)",
        "negative_data_accepted",
        "error",
    ),
    Fault(
        "repeated_parameter_500",
        "request parsing",
        "a parameter given twice (TO=a&TO=b) arrives as a list and crashes the handler: HTTP 500 (D34)",
        "rejection_status",
        "error",
    ),
    # semantic echo
    Fault(
        "echo_non_ascii_mangled",
        "semantic echo",
        "non-ASCII message text is echoed mis-decoded (UTF-8 read as Latin-1)",
        "semantic_echo",
        "error",
    ),
    Fault(
        "echo_to_drops_country_code",
        "semantic echo",
        "payload.to drops the leading country code 1",
        "semantic_echo",
        "error",
    ),
    Fault(
        "tn_not_sender",
        "semantic echo",
        "payload.tn.tn is a different number from the sender",
        "semantic_echo",
        "error",
    ),
    Fault(
        "state_not_created",
        "semantic echo",
        "a fresh message is reported as state 'success' and delivered",
        "message_state",
        "warning",
    ),
    Fault(
        "type_status_mismatch",
        "semantic echo",
        "HTTP 200 answers carry type 'smsr', the type documented for 201 (D6)",
        "message_state",
        "warning",
    ),
    Fault(
        "automated_true",
        "semantic echo",
        "a fresh message says automated: true (D9)",
        "message_state",
        "warning",
    ),
    # timestamps
    Fault(
        "modified_before_created",
        "timestamps",
        "modified_on is earlier than created_on",
        "timestamps",
        "error",
    ),
    Fault(
        "stale_timestamps",
        "timestamps",
        "created_on/modified_on are in 2001, not the time of the send",
        "timestamps",
        "warning",
    ),
    # latency
    Fault(
        "slow_responses",
        "latency",
        "every 10th send is answered after a 400 ms delay",
        "response_time",
        "warning",
    ),
    # across the run (run-level checks, and the validation echo)
    Fault(
        "shared_state_race",
        "concurrency",
        "valid sends share one slot: a send answered while another is in flight describes the other one",
        "semantic_echo",
        "error",
    ),
    Fault(
        "uuid_from_content",
        "across the run",
        "payload.uuid is derived from sender, destination and text, so equal sends share one uuid",
        "uuid_unique",
        "error",
    ),
    Fault(
        "flaky_backend_500",
        "across the run",
        "every 4th send request is answered HTTP 500 whatever it holds (a flaky backend)",
        "equal_requests_same_outcome",
        "error",
    ),
    Fault(
        "thread_per_message",
        "across the run",
        "payload.thread is new for every message, even between the same two numbers",
        "thread_per_pair",
        "warning",
    ),
    Fault(
        "lease_deleted",
        "across the run",
        "payload.tn.deleted_on is a day before the send: the lease that sent is reported deleted",
        "lease_live",
        "error",
    ),
    Fault(
        "automated_alternates",
        "across the run",
        "payload.automated is true on every second accepted send",
        "automated_consistent",
        "warning",
    ),
    Fault(
        "local_time_as_utc",
        "across the run",
        "created_on/modified_on are local time (UTC+2) labelled Z",
        "clock_matches_date",
        "error",
    ),
    Fault(
        "field_value_null",
        "across the run",
        "validation errors give fields.*.value as null instead of the rejected value",
        "field_value_echo",
        "error",
    ),
    # the message after the send: GET /rest/sms/outbound/{uuid} (conformance.mock.life, D66-D68)
    Fault(
        "silent_drop",
        "life cycle",
        "from the 11th accepted send on, the send answers 200 but nothing is kept: the lookup says 404",
        "lifecycle_found",
        "error",
    ),
    Fault(
        "stored_differs",
        "life cycle",
        "the lookup shows the text with ' (edited)' appended and `to` with its last digit changed",
        "lifecycle_stored_as_sent",
        "error",
    ),
    Fault(
        "state_goes_back",
        "life cycle",
        "once a message succeeded, every second lookup of it reads state 'sending' (not delivered) again",
        "lifecycle_state_order",
        "warning",
    ),
    Fault(
        "delivered_early",
        "life cycle",
        "the lookup shows delivered true from the start, and the message never leaves 'sending'",
        "lifecycle_delivered",
        "warning",
    ),
    Fault(
        "reference_id_missing",
        "life cycle",
        "reference_id stays null once the message is sending",
        "lifecycle_reference_id",
        "warning",
    ),
    Fault(
        "modified_on_back",
        "life cycle",
        "the lookup's modified_on lies one minute before the send's",
        "lifecycle_timestamps",
        "warning",
    ),
    Fault(
        "lookup_without_auth",
        "life cycle",
        "the lookup answers 200 without any credential",
        "lifecycle_lookup_auth",
        "error",
    ),
    Fault(
        "foreign_message_readable",
        "life cycle",
        "a message of one account is readable with the other account's token",
        "lifecycle_foreign_message",
        "error",
    ),
    Fault(
        "field_value_cut",
        "across the run",
        "validation errors give a rejected value longer than 40 characters cut to its first 40 (D63: info)",
        "field_value_echo",
        "info",
    ),
    # what a response reveals (D61)
    Fault(
        "token_in_header",
        "exposure",
        "every answer carries the presented token in an X-Request-Context header",
        "token_exposure",
        "error",
    ),
    Fault(
        "token_in_body_base64",
        "exposure",
        "success payloads carry a request_ref member: base64 of 'caller:' and the token",
        "token_exposure",
        "error",
    ),
    Fault(
        "stack_trace_in_error",
        "exposure",
        "validation errors carry a Python traceback naming a server file under /srv",
        "internal_details",
        "warning",
    ),
    # response hardening (D62)
    Fault(
        "cors_any_origin_credentials",
        "response hardening",
        "every answer allows any origin (*) with Access-Control-Allow-Credentials: true",
        "cors_policy",
        "warning",
    ),
    Fault(
        "cache_public_success",
        "response hardening",
        "successful sends are answered Cache-Control: public, max-age=300",
        "shared_cache",
        "warning",
    ),
)

_BY_NAME = {fault.name: fault for fault in FAULTS}


class UnknownFaultError(ValueError):
    """A fault name that is not in the catalogue."""


def fault_names() -> tuple[str, ...]:
    return tuple(fault.name for fault in FAULTS)


def resolve_faults(names: Iterable[str]) -> frozenset[str]:
    """Validate fault names; raise ``UnknownFaultError`` naming the bad one and the fix."""
    chosen = set()
    for name in names:
        if name not in _BY_NAME:
            raise UnknownFaultError(
                f"unknown fault {name!r}; `opentact-conformance mock --list-faults` lists the "
                f"{len(FAULTS)} known names"
            )
        chosen.add(name)
    return frozenset(chosen)
