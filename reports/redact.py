"""Defensive redaction of credentials in request/response evidence shown by the reports.

The engine already redacts every known secret before it writes ``results.json``. The
reports do not know the secrets, so they mask by *shape* instead: values of credential
headers, credential query parameters, and the same two in curl lines. Masking only ever
removes text; it never adds anything from elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["MASK", "SENSITIVE_HEADERS", "SENSITIVE_PARAMS", "mask_header", "mask_headers", "mask_text"]

MASK = "***REDACTED***"  # the model's REDACTED: reports import only conformance.model.results

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-auth-token",
        "x-api-key",
        "api-key",
        "cookie",
        "set-cookie",
    }
)
SENSITIVE_PARAMS = frozenset({"jwt", "token", "access_token", "api_key", "apikey", "auth_token"})

_HEADER_NAMES = "|".join(re.escape(name) for name in sorted(SENSITIVE_HEADERS))
_PARAM_NAMES = "|".join(re.escape(name) for name in sorted(SENSITIVE_PARAMS))
# "X-Auth-Token: value" up to the end of the line or the closing quote of a curl argument.
_HEADER_LINE = re.compile(rf"(?im)\b((?:{_HEADER_NAMES})\s*:[ \t]*)([^'\"\r\n]+)")
# "?jwt=value" / "&token=value" in URLs, curl lines and form bodies.
_QUERY_PARAM = re.compile(rf"(?i)((?:^|[?&\s'\"])(?:{_PARAM_NAMES})=)([^&\s'\"#]+)")


def mask_header(name: str, value: str) -> str:
    """The value to show for one header: masked when the header carries credentials."""
    return MASK if name.strip().lower() in SENSITIVE_HEADERS and value else value


def mask_headers(headers: Mapping[str, object]) -> list[tuple[str, str]]:
    """Headers as (name, shown value) pairs in their recorded order, credentials masked."""
    return [(str(name), mask_text(mask_header(str(name), str(value)))) for name, value in headers.items()]


def mask_text(text: str) -> str:
    """Mask credential headers and credential query parameters inside free text (URLs, curl lines)."""
    if not text:
        return text
    text = _HEADER_LINE.sub(lambda m: m.group(1) + (MASK if m.group(2).strip() else m.group(2)), text)
    return _QUERY_PARAM.sub(lambda m: m.group(1) + MASK, text)
