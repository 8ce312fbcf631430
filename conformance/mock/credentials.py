"""Where a request carries its token: ``X-Auth-Token``, ``?jwt=`` (S6) or ``Authorization: Bearer``; and,
for the fault ``undocumented_carriers_accepted``, where no page puts it."""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie

__all__ = ["presented_tokens", "undocumented_tokens"]


def presented_tokens(
    headers: Mapping[str, str], query: Mapping[str, str], *, jwt_query: bool = True, bearer: bool = True
) -> tuple[str, ...]:
    """Every non-empty credential on the request, header first.

    ``headers`` must look names up case-insensitively (Starlette's ``Headers`` does). An
    ``Authorization`` header with a scheme other than Bearer counts as a (wrong) credential.
    """
    tokens: list[str] = []
    header_token = headers.get("x-auth-token", "").strip()
    if header_token:
        tokens.append(header_token)
    authorization = headers.get("authorization", "").strip()
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer":
            tokens.append(authorization)
        elif bearer:
            tokens.append(value.strip())
    if jwt_query and query.get("jwt"):
        tokens.append(query["jwt"])
    return tuple(token for token in tokens if token)


_QUERY_NAMES = ("token", "access_token", "api_key")


def undocumented_tokens(headers: Mapping[str, str], query: Mapping[str, str]) -> tuple[str, ...]:
    """Every cookie value, the user and the password of Basic auth, ``?token``, ``?access_token`` and
    ``?api_key``: carriers a lenient server reads though no page documents them."""
    tokens: list[str] = []
    cookie = SimpleCookie()
    with contextlib.suppress(CookieError):
        cookie.load(headers.get("cookie", ""))
    tokens += [morsel.value for morsel in cookie.values()]
    scheme, _, encoded = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        tokens += [user, password]
    tokens += [query[name] for name in _QUERY_NAMES if name in query]
    return tuple(token for token in tokens if token)
