"""One request/response snapshot, the only thing checks look at."""

from __future__ import annotations

import functools
import json
import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from conformance.model.cases import Case
from conformance.model.jsontext import ParsedJSON, loads_bounded
from conformance.model.redaction import REDACTED, Redactor

__all__ = ["REDACTED", "Exchange", "RecordedRequest", "RecordedResponse", "redact_text"]

BODY_PREVIEW = 4096
_NOT_JSON = object()


@functools.lru_cache(maxsize=8)
def _redactor(secrets: tuple[str, ...]) -> Redactor:
    return Redactor(secrets)


def redact_text(text: str, secrets: Sequence[str]) -> str:
    """Replace every form of every secret (raw, case-changed, encoded: see ``Redactor``) by a marker."""
    return _redactor(tuple(secrets)).text(text)


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


def _lean(error: ValueError) -> ValueError:
    """``error`` without what would keep the decoded body alive: the text a ``JSONDecodeError`` holds
    and the traceback (whose frames hold it too)."""
    if isinstance(error, json.JSONDecodeError):
        error.doc = ""
    return error.with_traceback(None)


@dataclass(frozen=True)
class RecordedResponse:
    status: int
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    elapsed_ms: float
    truncated: bool = False  # the body was longer than the client keeps
    headers_dropped: int = 0  # headers past the client's caps (count, size), not kept
    # the parse, or why there is none, cached: every check reads it (not copied by ``replace``)
    _json: Any = field(default=_NOT_JSON, init=False, repr=False, compare=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def parsed(self) -> ParsedJSON:
        """The parsed body, unpaired surrogates replaced; raises ``ValueError`` when it is not
        JSON, and ``JSONTooDeepError`` (a ``ValueError``) when it is nested past the limit.

        Parsed once: the result is cached, and so is a failure (every check of the exchange asks).
        """
        if self._json is _NOT_JSON:
            try:
                result: ParsedJSON | ValueError = loads_bounded(self.body.decode("utf-8"))
            except ValueError as exc:
                result = _lean(exc)
            object.__setattr__(self, "_json", result)
        if isinstance(self._json, ValueError):
            raise self._json.with_traceback(None)
        assert isinstance(self._json, ParsedJSON)
        return self._json

    def json(self) -> Any:
        """The parsed body; raises ``ValueError`` when it is not (usable) JSON."""
        return self.parsed().value

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
            "elapsed_ms": round(self.elapsed_ms, 1) if math.isfinite(self.elapsed_ms) else None,
            **({"headers_dropped": self.headers_dropped} if self.headers_dropped else {}),
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
