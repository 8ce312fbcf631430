"""Where a request carries its token: ``X-Auth-Token``, ``?jwt=`` (S6) or ``Authorization: Bearer``."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["presented_tokens"]


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
