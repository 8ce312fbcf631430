"""A response body read within a size limit and a deadline, its content codings undone here.

httpx would decode a whole network chunk at once (a 64 KiB chunk of a compressed bomb inflates to
tens of MiB, one more per coding stacked on it). So the body is read raw (``iter_raw``) and each
coding is undone with zlib's ``max_length``: no step produces more than the limit, and the body kept
is cut at ``limit`` bytes. ``Content-Encoding`` may stack codings; more than ``MAX_CODINGS`` is
refused before anything is decoded (``deflate, deflate, ...`` 12,000 times would hold 12,000
inflaters). gzip and deflate are decoded (what the client offers); other codings are left as they
came, as httpx leaves what it cannot decode. Failures are httpx's own exceptions, so the
``transport`` deviation names them as it names every other failure.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable

import httpx

__all__ = ["ACCEPT_ENCODING", "MAX_CODINGS", "BoundedBody", "read_body"]

ACCEPT_ENCODING = "gzip, deflate"  # what is decoded here; offered with every request that names none
MAX_CODINGS = 5  # decodable codings stacked on one body (urllib3 draws its line at five as well)
_DECODED = ("gzip", "deflate")


def read_body(response: httpx.Response, *, limit: int, deadline: float) -> tuple[bytes, bool]:
    """The decoded body, at most ``limit`` bytes, and whether it was cut there.

    Raises ``httpx.DecodingError`` (a broken coding, too many codings) and ``httpx.ReadTimeout`` when
    ``deadline`` (``time.monotonic()``) passes while the body still arrives."""
    if response.is_stream_consumed:  # built in memory with its content (a test's stand-in): httpx decoded it
        whole = BoundedBody((), limit)
        truncated = whole.feed(response.content)
        return whole.body(), truncated
    kept = BoundedBody(response.headers.get_list("content-encoding", split_commas=True), limit)
    for chunk in response.iter_raw():
        if kept.feed(chunk):  # past the limit: the rest is never read
            return kept.body(), True
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the request's total deadline passed")
    truncated = kept.finish()
    return kept.body(), truncated


class _Layer:
    """One content coding undone, its output bounded per call."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.first = True
        self.inflate = zlib.decompressobj(zlib.MAX_WBITS | 16 if coding == "gzip" else zlib.MAX_WBITS)

    def feed(self, data: bytes, cap: int) -> bytes:
        first, self.first = self.first, False
        try:
            return self.inflate.decompress(data, cap)
        except zlib.error as exc:
            if first and self.coding == "deflate":  # deflate without its zlib wrapper, as browsers take it
                self.inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(data, cap)
            raise httpx.DecodingError(str(exc)) from None

    def flush(self) -> bytes:
        try:
            return self.inflate.flush()
        except zlib.error as exc:  # pragma: no cover - flush of a decompressobj raises only on bad input
            raise httpx.DecodingError(str(exc)) from None

    @property
    def backed_up(self) -> bool:
        return bool(self.inflate.unconsumed_tail)


class BoundedBody:
    """A body decoded as it arrives (``codings`` as ``Content-Encoding`` lists them, in the order
    applied) and kept up to ``limit`` bytes; a decoding step past the limit ends it."""

    def __init__(self, codings: Iterable[str], limit: int) -> None:
        applied = [coding for coding in (c.strip().lower() for c in codings) if coding in _DECODED]
        if len(applied) > MAX_CODINGS:
            raise httpx.DecodingError(
                f"{len(applied)} content codings stacked on one body; at most {MAX_CODINGS} are undone"
            )
        self.layers = [_Layer(coding) for coding in reversed(applied)]
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0

    def feed(self, data: bytes) -> bool:
        """Take a chunk; True once the decoded body passed the limit."""
        for layer in self.layers:
            data = layer.feed(data, self.limit + 1)
            if layer.backed_up:
                return self._keep(data, over=True)
        return self._keep(data)

    def finish(self) -> bool:
        """The end of the body: what each decoding step still holds. True if it passed the limit."""
        data = b""
        for layer in self.layers:
            if data:
                data = layer.feed(data, self.limit + 1)
                if layer.backed_up:
                    return self._keep(data, over=True)
            data += layer.flush()
        return self._keep(data)

    def _keep(self, data: bytes, *, over: bool = False) -> bool:
        room = self.limit - self.size
        if len(data) > room:  # only what fits is kept: the body is never held twice past the limit
            data, over = data[:room], True
        self.chunks.append(data)
        self.size += len(data)
        return over

    def body(self) -> bytes:
        return b"".join(self.chunks)
