"""What the validating proxy changes on the wire, and what it keeps of an exchange (D40).

A reverse proxy must drop the hop-by-hop headers (RFC 9110 §7.6.1: ``Connection`` and the headers it
names, ``Keep-Alive``, ``Proxy-*``, ``TE``, ``Trailer``, ``Transfer-Encoding``, ``Upgrade``) and
frame each hop itself; everything else passes unchanged, in order and in its original case. The
``Host`` header is the one end-to-end header rewritten: it names the upstream, as the application
would have sent it without the proxy. ``ProxyRecord`` is one exchange as the proxy saw it, bodies
kept up to the suite's cap (``MAX_BODY_BYTES``) while the whole body passes through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conformance.engine.sending.client import MAX_BODY_BYTES

__all__ = [
    "HOP_BY_HOP",
    "MAX_BODY_BYTES",
    "BodyKeeper",
    "ProxyRecord",
    "end_to_end",
    "request_headers_upstream",
]

Headers = list[tuple[bytes, bytes]]

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)


def end_to_end(headers: Headers) -> Headers:
    """``headers`` without the hop-by-hop ones (and those ``Connection`` names), order and case kept."""
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.split(b",")
    }
    return [(n, v) for n, v in headers if n.lower() not in HOP_BY_HOP and n.lower() not in named]


def request_headers_upstream(headers: Headers, authority: str) -> tuple[Headers, bool]:
    """The request headers for the upstream hop, and whether its body goes chunked.

    ``Host`` is rewritten in place (added first when missing); a client's chunked body is framed
    chunked again for the upstream hop (the client's ``Transfer-Encoding`` is hop-by-hop).
    """
    chunked = any(n.lower() == b"transfer-encoding" and b"chunked" in v.lower() for n, v in headers)
    kept = end_to_end(headers)
    host = authority.encode("ascii")
    if any(n.lower() == b"host" for n, _ in kept):
        kept = [(n, host) if n.lower() == b"host" else (n, v) for n, v in kept]
    else:
        kept.insert(0, (b"Host", host))
    if chunked:
        kept = [(n, v) for n, v in kept if n.lower() != b"content-length"]
        kept.append((b"Transfer-Encoding", b"chunked"))
    return kept, chunked


class BodyKeeper:
    """The first ``limit`` bytes of a body that passes through whole; counts the rest."""

    def __init__(self, limit: int = MAX_BODY_BYTES) -> None:
        self.limit = limit
        self.size = 0
        self._chunks: list[bytes] = []
        self._kept = 0

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        room = self.limit - self._kept
        if room > 0 and chunk:
            piece = chunk[:room]
            self._chunks.append(piece)
            self._kept += len(piece)

    @property
    def truncated(self) -> bool:
        return self.size > self.limit

    def kept(self) -> bytes:
        return b"".join(self._chunks)


@dataclass(frozen=True)
class ProxyRecord:
    """One request the proxy forwarded (or failed to), as seen on both hops.

    ``status`` is None when no response reached the client from the upstream: ``error`` says why
    (``upstream``: the upstream failed, the client got a 502/504; ``client``: the client went away
    mid-request). Header names keep their case; bodies are cut at ``MAX_BODY_BYTES``.
    """

    method: str
    url: str  # the upstream URL the request went to
    request_headers: tuple[tuple[str, str], ...]  # as forwarded (Host rewritten, hop-by-hop gone)
    request_body: bytes
    request_truncated: bool
    status: int | None
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes
    response_truncated: bool
    started_at: datetime
    elapsed_ms: float
    error: str = ""
    error_side: str = ""  # "", "upstream" or "client"


def text_headers(headers: Headers) -> tuple[tuple[str, str], ...]:
    """Header bytes as text (latin-1: every byte survives, as HTTP/1.1 allows)."""
    return tuple((n.decode("latin-1"), v.decode("latin-1")) for n, v in headers)
