"""D39 row by row: what a request alone says about its documented outcome, and when it says nothing."""

from __future__ import annotations

import pytest

from conformance.engine.traffic.observed_cases import Classified, classify_request, withdrawn
from conformance.model.cases import AuthPlacement, Expectation
from conformance.model.deviations import Severity
from conformance.model.redaction import REDACTED

TOKEN = "classification-token-3b9d"
LEASED, UNLEASED, UNLISTED = "12017771234", "15555550100", "12025550199"
VALID = (("FROM", LEASED), ("TO", "14155550100"), ("Message", "hi"))
HEADER = (("X-Auth-Token", TOKEN),)


def classify(
    query: tuple[tuple[str, str], ...] = VALID,
    headers: tuple[tuple[str, str], ...] = HEADER,
    body: bytes = b"",
    *,
    profile_token: str | None = TOKEN,
    senders: tuple[str, ...] | None = (LEASED,),
) -> Classified:
    classified, _ = classify_request(
        "observed-1",
        query,
        headers,
        body,
        profile_token=profile_token,
        senders=senders,
        unleased_sender=UNLEASED if senders is not None else None,
    )
    return classified


def with_param(name: str, value: str) -> tuple[tuple[str, str], ...]:
    return tuple((n, value if n == name else v) for n, v in VALID)


@pytest.mark.parametrize(
    ("query", "headers", "expectation", "severity"),
    [
        (VALID, HEADER, Expectation.SUCCESS, Severity.ERROR),
        (VALID, (("x-auth-token", TOKEN),), Expectation.SUCCESS, Severity.ERROR),
        ((*VALID, ("jwt", TOKEN)), (), Expectation.SUCCESS, Severity.ERROR),
        (VALID, (("Authorization", f"Bearer {TOKEN}"),), Expectation.SUCCESS, Severity.INFO),
        (with_param("TO", "0014155550100"), HEADER, Expectation.SUCCESS, Severity.WARNING),
        (with_param("TO", "qwerty"), HEADER, Expectation.VALIDATION, Severity.ERROR),
        (with_param("TO", "+14155550100"), HEADER, Expectation.VALIDATION, Severity.WARNING),
        (with_param("FROM", UNLEASED), HEADER, Expectation.NOT_FOUND, Severity.ERROR),
        ((("FROM", UNLEASED), ("TO", "x1"), ("Message", "hi")), HEADER, Expectation.REFUSED, Severity.ERROR),
        ((*VALID, ("TO", "qwerty")), HEADER, Expectation.EITHER, Severity.ERROR),
        (VALID, (), Expectation.AUTH, Severity.ERROR),
        (VALID, (("X-Auth-Token", "someone-else"),), Expectation.AUTH, Severity.ERROR),
    ],
)
def test_a_request_classifies_to_its_documented_outcome(
    query: tuple[tuple[str, str], ...],
    headers: tuple[tuple[str, str], ...],
    expectation: Expectation,
    severity: Severity,
) -> None:
    classified = classify(query, headers)
    assert classified.reason == ""
    assert classified.case.expectation is expectation
    assert classified.case.severity is severity


@pytest.mark.parametrize(
    ("query", "headers", "body", "reason"),
    [
        (VALID, HEADER, b'{"to": 1}', "request body"),
        ((*VALID, ("campaign", "7")), HEADER, b"", "undocumented parameter"),
        ((("from", LEASED), ("to", "14155550100"), ("message", "hi")), HEADER, b"", "documented variant"),
        (VALID, (("Authorization", "Basic dXNlcjpwYXNz"),), b"", "another scheme"),
        ((*VALID, ("jwt", TOKEN)), HEADER, b"", "more than once"),
        (with_param("TO", "qwerty"), (), b"", "do not order the checks"),
    ],
)
def test_an_ambiguous_request_is_unclassified_with_its_reason(
    query: tuple[tuple[str, str], ...], headers: tuple[tuple[str, str], ...], body: bytes, reason: str
) -> None:
    classified = classify(query, headers, body)
    assert reason in classified.reason


@pytest.mark.parametrize("token", ["[Filtered]", REDACTED, f"x{REDACTED}"])
def test_a_masked_token_is_unknown_not_wrong(token: str) -> None:
    classified = classify(headers=(("X-Auth-Token", token),))
    assert classified.case.expectation is Expectation.SUCCESS and classified.token_unknown
    assert withdrawn(classified, 401).reason == "an unverifiable token was refused"
    assert withdrawn(classified, 200).reason == ""


def test_unknowns_are_assumed_in_the_applications_favour_and_withdrawn_only_by_the_answer_naming_them() -> (
    None
):
    unlisted = classify(with_param("FROM", UNLISTED))
    assert unlisted.case.expectation is Expectation.SUCCESS and unlisted.lease_unknown
    assert withdrawn(unlisted, 404).reason == "a sender the profile does not list was refused as unleased"
    assert withdrawn(unlisted, 500).reason == ""  # a 500 names no unknown: valid_data_rejected judges it
    assert withdrawn(unlisted, 401).reason == ""  # the profile's token is known: 401 is a real refusal
    no_profile = classify(profile_token=None, senders=None)
    assert no_profile.token_unknown and no_profile.lease_unknown
    assert withdrawn(no_profile, 403).reason == "an unverifiable token was refused"


def test_the_case_keeps_the_request_as_sent() -> None:
    classified = classify((*VALID, ("TO", "qwerty")))
    assert classified.case.params == {"FROM": LEASED, "TO": "14155550100", "Message": "hi"}
    assert classified.case.extra_query == (("TO", "qwerty"),)
    assert classified.case.auth is AuthPlacement.HEADER
    assert classified.case.decision == "D34"
