"""The preflight: the run's first documented valid send, sent first and on its own, tells a refused
token or an unleased sender apart from a vendor fault (D56).

No request is added: the preflight *is* a planned case (the first one that sends valid data with the
profile's token from one of its senders; in a full run the documented request example). It goes out
alone before the others and its answer is judged as that case, in its own phase. When the target
refuses it for authentication (HTTP 401/403, or the documented error envelope with ``status``
401/403) or refuses the sender as not leased (the documented 404 "TNLease and SMSCampaign not found",
D11), the run ends with a one-paragraph configuration error (exit 2) and nothing more is sent. The
same authentication refusal met by every valid send of a run (``AuthWatch``) stops it the same way.
"""

from __future__ import annotations

from typing import Any

from conformance.engine.profiles import Profile
from conformance.model.cases import AuthPlacement, Case, Expectation
from conformance.model.exchange import Exchange, RecordedResponse
from conformance.model.redaction import Redactor

__all__ = [
    "WATCH_AFTER",
    "AuthWatch",
    "PreflightError",
    "first_valid_send",
    "refusal",
    "valid_send",
]

AUTH_REFUSED = frozenset({401, 403})  # the authentication refusals (D12 infers the 401)
UNLEASED_MESSAGE = "TNLease and SMSCampaign not found"  # S1 404 tab, verbatim
EXCERPT_CHARS = 160
WATCH_AFTER = 5  # valid sends, all refused for authentication, that stop a run


class PreflightError(ValueError):
    """The target refused the run's credentials or sender: a configuration error (exit 2)."""


def valid_send(case: Case, profile: Profile) -> bool:
    """A planned case that sends documented valid data with the profile's token from a leased sender."""
    return (
        case.expectation is Expectation.SUCCESS
        and case.auth is AuthPlacement.PROFILE
        and case.token == "profile"
        and case.repeat_of is None
        and case.params.get("FROM") in profile.senders
    )


def first_valid_send(cases: list[Case], profile: Profile) -> int | None:
    """The index of the preflight: the first valid send of the plan (None when there is none)."""
    return next((index for index, case in enumerate(cases) if valid_send(case, profile)), None)


def _envelope(response: RecordedResponse) -> dict[str, Any]:
    body = response.json_or_none()
    return body if isinstance(body, dict) else {}


def auth_refused(response: RecordedResponse | None) -> bool:
    """HTTP 401/403, or the documented error envelope saying 401/403 whatever the HTTP status."""
    if response is None:
        return False
    envelope = _envelope(response)
    return response.status in AUTH_REFUSED or (
        envelope.get("success") is False and envelope.get("status") in AUTH_REFUSED
    )


def _unleased(response: RecordedResponse | None) -> bool:
    """The documented answer to a sender not leased on the account (S1 404 tab, D11)."""
    if response is None:
        return False
    envelope = _envelope(response)
    return 404 in (response.status, envelope.get("status")) and UNLEASED_MESSAGE in str(
        envelope.get("message", "")
    )


def _answer(exchange: Exchange, redactor: Redactor) -> str:
    response = exchange.response
    if response is None:
        return "no answer"
    body = redactor.text(response.body[:EXCERPT_CHARS].decode("utf-8", "replace"))
    return f"HTTP {response.status} {' '.join(body.split())!r}"


def refusal(exchange: Exchange, profile: Profile, redactor: Redactor, side: str = "") -> str:
    """Why the preflight's answer ends the run ("" when the run goes on). ``side`` names a diff side."""
    where = f"side {side}: " if side else ""
    what = f"the preflight (the first valid request, {exchange.case.id})"
    answer = _answer(exchange, redactor)
    if auth_refused(exchange.response):
        return where + auth_message(profile, answer, what)
    if _unleased(exchange.response):
        return where + (
            f"profile {profile.source}: the target answered {what} from FROM={exchange.case.params['FROM']} "
            f"with {answer}: "
            "the documented answer for a sender that is not leased on this account (D11). Check the "
            "profile's 'senders' field (or --sender): list numbers leased on the account the token belongs "
            "to. Nothing else was sent."
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
    """Valid sends that met the authentication refusal one after the other: ``WATCH_AFTER`` of them in a
    row (every valid send since the last one the target did not refuse, e.g. a token revoked mid-run)
    stop the run instead of reporting each as a vendor fault."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.refused = 0
        self.last = ""

    def see(self, exchange: Exchange, redactor: Redactor) -> bool:
        """Count one answer; True once ``WATCH_AFTER`` valid sends in a row were refused."""
        if not valid_send(exchange.case, self.profile):
            return False
        if not auth_refused(exchange.response):
            self.refused = 0
            return False
        self.refused += 1
        self.last = _answer(exchange, redactor)
        return self.refused >= WATCH_AFTER

    def message(self) -> str:
        text = auth_message(self.profile, self.last, f"{self.refused} valid requests in a row")
        return text.replace("Nothing else was sent.", "The run stopped there.")
