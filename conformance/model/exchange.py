"""One request/response snapshot, the only thing checks look at."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from conformance.model.cases import Case

__all__ = ["REDACTED", "Exchange", "RecordedRequest", "RecordedResponse", "redact_text"]

REDACTED = "***REDACTED***"
BODY_PREVIEW = 4096
_NOT_JSON = object()


def redact_text(text: str, secrets: Sequence[str]) -> str:
    """Replace every occurrence of every secret (and its URL-encoded form) by a marker."""
    for secret in secrets:
        if not secret:
            continue
        text = text.replace(secret, REDACTED)
        encoded = urlencode({"x": secret})[2:]
        if encoded != secret:
            text = text.replace(encoded, REDACTED)
    return text


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    base_url: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    @property
    def url(self) -> str:
        query = urlencode(list(self.query))
        return f"{self.base_url.rstrip('/')}{self.path}" + (f"?{query}" if query else "")

    def to_dict(self, secrets: Sequence[str]) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": redact_text(self.url, secrets),
            "headers": {k: redact_text(v, secrets) for k, v in self.headers},
            "body": None if self.body is None else redact_text(self.body.decode("utf-8", "replace"), secrets),
        }

    def curl(self, secrets: Sequence[str]) -> str:
        parts = ["curl", "-sS", "-X", self.method, shlex.quote(redact_text(self.url, secrets))]
        for name, value in self.headers:
            parts += ["-H", shlex.quote(f"{name}: {redact_text(value, secrets)}")]
        if self.body is not None:
            parts += [
                "--data-binary",
                shlex.quote(redact_text(self.body.decode("utf-8", "replace"), secrets)),
            ]
        return " ".join(parts)


@dataclass(frozen=True)
class RecordedResponse:
    status: int
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    elapsed_ms: float
    truncated: bool = False  # the body was longer than the client keeps
    _json: Any = field(default=_NOT_JSON, repr=False, compare=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        """The parsed body; raises ``ValueError`` when it is not JSON."""
        if self._json is _NOT_JSON:
            parsed = json.loads(self.body.decode("utf-8"))
            object.__setattr__(self, "_json", parsed)
        return self._json

    def json_or_none(self) -> Any:
        try:
            return self.json()
        except ValueError:
            return None

    def to_dict(self, secrets: Sequence[str]) -> dict[str, Any]:
        text = self.body[:BODY_PREVIEW].decode("utf-8", "replace")
        return {
            "status": self.status,
            "headers": {k: redact_text(v, secrets) for k, v in self.headers.items()},
            "body": redact_text(text, secrets),
            "body_truncated": self.truncated or len(self.body) > BODY_PREVIEW,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


@dataclass(frozen=True)
class Exchange:
    """A case, the request that went out, and what came back (or the transport error)."""

    case: Case
    request: RecordedRequest
    response: RecordedResponse | None
    error: str | None = None
    sent_at: datetime | None = None  # UTC wall clock when the request went out

    @property
    def sent(self) -> dict[str, str]:
        return dict(self.request.query)
