"""One request/response snapshot, the only thing checks look at."""

from __future__ import annotations

import functools
import json
import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from conformance.model import credentials as carriers
from conformance.model.cases import Case
from conformance.model.jsontext import ParsedJSON, loads_bounded
from conformance.model.redaction import REDACTED, Redactor

__all__ = [
    "KEPT_BODY_BYTES",
    "REDACTED",
    "Exchange",
    "RecordedRequest",
    "RecordedResponse",
    "kept_for_run_level",
    "redact_text",
]

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

    def _body_text(self) -> str:
        return "" if self.body is None else self.body.decode("utf-8", "replace")

    def credentials(self) -> tuple[str, ...]:
        """The credential values this request carries (D54), to redact wherever they appear."""
        return _request_credentials(self)

    def _shown(self, secrets: Sequence[str]) -> tuple[str, list[tuple[str, str]], str | None]:
        """URL, headers and body as an artefact shows them: credentials (D54) and secrets redacted."""
        secrets = (*secrets, *self.credentials())
        query = carriers.query_string(self.query)
        url = f"{self.base_url.rstrip('/')}{self.path}" + (f"?{query}" if query else "")
        headers = [(k, redact_text(carriers.header_value(k, v), secrets)) for k, v in self.headers]
        body = None if self.body is None else redact_text(carriers.body_text(self._body_text()), secrets)
        return redact_text(url, secrets), headers, body

    def to_dict(self, secrets: Sequence[str]) -> dict[str, Any]:
        url, headers, body = self._shown(secrets)
        return {"method": self.method, "url": url, "headers": dict(headers), "body": body}

    def curl(self, secrets: Sequence[str]) -> str:
        url, headers, body = self._shown(secrets)
        parts = ["curl", "-sS", "-X", self.method, shlex.quote(url)]
        for name, value in headers:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        if body is not None:
            parts += ["--data-binary", shlex.quote(body)]
        return " ".join(parts)


@functools.lru_cache(maxsize=256)
def _request_credentials(request: RecordedRequest) -> tuple[str, ...]:
    body = "" if request.body is None else request.body.decode("utf-8", "replace")
    return carriers.exchange_secrets(request.headers, request.query, [body])


def _lean(error: ValueError) -> ValueError:
    """``error`` without what would keep the decoded body alive: the text a ``JSONDecodeError`` holds,
    the traceback (whose frames hold it too) and the exception it was raised from or during (the
    ``StopIteration`` json's scanner raised keeps the frame of ``raw_decode``, the text among its locals)."""
    if isinstance(error, json.JSONDecodeError):
        error.doc = ""
    error.__context__ = error.__cause__ = None
    return error.with_traceback(None)


def _fresh(error: ValueError) -> ValueError:
    """A copy of the cached ``error`` to raise: raising the cached one would give it a traceback whose
    frames hold the response (``self``), a cycle that keeps the body alive until the garbage collector
    runs. The copy keeps the message and the attributes (``lineno``, ``depth``...)."""
    fresh = error.__class__.__new__(error.__class__)
    fresh.args = error.args
    fresh.__dict__.update(error.__dict__)
    return fresh


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
    _credentials: tuple[str, ...] | None = field(default=None, init=False, repr=False, compare=False)

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
            raise _fresh(self._json)
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

    def credentials(self) -> tuple[str, ...]:
        """The credential values (D54) in this response's headers and body; read once (every deviation
        of the exchange asks, and a check may quote any member of the body)."""
        if self._credentials is None:
            body = self.body.decode("utf-8", "replace")
            object.__setattr__(self, "_credentials", carriers.exchange_secrets(self.headers, (), [body]))
        assert self._credentials is not None
        return self._credentials

    def to_dict(self, secrets: Sequence[str]) -> dict[str, Any]:
        text = self.body[:BODY_PREVIEW].decode("utf-8", "replace")
        secrets = (*secrets, *self.credentials())
        return {
            "status": self.status,
            "headers": {
                k: redact_text(carriers.header_value(k, v), secrets) for k, v in self.headers.items()
            },
            "body": redact_text(carriers.body_text(text), secrets),
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

    def credentials(self) -> tuple[str, ...]:
        """The credential values (D54) the request and the response carry."""
        response = () if self.response is None else self.response.credentials()
        return tuple(dict.fromkeys((*self.request.credentials(), *response)))


KEPT_BODY_BYTES = 65_536  # a send answer is a few hundred bytes; the run-level checks need no more


def kept_for_run_level(exchange: Exchange) -> Exchange:
    """The exchange as kept for the run-level checks: an oversized body is cut, so memory stays bounded."""
    response = exchange.response
    if response is None or len(response.body) <= KEPT_BODY_BYTES:
        return exchange
    return replace(exchange, response=replace(response, body=response.body[:KEPT_BODY_BYTES], truncated=True))
