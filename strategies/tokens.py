"""Bad credential strategies: values of `X-Auth-Token` (or the `jwt` query parameter) a server must refuse.

`bad_token(rng, kind)` draws one value from a ``random.Random``; `bad_tokens` draws through the very same
function (`strategies._seeded`).
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from collections.abc import Callable, Collection
from functools import partial

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from strategies._plain import _SEGMENT, is_header_value, is_jwt_shaped
from strategies._seeded import from_random
from strategies._validation import check_kinds
from strategies.invalid_value import InvalidValue

__all__ = [
    "BAD_TOKEN_KINDS",
    "FORGED_JWT_KINDS",
    "bad_token",
    "bad_tokens",
    "forged_jwt",
    "is_header_value",
    "is_jwt_shaped",
]

#: Kinds of `bad_tokens`, in the order they shrink towards.
BAD_TOKEN_KINDS: tuple[str, ...] = ("missing", "empty", "malformed", "wrong", "truncated_jwt")

# What a reader might take for a JWT: two or three segments. Malformed values are neither.
_JWT_LIKE = re.compile(rf"{_SEGMENT}\.{_SEGMENT}(?:\.[A-Za-z0-9_-]*)?")
# Printable ASCII, letters first: the simplest text is a letter, never a space a header would trim.
_TEXT_CHARACTERS = string.ascii_letters + string.digits + string.punctuation + " "
#: Kinds of `forged_jwt`.
FORGED_JWT_KINDS: tuple[str, ...] = ("alg_none", "expired")
#: 2001-09-09T01:46:40Z: an ``exp`` long past.
_LONG_AGO = 1_000_000_000
#: 2100-01-01T00:00:00Z: an ``exp`` a verifier that reads only the claims accepts.
_FAR_FUTURE = 4_102_444_800
#: Signature bytes of each algorithm a plausible token names.
_ALGORITHMS = {"HS256": 32, "RS256": 256, "ES256": 64}


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_segment(document: dict[str, object]) -> str:
    return _base64url(json.dumps(document, separators=(",", ":")).encode("utf-8"))


def _realistic_jwt(rng: random.Random) -> tuple[str, str, str]:
    """Header, payload and signature of a plausible HS256/RS256/ES256 token signed by nobody."""
    algorithm = rng.choice(tuple(_ALGORITHMS))
    issued = rng.randint(1_500_000_000, 2_000_000_000)
    claims: dict[str, object] = {
        "sub": f"{rng.getrandbits(128):032x}",
        "iat": issued,
        "exp": issued + rng.randint(60, 30 * 86_400),
    }
    signature = rng.randbytes(_ALGORITHMS[algorithm])
    return _json_segment({"alg": algorithm, "typ": "JWT"}), _json_segment(claims), _base64url(signature)


def _jwt_parts(rng: random.Random) -> tuple[str, str, str]:
    if rng.random() < 0.5:
        return _realistic_jwt(rng)
    header, payload, signature = (_base64url(rng.randbytes(rng.randint(1, 48))) for _ in range(3))
    return header, payload, signature


def _wrong_jwt(rng: random.Random) -> str:
    return ".".join(_jwt_parts(rng))


def _malformed_candidate(rng: random.Random) -> str:
    shape = rng.randrange(4)
    if shape == 0:
        return "".join(rng.choices(_TEXT_CHARACTERS, k=rng.randint(1, 64)))
    token = _wrong_jwt(rng)
    if shape == 1:
        return f"Bearer {token}"
    if shape == 2:
        position = rng.randint(1, len(token) - 1)
        return token[:position] + " " + token[position:]
    return token.replace("-", "+").replace("_", "/") + "=="


def _malformed(rng: random.Random) -> str:
    """Not JWT-shaped and a legal header value: a candidate that is either is drawn again."""
    while True:
        value = _malformed_candidate(rng)
        if value.strip(" ") == value and _JWT_LIKE.fullmatch(value) is None:
            return value


def _token_value(rng: random.Random, kind: str) -> str | None:
    if kind == "missing":
        return None
    if kind == "empty":
        return ""
    if kind == "malformed":
        return _malformed(rng)
    if kind == "wrong":
        return _wrong_jwt(rng)
    if kind == "truncated_jwt":
        header, payload, _ = _jwt_parts(rng)
        return f"{header}.{payload}"
    raise AssertionError(f"unhandled kind {kind!r}")  # pragma: no cover - kinds are checked first


def forged_jwt(rng: random.Random, kind: str) -> str:
    """A JWT with plausible claims (``sub``, ``iat``, ``exp``) forged by nobody, whatever the real token
    looks like: ``alg_none``, unsigned (header ``{"alg":"none"}``, empty signature, ``exp`` in the
    future); ``expired``, HS256 with a random signature and an ``exp`` long past."""
    check_kinds((kind,), FORGED_JWT_KINDS)
    subject = f"{rng.getrandbits(128):032x}"
    if kind == "alg_none":
        issued = rng.randint(1_700_000_000, 1_800_000_000)
        claims = {"sub": subject, "iat": issued, "exp": _FAR_FUTURE}
        return f"{_json_segment({'alg': 'none', 'typ': 'JWT'})}.{_json_segment(claims)}."
    claims = {"sub": subject, "iat": _LONG_AGO - 3600, "exp": _LONG_AGO}
    signature = _base64url(rng.randbytes(_ALGORITHMS["HS256"]))
    return f"{_json_segment({'alg': 'HS256', 'typ': 'JWT'})}.{_json_segment(claims)}.{signature}"


def _bad_token(kinds: tuple[str, ...], rng: random.Random) -> InvalidValue:
    kind = rng.choice(kinds)
    return InvalidValue(kind, _token_value(rng, kind))


def _differs_from(real: str) -> Callable[[InvalidValue], bool]:
    return lambda invalid: invalid.value != real


def bad_token(rng: random.Random, kind: str) -> InvalidValue:
    """One `bad_tokens` value of `kind` drawn from `rng`."""
    return _bad_token(check_kinds((kind,), BAD_TOKEN_KINDS), rng)


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
    tokens = from_random(partial(_bad_token, selected))
    return tokens if exclude is None else tokens.filter(_differs_from(exclude))
