"""Tokens derived from the real one: near misses a server that compares credentials loosely would accept.

A random wrong token only proves that *some* token is refused. A token one character away from the
real one, the real one with its case flipped, cut short or extended, and for JWTs the real token with
its signature stripped, re-signed with ``alg: none`` or with an ``exp`` in the past, prove that the
server compares the whole credential and verifies its signature. Every derived token is as secret as
the real one (most of it *is* the real one): callers must register them for redaction.
"""

from __future__ import annotations

import base64
import binascii
import json

from strategies._plain import invalid_argument, is_jwt_shaped

__all__ = ["DERIVED_TOKEN_KINDS", "JWT_ONLY_KINDS", "derive_token", "derived_token_kinds", "derived_tokens"]

#: Every kind, in sending order. The JWT-only kinds need a ``header.payload.signature`` token.
DERIVED_TOKEN_KINDS: tuple[str, ...] = (
    "case_flipped",
    "one_char_changed",
    "truncated",
    "extended",
    "signature_stripped",
    "alg_none",
    "expired",
)
JWT_ONLY_KINDS: frozenset[str] = frozenset({"signature_stripped", "alg_none", "expired"})
#: 2001-09-09T01:46:40Z: an ``exp`` long past, whatever the token's own dates.
_LONG_AGO = 1_000_000_000


def _b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jwt_claims(token: str) -> dict[str, object] | None:
    """The payload of a JWT-shaped token as a JSON object, or None when it is not one."""
    try:
        claims = json.loads(_b64url_decode(token.split(".")[1]))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def _changed(character: str) -> str:
    """A different character of the same class (digit, lower, upper), so the shape stays plausible."""
    for alphabet in ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        if character in alphabet:
            return alphabet[(alphabet.index(character) + 1) % len(alphabet)]
    return "A" if character != "A" else "B"


def _one_char_changed(real: str) -> str:
    # In a JWT the change goes in the middle of the signature: its last character may carry only padding
    # bits, which a lenient base64 decoder ignores; the middle never does.
    start = real.rindex(".") + 1 if is_jwt_shaped(real) and not real.endswith(".") else 0
    position = start + (len(real) - start) // 2
    return real[:position] + _changed(real[position]) + real[position + 1 :]


def derived_token_kinds(real: str) -> tuple[str, ...]:
    """The kinds that make sense for `real`: each yields a token different from it."""
    _check_real(real)
    kinds = []
    for kind in DERIVED_TOKEN_KINDS:
        if kind == "case_flipped" and real.swapcase() == real:
            continue
        if kind == "truncated" and len(real) < 2:
            continue
        if kind in JWT_ONLY_KINDS and not is_jwt_shaped(real):
            continue
        if kind == "expired" and _jwt_claims(real) is None:
            continue
        if _derive(real, kind) != real:  # e.g. an unsigned token has no signature to strip
            kinds.append(kind)
    return tuple(kinds)


def derive_token(real: str, kind: str) -> str:
    """The token of `kind` derived from `real` (see `DERIVED_TOKEN_KINDS`); deterministic.

    - ``case_flipped``: every letter's case swapped; ``one_char_changed``: one character (in the middle
      of a JWT's signature) replaced by another of its class; ``truncated``: the last character dropped;
      ``extended``: one character appended (a prefix comparison accepts it);
    - JWTs only: ``signature_stripped`` (``header.payload.``), ``alg_none`` (header ``{"alg":"none"}``,
      same payload, no signature), ``expired`` (same header and signature, ``exp`` in 2001).
    """
    allowed = derived_token_kinds(real)
    if kind not in allowed:
        raise invalid_argument(f"kind={kind!r} cannot be derived from this token; it allows {allowed!r}")
    return _derive(real, kind)


def _derive(real: str, kind: str) -> str:
    header, payload, _ = [*real.split("."), "", ""][:3]
    if kind == "case_flipped":
        return real.swapcase()
    if kind == "one_char_changed":
        return _one_char_changed(real)
    if kind == "truncated":
        return real[:-1]
    if kind == "extended":
        return real + _changed(real[-1])
    if kind == "signature_stripped":
        return f"{header}.{payload}."
    if kind == "alg_none":
        unsigned = _b64url(json.dumps({"alg": "none", "typ": "JWT"}, separators=(",", ":")).encode())
        return f"{unsigned}.{payload}."
    claims = _jwt_claims(real)
    if claims is None:  # pragma: no cover - derived_token_kinds leaves "expired" out then
        return real
    expired = {**claims, "exp": _LONG_AGO}
    if isinstance(claims.get("iat"), int):
        expired["iat"] = _LONG_AGO - 3600
    signature = real.rsplit(".", 1)[1]
    return f"{header}.{_b64url(json.dumps(expired, separators=(',', ':')).encode())}.{signature}"


def derived_tokens(real: str) -> dict[str, str]:
    """Every applicable derived token of `real`, by kind."""
    return {kind: derive_token(real, kind) for kind in derived_token_kinds(real)}


def _check_real(real: str) -> None:
    if not isinstance(real, str) or not real:
        raise invalid_argument("the real token must be a non-empty string (its value is not shown)")
