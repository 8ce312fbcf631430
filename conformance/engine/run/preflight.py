"""The preflight: one documented valid request before the suite's cases, to tell a refused token or
an unleased sender apart from a vendor fault (D55).

A 401/403 (the documented authentication refusal) or the documented unleased-sender 404 ("TNLease
and SMSCampaign not found", D11) ends the run with a one-paragraph configuration error (exit 2)
before anything else is sent. Any other answer is checked like a case, in phase ``preflight``.
The same refusal met by every valid send of a run (``AuthWatch``) stops it the same way.
"""

from __future__ import annotations

from dataclasses import replace

from conformance.contract.specfile import Spec
from conformance.engine.profiles import Profile
from conformance.model.cases import AuthPlacement, Case, Expectation
from conformance.model.exchange import Exchange
from conformance.model.redaction import Redactor

__all__ = [
    "AUTH_REFUSED",
    "PREFLIGHT_PHASE",
    "AuthWatch",
    "PreflightError",
    "preflight_case",
    "refusal",
    "take_preflight",
]

PREFLIGHT_PHASE = "preflight"
AUTH_REFUSED = frozenset({401, 403})  # the documented authentication refusals
UNLEASED_MESSAGE = "TNLease and SMSCampaign not found"  # S1 404 tab, verbatim
EXCERPT_CHARS = 160
WATCH_AFTER = 5  # valid sends, all refused for authentication, that stop a run


class PreflightError(ValueError):
    """The target refused the run's credentials or sender: a configuration error (exit 2)."""


def preflight_case(profile: Profile, spec: Spec) -> Case:
    """The documented request example, from the profile's first sender to an allowed destination."""
    parameters = spec.document["components"]["parameters"]
    documented = {p["name"]: str(p["example"]) for p in parameters.values()}
    destination = profile.destinations[0] if profile.destinations else documented["TO"]
    return Case(
        id="preflight-0001",
        phase=PREFLIGHT_PHASE,
        kind="preflight: documented request example with the profile's token and sender",
        expectation=Expectation.SUCCESS,
        params={"FROM": profile.senders[0], "TO": destination, "Message": documented["Message"]},
        evidence="spec parameter examples (S1 200 example)",
        decision="D55",
    )


def take_preflight(cases: list[Case], profile: Profile, spec: Spec) -> tuple[Case, list[Case]]:
    """The preflight case and the cases left to send after it. When the cases hold the same request
    (the documented request example of the ``examples`` phase), that case *is* the preflight: sent
    once, first, under its own id (so ``replay`` finds it), in phase ``preflight``."""
    fresh = preflight_case(profile, spec)
    for index, case in enumerate(cases):
        if (case.params, case.auth, case.token, case.expectation, case.extra_headers, case.body) == (
            fresh.params,
            fresh.auth,
            fresh.token,
            fresh.expectation,
            fresh.extra_headers,
            fresh.body,
        ):
            return replace(case, phase=PREFLIGHT_PHASE), [*cases[:index], *cases[index + 1 :]]
    return fresh, cases


def _answer(exchange: Exchange, redactor: Redactor) -> str:
    response = exchange.response
    if response is None:
        return "no answer"
    body = redactor.text(response.body[:EXCERPT_CHARS].decode("utf-8", "replace"))
    body = " ".join(body.split())
    return f"HTTP {response.status} {body!r}"


def _unleased(exchange: Exchange) -> bool:
    response = exchange.response
    return (
        response is not None and response.status == 404 and UNLEASED_MESSAGE.encode() in response.body[:4096]
    )


def refusal(exchange: Exchange, profile: Profile, redactor: Redactor) -> str:
    """Why the preflight's answer ends the run ("" when the run goes on)."""
    response = exchange.response
    if response is not None and response.status in AUTH_REFUSED:
        return auth_message(
            profile, _answer(exchange, redactor), "the preflight (one documented valid request)"
        )
    if _unleased(exchange):
        return (
            f"profile {profile.source}: the target answered the preflight (one documented valid request "
            f"from FROM={exchange.case.params['FROM']}) with {_answer(exchange, redactor)}: the documented "
            "answer for a sender that is not leased on this account (D11). Check the profile's 'senders' "
            "field (or --sender): list numbers leased on the account the token belongs to. Nothing else "
            "was sent."
        )
    return ""


def auth_message(profile: Profile, answer: str, what: str) -> str:
    return (
        f"profile {profile.source}: the target refused the token for {what}: {answer}. This is an "
        f"authentication refusal (401/403), not a fault of the target: check the token in the environment "
        f"variable {profile.auth.token_env} (the profile's 'auth.token_env', or --token-env): is it "
        "current, for this target, and complete? Nothing else was sent."
    )


class AuthWatch:
    """Valid sends of a run that all met the authentication refusal: ``WATCH_AFTER`` of them stop it."""

    def __init__(self) -> None:
        self.valid = 0
        self.refused = 0
        self.last = ""

    def see(self, exchange: Exchange, redactor: Redactor) -> bool:
        """Count one answer; True once every valid send so far (at least ``WATCH_AFTER``) was refused."""
        case = exchange.case
        if case.expectation is not Expectation.SUCCESS or (case.auth, case.token) != (
            AuthPlacement.PROFILE,
            "profile",
        ):
            return False
        self.valid += 1
        response = exchange.response
        if response is not None and response.status in AUTH_REFUSED:
            self.refused += 1
            self.last = _answer(exchange, redactor)
        return self.valid >= WATCH_AFTER and self.refused == self.valid

    def message(self, profile: Profile) -> str:
        text = auth_message(profile, self.last, f"every one of {self.valid} valid requests")
        return text.replace("Nothing else was sent.", "The run stopped there.")
