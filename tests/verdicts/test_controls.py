"""Controls before downgrades (D24): a refusal is re-sent unchanged before a variant may excuse it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support import untimed_mock

from conformance.contract.specfile import load_spec
from conformance.contract.variants import load_variants
from conformance.engine.generation.cases import GenerationOptions, generate_cases
from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.engine.run.variant_probe import downgrade_rescued, request_variants
from conformance.engine.sending.client import TargetClient
from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer
from conformance.model.cases import Case, Expectation
from conformance.model.deviations import Deviation, Severity
from conformance.model.exchange import Exchange

TOKEN = "controls-token-41b9"
VALID = {"FROM": "12017771234", "TO": "14155550100", "Message": "control check"}
PHASES = ("examples", "positive", "boundaries")


@pytest.mark.slow
def test_a_valid_request_answered_500_once_is_an_intermittent_error_with_both_answers() -> None:
    # examples, positive and boundaries: the fault's 7th send is a documented valid one whatever the draws
    phases = ("examples", "positive", "boundaries")
    profile = mock_profile(faults=("intermittent_500",))
    results = execute(RunOptions(profile=profile, seed=3, max_examples=2, phases=phases))
    refused = [d for d in results.deviations if d.check == "valid_data_rejected"]
    intermittent = [d for d in refused if "intermittent" in d.title]
    assert intermittent, [d.title for d in refused]
    assert all(d.severity is Severity.ERROR for d in refused)
    assert all(d.evidence.variant is None for d in refused), "a variant excused a server error"
    for d in intermittent:
        assert (d.response["status"], d.other_response["status"]) == (500, 200)
        assert d.evidence.decision == "D24"
    controls = next(p for p in results.phases if p.name == "variants")
    assert controls.sent >= len({d.case_id for d in intermittent})


@pytest.mark.slow
def test_the_clean_mock_sends_no_control() -> None:
    results = execute(RunOptions(profile=untimed_mock(), seed=3, max_examples=2, phases=PHASES))
    assert results.deviations == ()
    assert "variants" not in {p.name for p in results.phases}


@pytest.mark.slow
def test_without_budget_for_a_control_nothing_is_downgraded_and_nothing_more_is_sent() -> None:
    profile = mock_profile(faults=("requires_lowercase_names",))
    cases = generate_cases(profile, load_spec(), GenerationOptions(seed=3, max_examples=2, phases=PHASES))
    rule = TargetClient("http://127.0.0.1:9", TOKEN, timeout_s=1.0, senders=profile.senders)  # never sends
    budget = sum(rule.needs_budget(case) for case in cases)  # the budget's own rule (D17), as a run spends it
    results = execute(
        RunOptions(
            profile=mock_profile(faults=("requires_lowercase_names",), max_sends=budget),
            seed=3,
            max_examples=2,
            phases=PHASES,
        )
    )
    refused = [d for d in results.deviations if d.check == "valid_data_rejected"]
    assert refused and all(d.severity is Severity.ERROR and d.evidence.variant is None for d in refused)
    assert results.stats["sends_used"] == budget
    assert "variants" not in {p.name for p in results.phases}


@pytest.fixture
def lowercase_only() -> Iterator[TargetClient]:
    """A real target that reads only lowercase names: a canonical control is refused, the variant rescues."""
    config = MockConfig(token=TOKEN, senders=("12017771234",), faults=frozenset({"requires_lowercase_names"}))
    with MockServer(config) as server:
        client = TargetClient(server.url, TOKEN, timeout_s=5.0)
        yield client
        client.close()


def refusal(status: int) -> Deviation:
    return Deviation(
        check="valid_data_rejected",
        severity=Severity.ERROR,
        title="Valid request was rejected",
        detail="a documented request was refused.",
        case_id="c-1",
        phase="positive",
        response={"status": status, "headers": {}, "body": "", "body_truncated": False, "elapsed_ms": 1.0},
    )


@pytest.mark.parametrize(("first_status", "severity"), [(400, Severity.WARNING), (500, Severity.ERROR)])
def test_a_variant_excuses_a_persistent_400_but_never_a_5xx(
    lowercase_only: TargetClient, first_status: int, severity: Severity
) -> None:
    case = Case(id="c-1", phase="positive", kind="valid send", expectation=Expectation.SUCCESS, params=VALID)
    sent: list[Case] = []

    def send(probe: Case) -> Exchange | None:
        sent.append(probe)
        return lowercase_only.send(probe)

    [judged] = downgrade_rescued(
        [refusal(first_status)], {"c-1": case}, request_variants(load_variants()), send
    )
    assert judged.severity is severity
    assert sent[0].id == "c-1~control" and sent[0].params == VALID  # the control comes first, unchanged
    assert judged.evidence.variant == ("query-lowercase" if severity is Severity.WARNING else None)
