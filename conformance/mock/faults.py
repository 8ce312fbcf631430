"""The mock's fault catalogue: named deviations it can switch on, as data.

Each fault names the check that must catch it, so the suite's self-test reads
"clean mock: nothing; this fault on: exactly this check fires".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["FAULTS", "Fault", "UnknownFaultError", "fault_names", "resolve_faults"]


@dataclass(frozen=True)
class Fault:
    name: str
    category: str
    description: str
    check: str


FAULTS: tuple[Fault, ...] = (
    # response schema
    Fault(
        "to_as_string",
        "response schema",
        "payload.to is a JSON string instead of an integer",
        "response_schema",
    ),
    Fault(
        "uuid_malformed",
        "response schema",
        "payload.uuid is uppercase hex without hyphens, not a UUID",
        "response_schema",
    ),
    Fault(
        "missing_thread",
        "response schema",
        "payload.thread is left out of success responses",
        "response_schema",
    ),
    Fault(
        "type_unknown",
        "response schema",
        "payload.type is 'sms', outside the documented enum",
        "response_schema",
    ),
    Fault(
        "delivered_as_string",
        "response schema",
        'payload.delivered is the string "false", not a boolean',
        "response_schema",
    ),
    Fault(
        "timestamp_no_millis",
        "response schema",
        "created_on/modified_on lose their milliseconds (…:58Z)",
        "response_schema",
    ),
    Fault(
        "missing_type",
        "response schema",
        "payload.type is left out, as the S2 and S3 pages print it (D8)",
        "response_schema",
    ),
    Fault(
        "missing_tn_deleted_on",
        "response schema",
        "payload.tn.deleted_on is left out (a null member dropped); nothing else of S2's tn is shown",
        "response_schema",
    ),
    Fault(
        "from_as_number",
        "response schema",
        "payload.from is a JSON integer instead of a string (D7)",
        "response_schema",
    ),
    Fault(
        "state_outside_enum",
        "response schema",
        "payload.state is 'queued', outside the documented enum (D9)",
        "response_schema",
    ),
    Fault(
        "extra_field",
        "response schema",
        "success payloads carry an undocumented member 'debug_route'",
        "undocumented_fields",
    ),
    # status codes
    Fault(
        "success_status_202",
        "status code",
        "successful sends answer HTTP 202, an undocumented status",
        "status_documented",
    ),
    Fault(
        "validation_as_500",
        "status code",
        "validation errors answer HTTP 500 like the seed's template",
        "rejection_status",
    ),
    Fault(
        "unleased_sender_500",
        "status code",
        "an unleased sender gets HTTP 500 instead of the documented 404",
        "rejection_status",
    ),
    Fault(
        "intermittent_500",
        "status code",
        "a valid send arriving as the 7th, 14th, … request gets HTTP 500; the same request re-sent succeeds",
        "valid_data_rejected",
    ),
    Fault(
        "throttle_without_retry_after",
        "rate limit",
        "every 25th request is answered HTTP 429 without a Retry-After header (D16)",
        "status_documented",
    ),
    # content type and malformed bodies
    Fault("content_type_text", "content type", "success responses are labelled text/plain", "content_type"),
    Fault(
        "html_error_page",
        "content type",
        "404 answers are an HTML page instead of the JSON envelope",
        "content_type",
    ),
    Fault(
        "truncated_json",
        "malformed body",
        "success bodies are cut off in the middle of the JSON",
        "json_body",
    ),
    Fault(
        "nan_in_body",
        "malformed body",
        "success payloads carry a price member whose value is NaN, which is not JSON (D51)",
        "strict_json",
    ),
    Fault(
        "duplicate_member",
        "malformed body",
        'success bodies say "success":false, then "success":true: one member named twice (D51)',
        "strict_json",
    ),
    # response headers
    Fault(
        "location_header",
        "response headers",
        "success responses carry a Location header naming the message, a header no page documents (D36)",
        "meaningful_headers",
    ),
    # error envelope
    Fault("error_success_true", "error envelope", "error envelopes say success:true", "error_envelope"),
    Fault(
        "error_status_mismatch",
        "error envelope",
        "the error body's status differs from the HTTP status",
        "error_envelope",
    ),
    Fault(
        "validation_without_fields",
        "error envelope",
        "validation errors leave out the fields member",
        "error_envelope",
    ),
    # auth
    Fault("auth_not_enforced", "auth", "requests without any credentials are sent", "auth_enforced"),
    Fault("wrong_token_accepted", "auth", "any token value is accepted", "auth_enforced"),
    Fault(
        "jwt_query_ignored",
        "auth",
        "the documented jwt query parameter is refused with 401",
        "valid_data_rejected",
    ),
    Fault(
        "requires_lowercase_names",
        "valid data rejected",
        "only lowercase from/to/message are read; the documented FROM/TO/Message get 400",
        "valid_data_rejected",
    ),
    Fault(
        "wrong_token_403",
        "auth",
        "a presented but wrong token gets HTTP 403 instead of the inferred 401 (D12)",
        "rejection_status",
    ),
    Fault(
        "auth_401_empty",
        "auth",
        "refused credentials get HTTP 401 with an empty body (D12)",
        "json_body",
    ),
    Fault(
        "bearer_refused",
        "auth",
        "the Authorization: Bearer variant is refused with 401 (D12)",
        "valid_data_rejected",
    ),
    Fault(
        "auth_skipped_for_json_body",
        "auth",
        "a request whose send parameters come in a JSON body (S2/S3 forms) is not authenticated at all",
        "auth_enforced",
    ),
    Fault(
        "alg_none_accepted",
        "auth",
        "an unsigned JWT (header alg: none, empty signature) is accepted whatever its claims",
        "auth_enforced",
    ),
    Fault(
        "undocumented_carriers_accepted",
        "auth",
        "the token is also taken from a cookie, from Basic auth and from ?token, ?access_token, ?api_key",
        "auth_enforced",
    ),
    Fault(
        "requires_json_body",
        "valid data rejected",
        "only the S3 JSON body is read; the documented query parameters get 400 (D2)",
        "valid_data_rejected",
    ),
    # negative data accepted
    Fault(
        "accept_letters_in_to",
        "negative data accepted",
        "a TO with letters is accepted and sent",
        "negative_data_accepted",
    ),
    Fault(
        "accept_empty_message",
        "negative data accepted",
        "an empty Message is accepted and sent",
        "negative_data_accepted",
    ),
    Fault(
        "lenient_numbers",
        "negative data accepted",
        "numbers with Unicode digits, surrounding whitespace, a leading + or any length are accepted",
        "negative_data_accepted",
    ),
    Fault(
        "loose_sender_matching",
        "negative data accepted",
        "a sender matches a lease on its last 10 digits and sends from the leased number "
        "(442017771234 or 2017771234 send from 12017771234)",
        "negative_data_accepted",
    ),
    Fault(
        "unleased_sender_sends",
        "negative data accepted",
        "any sender is accepted, leased or not",
        "negative_data_accepted",
    ),
    # valid data rejected
    Fault(
        "reject_long_message",
        "valid data rejected",
        "messages longer than 160 characters are rejected with 400",
        "valid_data_rejected",
    ),
    Fault(
        "leading_zeros_refused",
        "valid data rejected",
        "a number with leading zeros (0014155550100) is refused with 400, as if it had to start 1-9 (D33)",
        "valid_data_rejected",
    ),
    Fault(
        "message_length_in_utf16_units",
        "valid data rejected",
        "Message length is counted in UTF-16 code units (JavaScript's length): 918 emoji get 400 (D35)",
        "valid_data_rejected",
    ),
    # request parsing
    Fault(
        "to_read_like_parseint",
        "request parsing",
        "TO is read like JavaScript parseInt: its leading digits; junk after them (14155550100abc) is "
        "ignored (D33)",
        "negative_data_accepted",
    ),
    Fault(
        "to_read_as_number",
        "request parsing",
        "TO is read like JavaScript Number(): decimal and exponent forms of a whole number (1.41555501e10) "
        "are accepted (D33)",
        "negative_data_accepted",
    ),
    Fault(
        "repeated_parameter_500",
        "request parsing",
        "a parameter given twice (TO=a&TO=b) arrives as a list and crashes the handler: HTTP 500 (D34)",
        "rejection_status",
    ),
    # semantic echo
    Fault(
        "echo_non_ascii_mangled",
        "semantic echo",
        "non-ASCII message text is echoed mis-decoded (UTF-8 read as Latin-1)",
        "semantic_echo",
    ),
    Fault(
        "echo_to_drops_country_code",
        "semantic echo",
        "payload.to drops the leading country code 1",
        "semantic_echo",
    ),
    Fault(
        "tn_not_sender",
        "semantic echo",
        "payload.tn.tn is a different number from the sender",
        "semantic_echo",
    ),
    Fault(
        "state_not_created",
        "semantic echo",
        "a fresh message is reported as state 'success' and delivered",
        "message_state",
    ),
    Fault(
        "type_status_mismatch",
        "semantic echo",
        "HTTP 200 answers carry type 'smsr', the type documented for 201 (D6)",
        "message_state",
    ),
    Fault(
        "automated_true",
        "semantic echo",
        "a fresh message says automated: true (D9)",
        "message_state",
    ),
    # timestamps
    Fault("modified_before_created", "timestamps", "modified_on is earlier than created_on", "timestamps"),
    Fault(
        "stale_timestamps",
        "timestamps",
        "created_on/modified_on are in 2001, not the time of the send",
        "timestamps",
    ),
    # latency
    Fault("slow_responses", "latency", "every 10th send is answered after a 400 ms delay", "response_time"),
    # across the run (run-level checks, and the validation echo)
    Fault(
        "shared_state_race",
        "concurrency",
        "valid sends share one slot: a send answered while another is in flight describes the other one",
        "semantic_echo",
    ),
    Fault(
        "uuid_from_content",
        "across the run",
        "payload.uuid is derived from sender, destination and text, so equal sends share one uuid",
        "uuid_unique",
    ),
    Fault(
        "flaky_backend_500",
        "across the run",
        "every 4th send request is answered HTTP 500 whatever it holds (a flaky backend)",
        "equal_requests_same_outcome",
    ),
    Fault(
        "thread_per_message",
        "across the run",
        "payload.thread is new for every message, even between the same two numbers",
        "thread_per_pair",
    ),
    Fault(
        "lease_deleted",
        "across the run",
        "payload.tn.deleted_on is a day before the send: the lease that sent is reported deleted",
        "lease_live",
    ),
    Fault(
        "automated_alternates",
        "across the run",
        "payload.automated is true on every second accepted send",
        "automated_consistent",
    ),
    Fault(
        "local_time_as_utc",
        "across the run",
        "created_on/modified_on are local time (UTC+2) labelled Z",
        "clock_matches_date",
    ),
    Fault(
        "field_value_null",
        "across the run",
        "validation errors give fields.*.value as null instead of the rejected value",
        "field_value_echo",
    ),
    # the message after the send: GET /rest/sms/outbound/{uuid} (conformance.mock.life, D66-D68)
    Fault(
        "silent_drop",
        "life cycle",
        "from the 11th accepted send on, the send answers 200 but nothing is kept: the lookup says 404",
        "lifecycle_found",
    ),
    Fault(
        "stored_differs",
        "life cycle",
        "the lookup shows the text with ' (edited)' appended and `to` with its last digit changed",
        "lifecycle_stored_as_sent",
    ),
    Fault(
        "state_goes_back",
        "life cycle",
        "once a message succeeded, every second lookup of it reads state 'sending' (not delivered) again",
        "lifecycle_state_order",
    ),
    Fault(
        "delivered_early",
        "life cycle",
        "the lookup shows delivered true from the start, and the message never leaves 'sending'",
        "lifecycle_delivered",
    ),
    Fault(
        "reference_id_missing",
        "life cycle",
        "reference_id stays null once the message is sending",
        "lifecycle_reference_id",
    ),
    Fault(
        "modified_on_back",
        "life cycle",
        "the lookup's modified_on lies one minute before the send's",
        "lifecycle_timestamps",
    ),
    Fault(
        "lookup_without_auth",
        "life cycle",
        "the lookup answers 200 without any credential",
        "lifecycle_lookup_auth",
    ),
    Fault(
        "foreign_message_readable",
        "life cycle",
        "a message of one account is readable with the other account's token",
        "lifecycle_foreign_message",
    ),
    Fault(
        "field_value_cut",
        "across the run",
        "validation errors give a rejected value longer than 40 characters cut to its first 40 (D63: info)",
        "field_value_echo",
    ),
    # what a response reveals (D61)
    Fault(
        "token_in_header",
        "exposure",
        "every answer carries the presented token in an X-Request-Context header",
        "token_exposure",
    ),
    Fault(
        "token_in_body_base64",
        "exposure",
        "success payloads carry a request_ref member: base64 of 'caller:' and the token",
        "token_exposure",
    ),
    Fault(
        "stack_trace_in_error",
        "exposure",
        "validation errors carry a Python traceback naming a server file under /srv",
        "internal_details",
    ),
    # response hardening (D62)
    Fault(
        "cors_any_origin_credentials",
        "response hardening",
        "every answer allows any origin (*) with Access-Control-Allow-Credentials: true",
        "cors_policy",
    ),
    Fault(
        "cache_public_success",
        "response hardening",
        "successful sends are answered Cache-Control: public, max-age=300",
        "shared_cache",
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
