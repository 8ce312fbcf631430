"""The authentication matrix (D57): every documented request form × every credential state, zero-send.

Each cell is a valid send from the profile's *unleased* sender: no server can send an SMS for it
(D18) and no request of the matrix spends the send budget (D17). A faithful target refuses every
cell with 401; a 2xx is an acceptance, and a 404 (the lease refusal) shows the request got past
authentication as far as the lease check. The run then confirms the first such cell of each request
form from the leased sender (``engine/run/auth_confirm.py``): at most one paid request per form, and
only on a target that let a cell through.

Forms: the canonical query (S1) and each documented JSON body (``spec/variants``, location body).
States: none at all, an empty token, a random wrong JWT, a prefix and a case-changed form of the real
token, an expired and an unsigned (``alg: none``) JWT with plausible claims (derived from the real
token when it is a JWT, forged otherwise), and the real token in carriers no page documents (a
cookie, Basic auth, other query names). The query form also carries a wrong and an unsigned token in
each other documented placement (the other of ``X-Auth-Token``/``?jwt=``, ``Authorization: Bearer``,
``?bearer=``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import strategies as sms
from conformance.contract.variants import Variant, load_variants
from conformance.engine.generation.case_builder import CaseBuilder
from conformance.engine.generation.forms import in_form, request_variants
from conformance.engine.sending.client import DERIVED_TOKEN_PREFIX
from conformance.model.cases import AuthPlacement, Case, Expectation
from conformance.model.deviations import Severity
from strategies.tokens import forged_jwt

__all__ = ["CANONICAL_FORM", "FORM_CLASS", "STATE_CLASS", "auth_matrix_cases", "body_forms"]

CANONICAL_FORM = "query"
FORM_CLASS = "auth-form:"  # Case.classes entry naming the request form of a matrix cell
STATE_CLASS = "credentials:"  # ... and its credential state
_EVIDENCE = "S1 X-auth Token required; S6 JWT: header X-Auth-Token or query jwt; 401 inferred (D12)"
_CARRIER_EVIDENCE = "S6 names X-Auth-Token and ?jwt= only; S2/S3/S12/S19 the Bearer forms (D12, D57)"


@dataclass(frozen=True)
class _State:
    name: str  # the class name, e.g. "alg-none-jwt"
    title: str
    placement: AuthPlacement
    token: str
    severity: Severity = Severity.ERROR


def body_forms() -> tuple[Variant, ...]:
    """The documented JSON body forms of the request (D2)."""
    return tuple(v for v in request_variants(load_variants()) if v.data["request"].get("location") == "body")


def _derived_or_forged(kind: str, token_kinds: tuple[str, ...], rng: random.Random) -> str:
    """The token of ``kind`` derived from the real one when it applies, else one forged with plausible
    claims (whatever the real token looks like)."""
    return DERIVED_TOKEN_PREFIX + kind if kind in token_kinds else forged_jwt(rng, kind)


def _states(documented: AuthPlacement, token_kinds: tuple[str, ...], rng: random.Random) -> list[_State]:
    wrong = sms.bad_token(rng, "wrong").value or ""
    states = [
        _State("none", "without any credentials", AuthPlacement.NONE, ""),
        _State("empty", "empty token", documented, ""),
        _State("wrong", "random wrong JWT", documented, wrong),
    ]
    for kind, name, title in (
        ("truncated", "prefix", "a prefix of the real token"),
        ("case_flipped", "case-changed", "the real token with its case changed"),
    ):
        if kind in token_kinds:
            states.append(_State(name, title, documented, DERIVED_TOKEN_PREFIX + kind))
    states += [
        _State("expired-jwt", "an expired JWT", documented, _derived_or_forged("expired", token_kinds, rng)),
        _State(
            "alg-none-jwt",
            "an unsigned alg:none JWT",
            documented,
            _derived_or_forged("alg_none", token_kinds, rng),
        ),
    ]
    for placement, name, title in (
        (AuthPlacement.COOKIE, "cookie", "the real token in a cookie (jwt, token, access_token)"),
        (AuthPlacement.BASIC, "basic", "the real token as Basic auth"),
        (AuthPlacement.QUERY_NAMES, "query-names", "the real token as ?token, ?access_token, ?api_key"),
    ):
        states.append(_State(name, title, placement, "profile", Severity.WARNING))
    return states


def _other_placements(documented: AuthPlacement) -> tuple[AuthPlacement, ...]:
    other = AuthPlacement.JWT_QUERY if documented is AuthPlacement.HEADER else AuthPlacement.HEADER
    return (other, AuthPlacement.BEARER, AuthPlacement.BEARER_QUERY)


def auth_matrix_cases(
    b: CaseBuilder, phase: str, seed: int, token_kinds: tuple[str, ...] = ()
) -> Iterator[Case]:
    """Every cell of the matrix, form by form (the canonical query first), in a fixed order."""
    rng = random.Random(seed)
    documented = AuthPlacement.HEADER if b.profile.auth.method == "header" else AuthPlacement.JWT_QUERY
    states = _states(documented, token_kinds, rng)
    placed = [
        _State(
            f"{state.name}@{placement.value}", f"{state.title} via {placement.value}", placement, state.token
        )
        for placement in _other_placements(documented)
        for state in states
        if state.name in ("wrong", "alg-none-jwt")
    ]
    params: Mapping[str, str] = {
        "FROM": b.profile.unleased_sender,
        "TO": b.destination(1, "14155550100"),
        "Message": "auth check",  # the auth phase's text
    }
    forms: list[tuple[str, Variant | None]] = [(CANONICAL_FORM, None), *((v.id, v) for v in body_forms())]
    for form_id, form in forms:
        for state in states + (placed if form is None else []):
            case = b.case(
                phase,
                f"auth matrix, {form_id} form, {state.title} (from the unleased sender)",
                Expectation.AUTH,
                params,
                auth=state.placement,
                token=state.token,
                severity=state.severity,
                classes=(FORM_CLASS + form_id, STATE_CLASS + state.name),
                evidence=_CARRIER_EVIDENCE if state.severity is Severity.WARNING else _EVIDENCE,
                decision="D57",
            )
            yield case if form is None else in_form(case, form)
