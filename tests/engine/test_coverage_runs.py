"""The coverage phase against real loopback targets: silent on faithful ones, catching each sloppy habit.

Every habit of `sloppy_target` is a class of mistake, not an instance: it must be caught (check and
severity as DECISIONS gives them) on every seed tried, by the cases of the class it breaks. The clean
sloppy target (nothing switched on) and the clean mock give no deviation at all.
"""

from __future__ import annotations

import json

import pytest
from support import untimed_mock

from conformance.engine.profiles import AuthConfig, Profile
from conformance.engine.run.progress import ProgressTick
from conformance.engine.run.runner import RunOptions, execute
from conformance.model.cases import Case
from conformance.model.deviations import Severity
from conformance.model.results import RunResults
from strategies.derived_tokens import derived_tokens

from .sloppy_target import HABITS, SloppyServer, sloppy_server
from .test_coverage_classes import JWT

pytestmark = pytest.mark.slow

TOKEN_ENV = "OPENTACT_COVERAGE_TOKEN"
SENDERS = ("12017771234",)
SEEDS = (1, 2)

# habit -> (check, severity, a class whose cases must carry the deviation); DECISIONS: D15 echo is an
# error, D5/D35 refusing 1..918 characters is an error, D4/D33 letters accepted is an error, D12
# a wrong token accepted is an error, D34 a 5xx for a repeated parameter is an error
CAUGHT = {
    "trims_message": ("semantic_echo", Severity.ERROR, "text:surrounding-spaces"),
    "decodes_twice": ("semantic_echo", Severity.ERROR, "text:url-reserved"),
    "normalises_nfc": ("semantic_echo", Severity.ERROR, "text:combining-marks"),
    "normalises_newlines": ("semantic_echo", Severity.ERROR, "text:crlf"),
    "drops_zero_width": ("semantic_echo", Severity.ERROR, "text:zero-width"),
    "counts_utf16_units": ("valid_data_rejected", Severity.ERROR, "length:utf16-1836-units"),
    "counts_utf8_bytes": ("valid_data_rejected", Severity.ERROR, "length:utf8-2754-bytes"),
    "limits_request_line": ("valid_data_rejected", Severity.ERROR, "length:request-line-over-8KiB"),
    "parses_leading_digits": ("negative_data_accepted", Severity.ERROR, "number:trailing-junk"),
    "token_case_insensitive": ("auth_enforced", Severity.ERROR, "token:case_flipped"),
    "token_prefix": ("auth_enforced", Severity.ERROR, "token:extended"),
    "repeated_parameter_500": ("rejection_status", Severity.ERROR, "number:repeated-parameter"),
}


@pytest.fixture
def jwt_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(TOKEN_ENV, JWT)
    return TOKEN_ENV


def run_coverage(server: SloppyServer, seed: int) -> tuple[RunResults, dict[str, Case]]:
    cases: dict[str, Case] = {}

    def remember(tick: ProgressTick) -> None:
        assert tick.case is not None
        cases[tick.case.id] = tick.case

    profile = Profile(
        name="sloppy",
        base_url=server.url,
        auth=AuthConfig("header", TOKEN_ENV),
        senders=SENDERS,
        max_sends=1000,
        source="test",
    )
    # the coverage phase's own requests, as `run --phase coverage` sends them: no race burst (D59), and
    # this server has no lookup, so no message is followed (D68)
    options = RunOptions(
        profile=profile,
        seed=seed,
        phases=("coverage",),
        progress=remember,
        follow_messages=False,
        send_race=False,
    )
    return execute(options), cases


def test_every_habit_is_catalogued_with_its_catch() -> None:
    assert set(CAUGHT) | {"lenient_numbers"} == set(HABITS)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_faithful_target_gets_no_deviation_from_the_coverage_phase(jwt_env: str, seed: int) -> None:
    with sloppy_server(JWT, SENDERS) as server:
        results, cases = run_coverage(server, seed)
    # every coverage case was sent, and nothing else but the few repeats the run-level checks ask for
    assert [p.name for p in results.phases] == ["coverage", "repeats"]
    assert results.phases[0].sent == results.phases[0].cases == len(cases) > 40
    assert results.stats["sent"] - results.stats["repeats_sent"] == len(cases)
    assert [(d.check, d.severity.value, d.title, cases[d.case_id].kind) for d in results.deviations] == []


@pytest.mark.parametrize("habit", sorted(CAUGHT))
def test_each_sloppy_habit_is_caught_by_the_cases_of_its_class_on_every_seed(
    jwt_env: str, habit: str
) -> None:
    check, severity, domain_class = CAUGHT[habit]
    with sloppy_server(JWT, SENDERS, habit) as server:
        for seed in SEEDS:
            results, cases = run_coverage(server, seed)
            caught = {
                (d.check, d.severity) for d in results.deviations if domain_class in cases[d.case_id].classes
            }
            assert (check, severity) in caught, (seed, sorted((d.check, d.title) for d in results.deviations))


def test_a_request_line_limit_spares_the_case_just_under_it(jwt_env: str) -> None:
    with sloppy_server(JWT, SENDERS, "limits_request_line") as server:
        results, cases = run_coverage(server, 4)
    flagged = {c for d in results.deviations for c in cases[d.case_id].classes}
    assert "length:request-line-over-8KiB" in flagged
    assert "length:request-line-under-8KiB" not in flagged


def test_a_lenient_but_faithful_target_gets_nothing_at_error_level(jwt_env: str) -> None:
    # accepts '+', Unicode digits, surrounding whitespace, leading zeros: bounds the docs leave open (D4)
    with sloppy_server(JWT, SENDERS, "lenient_numbers") as server:
        for seed in SEEDS:
            results, cases = run_coverage(server, seed)
            assert [d for d in results.deviations if d.severity is Severity.ERROR] == []
            warned = {c for d in results.deviations for c in cases[d.case_id].classes}
            assert {
                "number:leading-plus",
                "number:fullwidth-digits",
                "number:surrounding-whitespace",
            } <= warned


def test_derived_tokens_never_appear_in_results(jwt_env: str) -> None:
    with sloppy_server(JWT, SENDERS, "token_case_insensitive", "token_prefix") as server:
        results, _ = run_coverage(server, 3)
    text = json.dumps(results.to_dict(), ensure_ascii=False)
    assert sum(d.check == "auth_enforced" for d in results.deviations) >= 3  # their requests are evidence
    for kind, token in {"real": JWT, **derived_tokens(JWT)}.items():
        assert token not in text, kind
    assert "***REDACTED***" in text


@pytest.mark.parametrize("seed", (0, 1, 2, 3, 4))
def test_the_clean_mock_gives_no_deviation_with_the_coverage_phase_on(seed: int) -> None:
    results = execute(RunOptions(profile=untimed_mock(), seed=seed, max_examples=5))
    coverage = next(p for p in results.phases if p.name == "coverage")
    assert coverage.sent == coverage.cases > 40
    assert {"text:url-reserved", "number:repeated-parameter", "token:one_char_changed"} <= set(
        coverage.classes
    )
    assert [(d.check, d.title, d.case_id) for d in results.deviations] == []
    assert results.to_dict()["phases"][1]["classes"] == list(coverage.classes)
