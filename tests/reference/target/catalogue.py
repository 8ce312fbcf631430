"""The reference server's own deviations: realistic mistakes of a real server, switchable by name.

Each has a one-line description and the severity ``spec/DECISIONS.md`` gives a target that behaves
this way, with the entry it follows. Where DECISIONS has no entry yet (issue 9 asks for one), the
``basis`` says so and gives the reading the severity rests on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["CATALOGUE", "SEVERITIES", "Deviation", "UnknownDeviationError", "resolve"]

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Deviation:
    """One switchable departure from the documented behaviour."""

    name: str
    category: str
    description: str
    severity: str  # what DECISIONS gives it: error | warning | info
    basis: str  # the DECISIONS entry (and the line of it) the severity follows

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"deviation {self.name}: severity {self.severity!r} not in {SEVERITIES}")


class UnknownDeviationError(ValueError):
    """A deviation name that is not in the catalogue."""


_ENTRIES = (
    # --- the message text as echoed (D15: payload.message equals Message, code point for code point)
    Deviation(
        "echo_html_escaped",
        "echo",
        "payload.message is HTML-escaped (& < > \" ' become entities)",
        "error",
        "D15: error (semantic_echo) when an echoed value differs from what was sent",
    ),
    Deviation(
        "echo_trims_whitespace",
        "echo",
        "payload.message has leading and trailing whitespace stripped",
        "error",
        "D15: error (semantic_echo) when an echoed value differs from what was sent",
    ),
    Deviation(
        "echo_drops_cr",
        "echo",
        "CRLF line breaks in the message are stored and echoed as LF",
        "error",
        "D15: error (semantic_echo) when an echoed value differs from what was sent",
    ),
    Deviation(
        "echo_plus_as_space",
        "echo",
        "a literal '+' in Message (sent as %2B) is decoded a second time, as a space",
        "error",
        "D15: error (semantic_echo) when an echoed value differs from what was sent",
    ),
    Deviation(
        "echo_nfc_normalised",
        "echo",
        "the message is NFC-normalised (e + U+0301 comes back as U+00E9)",
        "error",
        "D15: error (semantic_echo); D5 counts the text in code points, so normalising changes it",
    ),
    # --- the length and content of valid texts (D5: 1..918 code points are valid)
    Deviation(
        "echo_strips_zero_width",
        "echo",
        "zero-width characters (ZWJ U+200D, ZWNJ, ZWSP, BOM) are removed from the message",
        "error",
        "D15: error (semantic_echo) when an echoed value differs from what was sent",
    ),
    Deviation(
        "length_in_utf8_bytes",
        "length",
        "Message is limited to 918 UTF-8 bytes, not 918 characters",
        "error",
        "D5: error (valid_data_rejected) when any length from 1 to 918 is refused",
    ),
    Deviation(
        "length_in_utf16_units",
        "length",
        "Message is limited to 918 UTF-16 code units (astral characters count 2)",
        "error",
        "D5: error (valid_data_rejected) when any length from 1 to 918 is refused",
    ),
    Deviation(
        "gsm_extension_counted_double",
        "length",
        "GSM-7 extension characters ({ } [ ] ~ \\ ^ | €) count 2 toward the 918 limit",
        "error",
        "D5: error (valid_data_rejected) when any length from 1 to 918 (code points) is refused",
    ),
    Deviation(
        "url_limit_414",
        "length",
        "a front proxy answers 414 (HTML page) when the request target exceeds 8 KiB",
        "error",
        "D5: error (valid_data_rejected) for a refused 918-character text; D14 error for a non-JSON body",
    ),
    Deviation(
        "rejects_control_chars",
        "length",
        "a Message containing a control character (LF, CR, TAB) gets 400",
        "error",
        "D5: error (valid_data_rejected): any text of 1 to 918 code points is valid",
    ),
    Deviation(
        "no_length_limit",
        "length",
        "Message has no upper bound: 919 and more characters are sent",
        "warning",
        "D5: warning (negative_data_accepted) when a Message longer than 918 is accepted",
    ),
    # --- reading FROM and TO (D4: ^[0-9]{3,15}$)
    Deviation(
        "to_parse_int_prefix",
        "numbers",
        "TO is read like JavaScript parseInt: 14155550100abc is sent to 14155550100",
        "error",
        "D4: error (negative_data_accepted) when a number with letters is accepted",
    ),
    Deviation(
        "accepts_plus_prefix",
        "numbers",
        "an E.164 '+' before FROM or TO is accepted and dropped",
        "warning",
        "D4: warning (negative_data_accepted) when a '+'-prefixed number is accepted",
    ),
    Deviation(
        "missing_from_uses_pool",
        "numbers",
        "a request without FROM is sent from the account's first number",
        "error",
        "D4: error (negative_data_accepted) when a missing FROM is accepted",
    ),
    # --- identifiers across sends (D10; run-level rules of issue 9)
    Deviation(
        "uuid_from_pair",
        "identifiers",
        "payload.uuid is derived from (from, to): a repeated pair gets the same uuid",
        "error",
        "D10 uuid identifies one message (S4 GetSMSByUUID); run-level uniqueness, issue 9 (entry pending)",
    ),
    Deviation(
        "thread_per_send",
        "identifiers",
        "payload.thread is random per send, so one (from, to) pair gets many threads",
        "warning",
        "D10 leaves thread-per-pair unasserted: an inference, so warning at most (entry pending)",
    ),
    # --- availability
    Deviation(
        "intermittent_500",
        "availability",
        "every 7th valid send is answered HTTP 500 without being sent",
        "error",
        "D11: error for any other 5xx; issue 9: a 5xx on a valid request never ends below error",
    ),
    Deviation(
        "throttle_without_retry_after",
        "availability",
        "every 25th request gets HTTP 429 with no Retry-After",
        "info",
        "D16: info (status_documented) for a 429 without Retry-After",
    ),
    # --- timestamps (D10: ISO-8601 UTC, three fractional digits, Z)
    Deviation(
        "local_time_labelled_z",
        "timestamps",
        "created_on/modified_on are the server's UTC-5 wall clock labelled Z",
        "error",
        "D10: timestamps are in UTC with Z; the Date header shows the 5 h offset (tolerance pending)",
    ),
    Deviation(
        "timestamp_offset_not_z",
        "timestamps",
        "timestamps end in +00:00 instead of Z (Python isoformat)",
        "error",
        "D10: error (response_schema) for a malformed timestamp",
    ),
    # --- payload members (D7, D9, D8)
    Deviation(
        "automated_true",
        "payload",
        "a fresh message says automated: true",
        "warning",
        "D9: warning (message_state) for delivered or automated true in the send response",
    ),
    Deviation(
        "deleted_on_set",
        "payload",
        "payload.tn.deleted_on is a past timestamp on the lease that just sent",
        "error",
        "D11: an unleased sender gets 404, so a deleted lease cannot send (run-level entry pending)",
    ),
    Deviation(
        "from_as_integer",
        "payload",
        "payload.from is a JSON integer instead of a string",
        "error",
        "D7: error (response_schema) for from as a number",
    ),
    # --- statuses (D6, D11)
    Deviation(
        "success_201_smso",
        "status",
        "successful sends answer 201 with type smso (the 200 tab's type)",
        "warning",
        "D6: warning (message_state) when 200 or 201 carries the other status's type",
    ),
    Deviation(
        "validation_422",
        "status",
        "validation failures answer HTTP 422 with the envelope (status 422)",
        "error",
        "D11: error (rejection_status) for any other 4xx than 400",
    ),
    # --- auth (D12)
    Deviation(
        "token_case_insensitive",
        "auth",
        "the token is compared case-insensitively: the real token with its case flipped is accepted",
        "error",
        "D12: error (auth_enforced) for a 2xx with a wrong token",
    ),
    Deviation(
        "wrong_token_403",
        "auth",
        "a presented but wrong token gets HTTP 403 (envelope status 403)",
        "warning",
        "D12: warning (rejection_status) for 403 instead of 401",
    ),
    Deviation(
        "auth_401_empty_body",
        "auth",
        "401 responses have an empty body and no Content-Type",
        "warning",
        "D12: warning (error_envelope) when the 401 body departs from the envelope",
    ),
    # --- the error envelope (D11)
    Deviation(
        "field_value_null",
        "envelope",
        "fields.*.value is null instead of the rejected value",
        "error",
        "D11 fields entries hold message and value; S1 echoes 'qwerty123456789' (check pending)",
    ),
    Deviation(
        "meta_as_object",
        "envelope",
        "error envelopes carry meta as an empty object",
        "error",
        "D11: meta is optional, a string or null (response_schema)",
    ),
    Deviation(
        "fields_unprefixed_keys",
        "envelope",
        "validation fields are keyed 'to' instead of 'params.to'",
        "error",
        "D11: fields keyed params.<name> (response_schema)",
    ),
    # --- headers
    Deviation(
        "location_header",
        "headers",
        "success responses carry a Location header naming the message",
        "warning",
        "D36: an undocumented Location off a 201 changes what a client does (meaningful_headers)",
    ),
)

CATALOGUE: dict[str, Deviation] = {d.name: d for d in _ENTRIES}
if len(CATALOGUE) != len(_ENTRIES):  # pragma: no cover - a typo in the table above
    raise RuntimeError("duplicate deviation name in the reference catalogue")


def resolve(names: Iterable[str]) -> frozenset[str]:
    """The names, checked against the catalogue; an unknown one names the known ones."""
    chosen = frozenset(names)
    unknown = sorted(chosen - CATALOGUE.keys())
    if unknown:
        raise UnknownDeviationError(
            f"unknown reference deviation(s) {unknown}; known: {', '.join(sorted(CATALOGUE))}"
        )
    return chosen
