"""The life-cycle checks on hand-built lookups (pure functions): each rule fires on the read that breaks it
and stays silent on a clean life; the rules that need several messages (a lost one among found ones, a
route missing for all) are proven here, where the mock cannot show them apart."""

from __future__ import annotations

from lifecycle_exchanges import UUID, delivered_life, read, send

from conformance.checks import CheckContext, run_lifecycle_checks
from conformance.contract.schemas import load_contract
from conformance.model.deviations import Severity
from conformance.model.exchange import Exchange
from conformance.model.lifecycle import FollowedMessage, Lifecycle, figures, json_payload

OTHER = "5d0c1a52-9a4e-4f0e-8f57-0d6f0e2b7c11"
CTX = CheckContext(contract=load_contract())


def findings(lifecycle: Lifecycle) -> list[tuple[str, Severity, str]]:
    found, crashed = run_lifecycle_checks(CTX, lifecycle)
    assert crashed == []
    return [(d.check, d.severity, d.path) for d in found]


def test_a_clean_life_fires_nothing_and_its_figures_show_each_state() -> None:
    life = delivered_life()
    assert findings(Lifecycle((life,))) == []
    shown = figures(Lifecycle((life,)), reads=4, read_budget=10, probes=0)
    assert {state: row["median"] for state, row in shown["time_to_state_s"].items()} == {
        "created": 0.0,
        "sending": 0.5,
        "success": 1.0,
        "delivered": 2.0,
    }
    assert shown["terminal"] == {"success": 1} and shown["delivered_s"] == [2.0]


def test_a_message_never_found_among_found_ones_is_a_silent_drop() -> None:
    lost = FollowedMessage(OTHER, send(OTHER), (read(0.5, 404, OTHER), read(1.5, 404, OTHER)), "deadline")
    assert findings(Lifecycle((delivered_life(), lost))) == [("lifecycle_found", Severity.ERROR, "$.payload")]


def test_a_message_the_phase_could_not_finish_reading_is_not_judged_lost() -> None:
    cut = FollowedMessage(OTHER, send(OTHER), (read(0.5, 404, OTHER),), "budget")
    throttled = FollowedMessage(
        OTHER, send(OTHER), (read(0.5, 404, OTHER), read(1.5, 429, OTHER)), "deadline"
    )
    assert findings(Lifecycle((delivered_life(), cut))) == []
    assert findings(Lifecycle((delivered_life(), throttled))) == []  # the last answer says nothing


def test_when_no_message_is_ever_found_the_route_may_be_missing_and_nothing_is_judged() -> None:
    lives = tuple(FollowedMessage(u, send(u), (read(0.5, 404, u),), "deadline") for u in (UUID, OTHER))
    assert findings(Lifecycle(lives)) == []
    assert figures(Lifecycle(lives), reads=2, read_budget=10, probes=0)["evaluated"] is False


def test_a_message_found_then_gone_is_an_error() -> None:
    life = delivered_life()
    gone = FollowedMessage(UUID, life.send, (*life.reads[:2], read(2.5, 404)), "deadline")
    assert findings(Lifecycle((gone,))) == [("lifecycle_found", Severity.ERROR, "$.payload")]


def test_failed_is_terminal_and_a_state_after_it_goes_back() -> None:
    failed = FollowedMessage(UUID, send(), (read(1.0, state="failed"), read(2.0, state="failed")), "terminal")
    assert findings(Lifecycle((failed,))) == []
    revived = FollowedMessage(
        UUID, send(), (read(1.0, state="failed"), read(2.0, state="sending")), "deadline"
    )
    assert ("lifecycle_state_order", Severity.WARNING, "$.payload.state") in findings(Lifecycle((revived,)))


def test_to_is_compared_by_its_digits_and_a_missing_from_is_not_a_difference() -> None:
    life = delivered_life()
    as_text = [{**_payload(r), "to": "14155550100"} for r in life.reads]
    without_from = [{k: v for k, v in _payload(r).items() if k != "from"} for r in life.reads]
    for payloads in (as_text, without_from):
        reads = tuple(read(float(at), **payload) for at, payload in enumerate(payloads, 1))
        assert findings(Lifecycle((FollowedMessage(UUID, life.send, reads, "terminal"),))) == []


def test_the_guard_probes_fire_only_on_a_2xx() -> None:
    refused = Lifecycle((delivered_life(),), anonymous=read(4.0, 401), foreign=read(4.0, 404))
    assert findings(refused) == []
    shown = Lifecycle((delivered_life(),), anonymous=read(4.0), foreign=read(4.0))
    assert {c for c, _, _ in findings(shown)} == {"lifecycle_lookup_auth", "lifecycle_foreign_message"}


def test_a_lookup_body_outside_s4s_shape_is_a_warning() -> None:
    life = delivered_life()
    bare = read(1.0, state="success", reference_id=7)
    found = findings(Lifecycle((FollowedMessage(UUID, life.send, (bare,), "deadline"),)))
    assert ("lifecycle_envelope", Severity.WARNING, "$.payload.reference_id") in found


def _payload(exchange: Exchange) -> dict[str, object]:
    payload = json_payload(exchange)
    assert payload is not None
    return dict(payload)
