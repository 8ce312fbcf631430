"""The Summary table of spec/DECISIONS.md, row by row: the mock driven into each situation gets that severity.

Each row of the table maps to the situations below (a mock fault, or another way to drive the mock);
a run against it must give the row's check the severity the row promises, at every deviation that
check reports. Rows, or parts of rows, that no safe request can provoke are listed in NOT_DRIVEN
with the reason. A new row without situations (or a reason) fails the first test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from conformance.contract.classify import classify_params, strongest
from conformance.engine.profiles import AuthConfig, mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer
from conformance.model.cases import Case, Expectation
from conformance.model.deviations import Deviation
from tests.verdicts.sending import deviations

DECISIONS = Path(__file__).resolve().parents[2] / "spec" / "DECISIONS.md"
ROW = re.compile(r"^\| ([^|]+) \| (D\d+) \| ([^|]+) \| ([^|]+) \|$", re.MULTILINE)
TOKEN_ENV = "OPENTACT_DECISIONS_TABLE_TOKEN"
TOKEN = "decisions-table-token-7f3a"


NO_AUTH = ("examples", "not_found", "negative", "positive")


@dataclass(frozen=True)
class Situation:
    label: str
    check: str
    severity: str
    faults: tuple[str, ...] = ()
    variant: str | None = None
    phases: tuple[str, ...] = ("examples", "auth", "not_found", "negative", "positive")
    title_has: str = ""  # at least one of the check's deviations carries this in its title
    silent: tuple[str, ...] = ()  # checks that must not fire at all in this situation
    # only the check's deviations on cases of this kind (their detail opens with the case's kind), for a
    # fault that also meets cases a row grades otherwise, e.g. parseInt accepting junk and decimals (D33)
    case_kind: str = ""
    driver: str = "run"  # run: a gate run on the embedded mock; see DRIVERS for the others


SITUATIONS: dict[str, tuple[Situation, ...]] = {
    "D1": (Situation("POST /rest/sms not served", "valid_data_rejected", "error", driver="wrong_path"),),
    "D2": (
        Situation(
            "only the S3 JSON body is read",
            "valid_data_rejected",
            "warning",
            ("requires_json_body",),
            variant="json-body-s3",
            phases=NO_AUTH,  # the auth phase's Bearer probe is info whatever its answer (D12)
        ),
    ),
    "D3": (
        Situation(
            "only lowercase names are read",
            "valid_data_rejected",
            "warning",
            ("requires_lowercase_names",),
            variant="query-lowercase",
            phases=NO_AUTH,
        ),
    ),
    "D4": (
        Situation("letters accepted", "negative_data_accepted", "error", ("accept_letters_in_to",)),
        Situation(
            "Unicode digits, whitespace, lengths accepted",
            "negative_data_accepted",
            "warning",
            ("lenient_numbers",),
        ),
        Situation("a +-prefixed number accepted", "negative_data_accepted", "warning", driver="plus_number"),
    ),
    "D5": (
        Situation(
            "1..918 rejected",
            "valid_data_rejected",
            "error",
            ("reject_long_message",),
            phases=("boundaries",),
        ),
        Situation("empty accepted", "negative_data_accepted", "warning", ("accept_empty_message",)),
    ),
    "D6": (
        Situation("another 2xx", "status_documented", "error", ("success_status_202",)),
        Situation(
            "a type that does not fit the status", "message_state", "warning", ("type_status_mismatch",)
        ),
    ),
    "D7": (
        Situation(
            "to as a string",
            "response_schema",
            "warning",
            ("to_as_string",),
            variant="response-string-numbers",
        ),
        Situation("from as a number", "response_schema", "error", ("from_as_number",)),
    ),
    "D8": (
        Situation("an extra member", "undocumented_fields", "info", ("extra_field",)),
        Situation("type missing", "response_schema", "warning", ("missing_type",), variant="response-s2"),
        Situation("another S1 member missing", "response_schema", "error", ("missing_tn_deleted_on",)),
    ),
    "D9": (
        Situation("another documented state", "message_state", "warning", ("state_not_created",)),
        Situation("automated true", "message_state", "warning", ("automated_true",)),
        Situation("a state outside the enum", "response_schema", "error", ("state_outside_enum",)),
    ),
    "D10": (
        Situation("a malformed uuid", "response_schema", "error", ("uuid_malformed",)),
        Situation("created_on > modified_on", "timestamps", "error", ("modified_before_created",)),
        Situation("clock skew", "timestamps", "warning", ("stale_timestamps",)),
    ),
    "D11": (
        Situation(
            "another status for an unleased sender", "rejection_status", "error", ("unleased_sender_500",)
        ),
        # on the auth phase's 401s the same fault is a warning: their envelope is inferred (D25)
        Situation("an envelope fault", "error_envelope", "error", ("error_success_true",), phases=NO_AUTH),
        Situation(
            "HTTP 500 for validation",
            "rejection_status",
            "warning",
            ("validation_as_500",),
            variant="validation-as-500",
        ),
    ),
    "D12": (
        # the auth phase's own case; the matrix's cells are D57's
        Situation(
            "2xx without credentials",
            "auth_enforced",
            "error",
            ("auth_not_enforced",),
            case_kind="no credentials",
        ),
        Situation("403 for a wrong token", "rejection_status", "warning", ("wrong_token_403",)),
        Situation("the Bearer probe refused", "valid_data_rejected", "info", ("bearer_refused",)),
    ),
    "D14": (
        Situation("a success labelled text/plain", "content_type", "error", ("content_type_text",)),
        Situation("a body cut off", "json_body", "error", ("truncated_json",)),
    ),
    "D15": (Situation("a changed echo", "semantic_echo", "error", ("echo_to_drops_country_code",)),),
    "D16": (
        Situation(
            "429 without Retry-After",
            "status_documented",
            "info",
            ("throttle_without_retry_after",),
            phases=("examples", "auth", "not_found", "negative", "positive", "boundaries"),
        ),
    ),
    "D23": (
        Situation(
            "a second violation does not re-grade the first",
            "response_schema",
            "warning",
            ("to_as_string", "missing_thread"),
            variant="response-string-numbers",
            driver="only:$.payload.to",
        ),
        Situation(
            "a missing member shows no variant beside one that does",
            "response_schema",
            "error",
            ("missing_type", "missing_tn_deleted_on"),
            driver="only:$.payload.tn.deleted_on",
        ),
    ),
    "D24": (
        Situation(
            "a valid request answered 500 once",
            "valid_data_rejected",
            "error",
            ("intermittent_500",),
            title_has="intermittent",
            phases=("examples", "positive", "boundaries"),  # the 7th send is a documented valid one
        ),
    ),
    "D33": (
        Situation(
            "junk after the digits accepted",
            "negative_data_accepted",
            "error",
            ("to_read_like_parseint",),
            phases=("coverage",),
            case_kind="number:trailing-junk",
        ),
        Situation(
            "an exponent form accepted",
            "negative_data_accepted",
            "error",
            ("to_read_as_number",),
            phases=("coverage",),
            case_kind="number:exponent",
        ),
        Situation(
            "a decimal form accepted",
            "negative_data_accepted",
            "warning",
            ("to_read_like_parseint",),
            phases=("coverage",),
            case_kind="number:decimal",
        ),
        Situation(
            "leading zeros refused",
            "valid_data_rejected",
            "warning",
            ("leading_zeros_refused",),
            phases=("coverage",),
        ),
    ),
    "D34": (
        Situation(
            "a repeated parameter answered 500",
            "rejection_status",
            "error",
            ("repeated_parameter_500",),
            phases=("coverage",),
            case_kind="given twice",
        ),
    ),
    "D35": (
        Situation(
            "918 characters refused for their UTF-16 units",
            "valid_data_rejected",
            "error",
            ("message_length_in_utf16_units",),
            phases=("coverage", "boundaries"),
        ),
    ),
    "D25": (
        Situation(
            "403 for a wrong token: one verdict",
            "rejection_status",
            "warning",
            ("wrong_token_403",),
            phases=("auth",),
            silent=("status_documented",),
        ),
        Situation("an empty 401 body", "json_body", "warning", ("auth_401_empty",), phases=("auth",)),
    ),
    # run-level rows: each fault of the mock's "across the run" category
    "D26": (Situation("equal sends share one uuid", "uuid_unique", "error", ("uuid_from_content",)),),
    "D27": (
        Situation(
            "every 4th request answered 500", "equal_requests_same_outcome", "error", ("flaky_backend_500",)
        ),
    ),
    "D28": (Situation("a new thread per message", "thread_per_pair", "warning", ("thread_per_message",)),),
    "D29": (Situation("fields.*.value null", "field_value_echo", "error", ("field_value_null",)),),
    "D30": (Situation("the lease reported deleted", "lease_live", "error", ("lease_deleted",)),),
    "D31": (
        Situation(
            "automated on every second send", "automated_consistent", "warning", ("automated_alternates",)
        ),
    ),
    "D32": (Situation("local time labelled Z", "clock_matches_date", "error", ("local_time_as_utc",)),),
    "D37": (
        Situation(
            "a repeated parameter crashes the handler: HTTP 500 without fields",
            "rejection_status",
            "error",
            ("repeated_parameter_500",),
            phases=("coverage",),
            silent=("error_envelope",),
        ),
    ),
    "D36": (
        Situation(
            "a Location header on every 200 success",
            "meaningful_headers",
            "warning",
            ("location_header",),
            phases=("examples", "positive"),
            title_has="Location",
        ),
    ),
    "D61": (
        Situation(
            "the token in a header", "token_exposure", "error", ("token_in_header",), title_has="header"
        ),
        Situation(
            "the token base64-encoded in a success body",
            "token_exposure",
            "error",
            ("token_in_body_base64",),
            phases=("examples", "positive"),
            title_has="body",
        ),
        Situation(
            "a Python traceback in a validation error",
            "internal_details",
            "warning",
            ("stack_trace_in_error",),
        ),
    ),
    "D62": (
        Situation(
            "credentialed CORS for every origin", "cors_policy", "warning", ("cors_any_origin_credentials",)
        ),
        Situation(
            "Cache-Control: public on a success",
            "shared_cache",
            "warning",
            ("cache_public_success",),
            phases=("examples", "positive"),
        ),
    ),
    "D63": (
        Situation(
            "a long rejected value echoed cut to 40 characters",
            "field_value_echo",
            "info",
            ("field_value_cut",),
            phases=("negative", "boundaries"),
            title_has="cut short",
        ),
    ),
    "D51": (
        Situation(
            "NaN in a success payload",
            "strict_json",
            "error",
            ("nan_in_body",),
            phases=("examples", "positive"),
            title_has="NaN",
        ),
        Situation(
            "success named twice, false then true",
            "strict_json",
            "error",
            ("duplicate_member",),
            phases=("examples", "positive"),
            title_has="twice",
        ),
    ),
    "D57": (
        Situation(
            "JSON bodies are not authenticated: the confirmation from the leased sender sends",
            "auth_enforced",
            "error",
            ("auth_skipped_for_json_body",),
            phases=("auth",),
            case_kind="confirmed from the leased sender",
        ),
        Situation(
            "an unsigned alg:none JWT is accepted: the confirmation sends",
            "auth_enforced",
            "error",
            ("alg_none_accepted",),
            phases=("auth",),
            case_kind="confirmed from the leased sender",
        ),
        Situation(
            "the real token read from a cookie, Basic auth and other query names",
            "auth_enforced",
            "warning",
            ("undocumented_carriers_accepted",),
            phases=("auth",),
        ),
    ),
    "D58": (
        Situation(
            "a sender matched on its last 10 digits",
            "negative_data_accepted",
            "error",
            ("loose_sender_matching",),
            phases=("not_found",),
        ),
    ),
    "D59": (
        Situation(
            "one shared slot for every send, seen only in flight together",
            "semantic_echo",
            "error",
            ("shared_state_race",),
            phases=("examples",),
        ),
    ),
    "D69": (
        Situation(
            "a body that is not JSON read as a send",
            "strict_request_body",
            "warning",
            ("lenient_json_body",),
            phases=("negative",),
            title_has="not JSON",
        ),
        Situation(
            "a JSON body read as text/plain and form-urlencoded",
            "strict_request_body",
            "warning",
            ("json_body_any_media_type",),
            phases=("negative",),
            title_has="sent as text/plain",
        ),
    ),
}

NOT_DRIVEN: dict[str, str] = {
    "D13": "no check observes redirects: the suite never sends plain HTTP to a remote host, and the "
    "mock serves no redirect; D13 itself says 'not tested'",
    "D11 (405/406)": "no safe request provokes an empty balance (405) or a country ban (406), D11",
    "D4 (missing/empty accepted)": "the same error rule as letters (classify_params); no mock fault "
    "accepts a missing or empty number, and one would only repeat the letters situation",
    "D5 (>918 accepted)": "the same warning rule as an empty Message (classify_params)",
    "D33 (leading zeros echoed as another number)": "the integer comparison of D15's situation "
    "(semantic_echo reads payload.to and TO as integers); no mock fault re-reads leading zeros",
    "D34 (2xx echoing neither value)": "the same semantic_echo rule as D15's situation, over every value "
    "sent; D34's safe cases pair one valid destination with an invalid value, so a faithful reading "
    "echoes the valid one",
    "D35 (request line over 8 KiB refused)": "a front end's limit, not the app's: the mock runs behind no "
    "proxy; the second reference's fault url_limit_414 is reported at that error (tests/reference)",
    "D36 (info for Location on a 201)": "the embedded mock's profile always answers 200; the 201 rule is "
    "the same check's branch on the status, held by tests/engine/test_header_checks.py",
    "D51 (number beyond the double range)": "no mock fault sends 1e400; the warning is the same check's "
    "branch on the finding's kind, held by tests/hostile/test_strict_json.py",
    "D59 (two answers of the burst share a uuid)": "the same uuid_unique rule as D26's situation, over "
    "every exchange of the run, the burst's included",
    "D16 (429 with Retry-After)": "'none' is a promise of silence: the clean mock's zero deviations "
    "(tests/engine/test_selftest.py) and the 429 storm test of tests/client hold it",
}


def summary_rows() -> dict[str, tuple[str, str]]:
    """Decision id -> (check ids, severity text) of each Summary table row."""
    text = DECISIONS.read_text(encoding="utf-8").split("## Summary", 1)[1].split("\n---", 1)[0]
    return {m.group(2): (m.group(3), m.group(4)) for m in ROW.finditer(text) if m.group(2) != "Decision"}


def _situations() -> Iterator[tuple[str, Situation]]:
    for decision, situations in SITUATIONS.items():
        for situation in situations:
            yield decision, situation


def test_every_row_is_driven_or_says_why_not() -> None:
    rows = set(summary_rows())
    not_driven = {key.split(" ", 1)[0] for key in NOT_DRIVEN}
    assert rows - set(SITUATIONS) - not_driven == set()
    assert set(SITUATIONS) <= rows, "a situation for a row the table does not have"


@pytest.mark.parametrize(("decision", "situation"), list(_situations()), ids=lambda v: getattr(v, "label", v))
def test_the_row_promises_this_check_and_severity(decision: str, situation: Situation) -> None:
    checks, severities = summary_rows()[decision]
    assert situation.check in checks, f"{decision}'s row does not list {situation.check}"
    assert situation.severity in severities.lower(), f"{decision}'s row promises no {situation.severity}"
    if situation.variant:
        assert situation.variant in severities or situation.variant in _entry(decision)


def _entry(decision: str) -> str:
    return DECISIONS.read_text(encoding="utf-8").split(f"## {decision}:", 1)[1].split("\n## ", 1)[0]


@pytest.mark.slow
@pytest.mark.parametrize(("decision", "situation"), list(_situations()), ids=lambda v: getattr(v, "label", v))
def test_the_mock_in_this_situation_gets_the_promised_severity(
    decision: str, situation: Situation, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = [d for d in drive(situation, monkeypatch) if d.check in (situation.check, *situation.silent)]
    fired = [d for d in found if d.check == situation.check]
    if situation.driver.startswith("only:"):
        fired = [d for d in fired if d.path == situation.driver.split(":", 1)[1]]
    if situation.case_kind:
        fired = [d for d in fired if situation.case_kind in d.detail.split(": ", 1)[0]]
    assert fired, f"{decision} {situation.label}: {situation.check} did not fire"
    assert {d.severity.value for d in fired} == {situation.severity}, [d.title for d in fired]
    if situation.variant:
        assert {d.evidence.variant for d in fired} == {situation.variant}
    if situation.title_has:
        assert any(situation.title_has in d.title for d in fired)
    assert [d for d in found if d.check in situation.silent] == []


def drive(situation: Situation, monkeypatch: pytest.MonkeyPatch) -> list[Deviation]:
    if situation.driver == "wrong_path":
        return _wrong_path(monkeypatch)
    if situation.driver == "plus_number":
        return _plus_number()
    results = execute(
        RunOptions(
            profile=mock_profile(faults=situation.faults), seed=3, max_examples=2, phases=situation.phases
        )
    )
    return list(results.deviations)


def _wrong_path(monkeypatch: pytest.MonkeyPatch) -> list[Deviation]:
    """A target that serves nothing at POST /rest/sms: the mock under a base URL with another prefix."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    base = mock_profile()
    with MockServer(MockConfig(token=TOKEN, senders=base.senders)) as server:
        profile = replace(
            base,
            name="wrong-path",
            base_url=f"{server.url}/v9",
            auth=AuthConfig(method="header", token_env=TOKEN_ENV),
            embedded_mock=False,
        )
        results = execute(
            RunOptions(profile=profile, seed=3, max_examples=1, phases=("examples", "positive"))
        )
    return list(results.deviations)


def _plus_number() -> list[Deviation]:
    """D4's `+`: a number in S2's E.164 form, sent as TO to a mock that accepts it."""
    params = {"FROM": "12017771234", "TO": "+14155550100", "Message": "plus check"}
    problems = classify_params(params)
    case = Case(
        id="plus-1",
        phase="negative",
        kind="TO with a leading +",
        expectation=Expectation.VALIDATION,
        params=params,
        severity=strongest(problems),
        invalid_params=tuple(p.param for p in problems),
        decision="D4",
    )
    return deviations(["lenient_numbers"], [case])
