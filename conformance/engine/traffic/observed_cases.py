"""A request the suite did not generate, read back into a case: its documented outcome, if one is certain.

``classify_request`` looks only at the request (D39): documented valid, documented invalid, an unleased
sender (when the profile lists the leased ones), a repeated parameter (D34), or a request without valid
credentials. What the traffic cannot tell is assumed in the application's favour (a token the profile
does not give is taken as valid, a sender it does not list as leased); ``withdrawn`` takes the
expectation back when the answer names exactly that unknown (401/403, 404). A request that fits none
of these unambiguously is *unclassified*: only the checks that need no expectation judge it.

``APPLIES`` says, per check id, which observed exchanges a check may judge (D38); a check missing from
it is treated as ``CLASSIFIED`` per exchange and ``NEVER`` across the run, and a self-test insists that
every registered check is listed.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from conformance.contract.classify import NUMBER_PARAMS, classify_params, strongest
from conformance.model.cases import AuthPlacement, Case, Expectation
from conformance.model.deviations import Severity
from conformance.model.redaction import REDACTED

__all__ = [
    "APPLIES",
    "OBSERVED_PHASE",
    "Applies",
    "Classified",
    "Credentials",
    "applies",
    "classify_request",
    "withdrawn",
]

OBSERVED_PHASE = "observed"
DOCUMENTED_PARAMS = ("FROM", "TO", "Message")
JWT_PARAM = "jwt"
# what tools write in place of a token they keep out of their recordings: the token is unknown, not wrong
MASKED_TOKENS = frozenset({"[filtered]", "[redacted]", "<redacted>", "redacted", "***", "<hidden>"})
AUTH_HEADER = "x-auth-token"


class Applies(enum.Enum):
    """Which observed exchanges a check judges (D38)."""

    ALWAYS = "always"  # needs no expectation: bytes, schema, payload state, success payloads across the run
    CLASSIFIED = "classified"  # needs the documented outcome: only requests that classify unambiguously
    NEVER = "never"  # needs requests the suite sends on purpose; traffic never has them


APPLIES: dict[str, Applies] = {
    "transport": Applies.ALWAYS,
    "content_type": Applies.ALWAYS,
    "json_body": Applies.ALWAYS,
    "strict_json": Applies.ALWAYS,
    "response_schema": Applies.ALWAYS,
    "undocumented_fields": Applies.ALWAYS,
    "message_state": Applies.ALWAYS,
    "timestamps": Applies.ALWAYS,
    "response_time": Applies.ALWAYS,
    "meaningful_headers": Applies.ALWAYS,
    "token_exposure": Applies.ALWAYS,
    "internal_details": Applies.ALWAYS,
    "cors_policy": Applies.ALWAYS,
    "shared_cache": Applies.ALWAYS,
    "status_documented": Applies.CLASSIFIED,
    "negative_data_accepted": Applies.CLASSIFIED,
    "auth_enforced": Applies.CLASSIFIED,
    "valid_data_rejected": Applies.CLASSIFIED,
    "rejection_status": Applies.CLASSIFIED,
    "error_envelope": Applies.CLASSIFIED,
    "semantic_echo": Applies.CLASSIFIED,
    # across the run
    "uuid_unique": Applies.ALWAYS,
    "lease_live": Applies.ALWAYS,
    "automated_consistent": Applies.ALWAYS,
    "clock_matches_date": Applies.ALWAYS,
    "thread_per_pair": Applies.CLASSIFIED,
    "field_value_echo": Applies.CLASSIFIED,
    "equal_requests_same_outcome": Applies.NEVER,
    "strict_request_body": Applies.NEVER,  # bodies that are not JSON, sent on purpose (D69)
    # after the sends: lookups the suite makes on purpose (D67, D68)
    "lifecycle_found": Applies.NEVER,
    "lifecycle_stored_as_sent": Applies.NEVER,
    "lifecycle_state_order": Applies.NEVER,
    "lifecycle_delivered": Applies.NEVER,
    "lifecycle_reference_id": Applies.NEVER,
    "lifecycle_timestamps": Applies.NEVER,
    "lifecycle_envelope": Applies.NEVER,
    "lifecycle_lookup_auth": Applies.NEVER,
    "lifecycle_foreign_message": Applies.NEVER,
}


def applies(check: str, *, run_level: bool) -> Applies:
    """How a check applies to observed traffic; an unlisted one is judged as cautiously as possible."""
    return APPLIES.get(check, Applies.NEVER if run_level else Applies.CLASSIFIED)


@dataclass(frozen=True)
class Credentials:
    """Where the request carried a token, and whether that token is known to be the valid one."""

    placement: AuthPlacement
    token: str
    valid: bool | None  # None: the profile gives no token to compare with


@dataclass(frozen=True)
class Classified:
    """What the request says about its outcome; ``case.expectation`` holds only when ``reason`` is ''."""

    case: Case
    reason: str = ""  # why it is unclassified, e.g. "request body"; empty: classified
    token_unknown: bool = False  # its token's validity is assumed, not known
    lease_unknown: bool = False  # its sender's lease is assumed, not known

    @property
    def classified(self) -> bool:
        return not self.reason


def _credentials(
    query: tuple[tuple[str, str], ...], headers: tuple[tuple[str, str], ...], profile_token: str | None
) -> tuple[Credentials | None, str]:
    found: list[tuple[AuthPlacement, str]] = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == AUTH_HEADER:
            found.append((AuthPlacement.HEADER, value.strip()))
        elif lowered == "authorization":
            scheme, _, rest = value.strip().partition(" ")
            if scheme.lower() != "bearer":
                return None, "Authorization header of another scheme"
            found.append((AuthPlacement.BEARER, rest.strip()))
    found += [(AuthPlacement.JWT_QUERY, value) for name, value in query if name == JWT_PARAM]
    if len(found) > 1:
        return None, "credentials given more than once"
    if not found or not found[0][1]:
        return Credentials(AuthPlacement.NONE, "", False), ""
    placement, token = found[0]
    # a token masked in a recording (ours or another tool's) is unknown, whatever the profile says
    masked = REDACTED in token or token.lower() in MASKED_TOKENS
    valid = None if not profile_token or masked else token == profile_token
    return Credentials(placement, token, valid), ""


def _lease(sender: str | None, senders: Collection[str] | None, unleased: str | None) -> bool | None:
    """True leased, False unleased, None: the profile does not say (or the sender is no number)."""
    if sender is None or senders is None or not sender.isascii() or not sender.isdigit():
        return None
    number = sender.lstrip("0")
    if number in {s.lstrip("0") for s in senders}:
        return True
    if unleased is not None and number == unleased.lstrip("0"):
        return False
    return None


def _leading_zeros(params: Mapping[str, str]) -> bool:
    return any(
        params.get(name, "").startswith("0") and len(params.get(name, "")) > 1 for name in NUMBER_PARAMS
    )


def classify_request(
    case_id: str,
    query: tuple[tuple[str, str], ...],
    headers: tuple[tuple[str, str], ...],
    body: bytes,
    *,
    profile_token: str | None,
    senders: Collection[str] | None,
    unleased_sender: str | None,
) -> tuple[Classified, Credentials | None]:
    """The request as a case, with its documented outcome when the request alone decides it (D39)."""
    documented = [(n, v) for n, v in query if n in DOCUMENTED_PARAMS]
    params: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    for name, value in documented:
        if name in params:
            extra.append((name, value))
        else:
            params[name] = value
    base = Case(
        id=case_id,
        phase=OBSERVED_PHASE,
        kind="observed request",
        expectation=Expectation.EITHER,
        params=params,
        auth=AuthPlacement.NONE,
        token="observed",
        body=body or None,
        extra_query=tuple(extra),
        evidence="observed traffic (D39)",
        decision="D39",
    )
    credentials, problem = _credentials(query, headers, profile_token)

    def unclassified(reason: str) -> tuple[Classified, Credentials | None]:
        kind = f"observed request (unclassified: {reason})"
        return Classified(replace(base, kind=kind), reason=reason), credentials

    if problem:
        return unclassified(problem)
    assert credentials is not None
    if body:
        return unclassified("request body (the JSON-body variants, D2)")
    others = sorted({n for n, _ in query if n not in DOCUMENTED_PARAMS and n != JWT_PARAM})
    if others:
        folded = {p.lower() for p in DOCUMENTED_PARAMS}
        variant = any(n.lower() in folded for n in others)
        return unclassified(
            "parameter names of a documented variant (D3)" if variant else "undocumented parameter"
        )
    problems = classify_params(params)
    lease = _lease(params.get("FROM"), senders, unleased_sender)
    token_unknown = credentials.valid is None
    lease_unknown = lease is None and "FROM" not in {p.param for p in problems}

    def made(expectation: Expectation, kind: str, **fields: Any) -> tuple[Classified, Credentials | None]:
        case = replace(
            base, expectation=expectation, kind=f"observed: {kind}", auth=credentials.placement, **fields
        )
        return Classified(case, token_unknown=token_unknown, lease_unknown=lease_unknown), credentials

    if credentials.valid is False:
        if problems or extra or lease is False:
            return unclassified("invalid data without valid credentials: the docs do not order the checks")
        what = (
            "no credentials"
            if credentials.placement is AuthPlacement.NONE
            else "a token that is not the profile's"
        )
        return made(Expectation.AUTH, what, decision="D12", evidence="S1 X-Auth-Token required; 401 inferred")
    if extra:
        if lease is False:
            return unclassified("a repeated parameter from an unleased sender")
        return made(
            Expectation.EITHER, "a parameter given twice", decision="D34", evidence="S1 one value (D34)"
        )
    if problems:
        names = tuple(p.param for p in problems)
        fields = {
            "severity": strongest(problems),
            "invalid_params": names,
            "decision": "D4" if any(n != "Message" for n in names) else "D5",
            "evidence": "S1 parameters",
        }
        if lease is False:
            return made(Expectation.REFUSED, f"invalid {', '.join(names)} from an unleased sender", **fields)
        return made(Expectation.VALIDATION, f"invalid {', '.join(names)}", **fields)
    if lease is False:
        return made(Expectation.NOT_FOUND, "unleased sender", decision="D11", evidence="S1 404 tab")
    severity = Severity.ERROR
    decision = "D4"
    if credentials.placement is AuthPlacement.BEARER:
        severity, decision = Severity.INFO, "D12"  # a documented variant, probed as info (D12)
    elif _leading_zeros(params):
        severity, decision = Severity.WARNING, "D33"
    return made(Expectation.SUCCESS, "documented valid request", severity=severity, decision=decision)


def withdrawn(classified: Classified, status: int | None) -> Classified:
    """The classification, unless the answer blames the one thing the traffic could not tell (D39)."""
    if not classified.classified or status is None:
        return classified
    reason = ""
    if classified.token_unknown and status in (401, 403):
        reason = "an unverifiable token was refused"
    elif classified.lease_unknown and status == 404:
        reason = "a sender the profile does not list was refused as unleased"
    if not reason:
        return classified
    case = classified.case
    unclassified = replace(case, kind=f"observed request (unclassified: {reason})")
    return Classified(unclassified, reason=reason)
