"""A curl line a stranger can run: the token read from an environment variable, a live address.

``results.json`` keeps each request with its credentials replaced by a redaction marker, and, for
the embedded mock, the address of a mock that is gone after the run. ``runnable_curl`` rebuilds the
request as a curl command in which every credential is ``"$VARIABLE"`` (the variable the target's
profile names) and, given ``base_url``, the scheme, host and port are that address instead.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from reports.redact import MASK, SENSITIVE_HEADERS, SENSITIVE_PARAMS

__all__ = ["runnable_curl"]

# headers curl sets itself, or that only describe the recorded transfer
_LEFT_OUT = frozenset({"host", "content-length", "user-agent", "accept-encoding", "connection"})
_QUERY_SECRET = re.compile(rf"(?i)((?:^|[?&])(?:{'|'.join(sorted(SENSITIVE_PARAMS))})=)([^&#]*)")
_SAFE_IN_DOUBLE_QUOTES = re.compile(r'^[^"$`\\!]*$')
_NAME_CHAR = re.compile(r"[A-Za-z0-9_]")


def _argument(text: str, variable: str) -> str:
    """``text`` quoted for a POSIX shell, each redaction marker becoming ``$variable``."""
    if MASK not in text:
        return shlex.quote(text)
    parts = text.split(MASK)
    if all(_SAFE_IN_DOUBLE_QUOTES.match(part) for part in parts):
        braced = any(_NAME_CHAR.match(part) for part in parts[1:])  # "$VARx" would name another variable
        reference = f"${{{variable}}}" if braced else f"${variable}"
        return '"' + reference.join(parts) + '"'
    return f'"${variable}"'.join(shlex.quote(part) if part else "" for part in parts)


def _url(url: str, base_url: str | None) -> str:
    url = _QUERY_SECRET.sub(lambda m: m.group(1) + (MASK if m.group(2) else ""), url)
    if not base_url:
        return url
    recorded, live = urlsplit(url), urlsplit(base_url)
    prefix = live.path.rstrip("/")
    return urlunsplit((live.scheme, live.netloc, prefix + recorded.path, recorded.query, recorded.fragment))


def _body(body: Any) -> str | None:
    if body is None or body == "":
        return None
    if isinstance(body, str):
        return body
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def runnable_curl(request: Mapping[str, Any], variable: str, base_url: str | None = None) -> str:
    """The request as one curl command; credentials are ``"$variable"``, never a value or a marker."""
    method = str(request.get("method") or "GET")
    args = ["curl", "-sS", "-i", "-X", shlex.quote(method)]
    args.append(_argument(_url(str(request.get("url", "")), base_url), variable))
    headers = request.get("headers")
    if isinstance(headers, Mapping):
        for name, value in headers.items():
            lowered = str(name).lower()
            if lowered in _LEFT_OUT:
                continue
            shown = MASK if lowered in SENSITIVE_HEADERS and value else str(value)
            if lowered == "authorization" and str(value).lower().startswith("bearer "):
                shown = f"Bearer {MASK}"
            args += ["-H", _argument(f"{name}: {shown}", variable)]
    body = _body(request.get("body"))
    if body is not None:
        args += ["--data-binary", _argument(body, variable)]
    return " ".join(args)
