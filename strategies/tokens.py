"""Bad credential strategies: values of `X-Auth-Token` (or the `jwt` query parameter) a server must refuse."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Collection
from functools import partial

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from strategies._plain import is_header_value, is_jwt_shaped
from strategies._validation import check_kinds
from strategies.invalid_value import InvalidValue

__all__ = ["BAD_TOKEN_KINDS", "bad_tokens", "is_header_value", "is_jwt_shaped"]

#: Kinds of `bad_tokens`, in the order they shrink towards.
BAD_TOKEN_KINDS: tuple[str, ...] = ("missing", "empty", "malformed", "wrong", "truncated_jwt")

_SEGMENT = r"[A-Za-z0-9_-]+"
# What a reader might take for a JWT: two or three segments. Malformed values are neither.
_JWT_LIKE = re.compile(rf"{_SEGMENT}\.{_SEGMENT}(?:\.[A-Za-z0-9_-]*)?")
_PRINTABLE_ASCII = "".join(chr(code) for code in range(0x20, 0x7F))


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_segment(document: dict[str, object]) -> str:
    return _base64url(json.dumps(document, separators=(",", ":")).encode("utf-8"))


@st.composite
def _realistic_jwts(draw: st.DrawFn) -> tuple[str, str, str]:
    """Header, payload and signature of a plausible HS256/RS256/ES256 token signed by nobody."""
    algorithm = draw(st.sampled_from(("HS256", "RS256", "ES256")))
    issued = draw(st.integers(min_value=1_500_000_000, max_value=2_000_000_000))
    claims: dict[str, object] = {
        "sub": draw(st.uuids()).hex,
        "iat": issued,
        "exp": issued + draw(st.integers(min_value=60, max_value=30 * 86_400)),
    }
    signature_size = {"HS256": 32, "RS256": 256, "ES256": 64}[algorithm]
    signature = draw(st.binary(min_size=signature_size, max_size=signature_size))
    return _json_segment({"alg": algorithm, "typ": "JWT"}), _json_segment(claims), _base64url(signature)


_random_segments = st.binary(min_size=1, max_size=48).map(_base64url)
_jwt_parts = st.one_of(_realistic_jwts(), st.tuples(_random_segments, _random_segments, _random_segments))
_wrong_jwts = _jwt_parts.map(".".join)
_truncated_jwts = _jwt_parts.map(lambda parts: f"{parts[0]}.{parts[1]}")


@st.composite
def _jwt_with_inner_space(draw: st.DrawFn) -> str:
    token = draw(_wrong_jwts)
    position = draw(st.integers(min_value=1, max_value=len(token) - 1))
    return token[:position] + " " + token[position:]


_malformed = st.one_of(
    st.text(alphabet=_PRINTABLE_ASCII, min_size=1, max_size=64),
    _wrong_jwts.map(lambda token: f"Bearer {token}"),
    _jwt_with_inner_space(),
    _wrong_jwts.map(lambda token: token.replace("-", "+").replace("_", "/") + "=="),
).filter(lambda value: value.strip(" ") == value and _JWT_LIKE.fullmatch(value) is None)


def _token_values(kind: str) -> st.SearchStrategy[str | None]:
    if kind == "missing":
        return st.none()
    if kind == "empty":
        return st.just("")
    if kind == "malformed":
        return _malformed
    if kind == "wrong":
        return _wrong_jwts
    if kind == "truncated_jwt":
        return _truncated_jwts
    raise AssertionError(f"unhandled kind {kind!r}")  # pragma: no cover - kinds are checked first


def _differs_from(real: str) -> Callable[[str | None], bool]:
    return lambda value: value != real


def bad_tokens(
    *, kinds: Collection[str] | None = None, exclude: str | None = None
) -> st.SearchStrategy[InvalidValue]:
    """Credentials that must not authenticate, labelled with their kind.

    Kinds (all of `BAD_TOKEN_KINDS` by default):

    - ``missing``: value None, i.e. no token is sent at all;
    - ``empty``: ``""``;
    - ``malformed``: not JWT-shaped: random printable text, ``"Bearer <jwt>"``, a JWT with a space
      inside, or one in standard (not URL-safe) base64 with padding;
    - ``wrong``: a well-formed ``header.payload.signature`` of base64url segments, mostly a plausible
      HS256/RS256/ES256 token with ``sub``/``iat``/``exp`` claims, signed by nobody;
    - ``truncated_jwt``: the first two segments of such a token, ``header.payload``.

    Every string value is a legal HTTP header value (printable ASCII, no CR/LF, no surrounding
    spaces) and is never equal to `exclude`, the real token of the target. Shrinks towards the
    simplest draw: ``missing``/``empty`` when selected, otherwise short values of an early kind.
    """
    selected = check_kinds(kinds, BAD_TOKEN_KINDS)
    if exclude is not None and (not isinstance(exclude, str) or not exclude):
        raise InvalidArgument(f"exclude={exclude!r} must be None or the real token, a non-empty string")
    strategies = []
    for kind in selected:
        values = _token_values(kind)
        if exclude is not None:
            values = values.filter(_differs_from(exclude))
        strategies.append(values.map(partial(InvalidValue, kind)))
    return st.one_of(strategies)
