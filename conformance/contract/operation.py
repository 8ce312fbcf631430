"""The operations the suite tests, as plain constants: importable without jsonschema.

The send (``POST /rest/sms``, S1) and the lookup of a sent message by its uuid (``GET
/rest/sms/outbound/{uuid}``, S4, D66), which the life-cycle phase reads (D67)."""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["LOOKUP_METHOD", "LOOKUP_PATH", "OPERATION_METHOD", "OPERATION_PATH", "lookup_path"]

OPERATION_PATH = "/rest/sms"
OPERATION_METHOD = "post"
LOOKUP_PATH = "/rest/sms/outbound/{uuid}"
LOOKUP_METHOD = "get"


def lookup_path(uuid: str) -> str:
    """The lookup's path for one message (the uuid percent-encoded: a target's uuid is not trusted)."""
    return LOOKUP_PATH.replace("{uuid}", quote(uuid, safe=""))
