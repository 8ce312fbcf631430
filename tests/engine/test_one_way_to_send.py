"""One way to send (D49): run, diff and replay meet 429s, time budgets and send budgets alike.

Each test is parametrised over the three commands, each pointed at the same kind of real loopback
target: a proxy that throttles the first two requests in front of a faulty mock (the case is re-sent
after Retry-After and judged on the processed answer, exactly as without the proxy), a server that
trickles its answer a byte a second (the time budget ends the command, no request leaves after it),
and a lenient server that counts every request naming a leased sender (never more than `max_sends`).
For diff the target under test is side A; side B is a mock of its own. The pytest route sends
through ``runner.execute``, the run route here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from conformance.commands.diff import DiffOptions, execute_diff
from conformance.engine.profiles import AuthConfig, Profile
from conformance.engine.run.replay import NOT_EVALUATED, NOT_SENT, STILL_FAILING, ReplayOptions, replay
from conformance.engine.run.runner import RunOptions, execute
from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer
from conformance.model.results import RunResults
from tests.runlevel.throttling_proxy import ThrottlingProxy, throttling_proxy
from tests.safety.servers import LenientSmsServer, TricklingServer

from .conftest import TOKEN, TOKEN_ENV

SEED = 5
EXAMPLES = 2
FAULT = frozenset({"missing_thread"})  # every stored message lacks payload.thread: positive cases fail
SENDERS = MockConfig(token=TOKEN).senders
RETRY_AFTER_S = 1


def _profile(name: str, url: str, **changes: object) -> Profile:
    base = Profile(
        name=name,
        base_url=url,
        auth=AuthConfig("header", TOKEN_ENV),
        senders=SENDERS,
        max_sends=10_000,
        source="test",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Outcome:
    """What a command concluded, in terms the three share."""

    judged: tuple[object, ...]  # its findings about the target's answers
    stopped: str  # why it ended before every case was sent and judged ("" if it did not)
    sends_used: int  # the target's send budget spent
    kept_back: int  # cases the target's send budget kept from it


def _run(target: Profile, failing: RunResults) -> Outcome:
    results = execute(RunOptions(profile=target, seed=SEED, max_examples=EXAMPLES))
    return Outcome(
        tuple(d.key for d in results.deviations),
        results.partial_reason,
        results.stats["sends_used"],
        results.stats["skipped_budget"],
    )


def _diff(target: Profile, failing: RunResults) -> Outcome:
    with MockServer(MockConfig(token=TOKEN, faults=FAULT, seed=2)) as other:
        b = _profile("other", other.url)
        results = execute_diff(DiffOptions(a=target, b=b, seed=SEED, max_examples=EXAMPLES))
    side = results.stats["sides"][target.name]
    judged = (results.stats["compared"], *(d.key for d in results.deviations))
    return Outcome(
        judged, results.partial_reason, side["used"], results.stats["skipped_budget_or_negative_only"]
    )


def _replay(target: Profile, failing: RunResults) -> Outcome:
    outcome = replay(ReplayOptions(results=failing, profile=target))
    judged = tuple((case.case_id, case.verdict, case.why) for case in outcome.cases)
    return Outcome(judged, outcome.stopped, outcome.sends_used, outcome.count(NOT_SENT))


COMMANDS: dict[str, Callable[[Profile, RunResults], Outcome]] = {
    "run": _run,
    "diff": _diff,
    "replay": _replay,
}


@pytest.fixture(scope="module")
def failing() -> Iterator[RunResults]:
    """A run against the faulty mock, with the options replay generates its cases from again."""
    with pytest.MonkeyPatch.context() as patch, MockServer(MockConfig(token=TOKEN, faults=FAULT)) as mock:
        patch.setenv(TOKEN_ENV, TOKEN)
        results = execute(RunOptions(profile=_profile("target", mock.url), seed=SEED, max_examples=EXAMPLES))
    assert len({d.case_id for d in results.gating()}) > 3  # enough failing cases to replay
    yield replace(results, invocation={"max_examples": EXAMPLES})


@pytest.fixture
def throttling_faulty_mock() -> Iterator[ThrottlingProxy]:
    """The faulty mock behind a proxy that answers the first two requests 429, Retry-After: 1."""
    with (
        MockServer(MockConfig(token=TOKEN, faults=FAULT)) as mock,
        throttling_proxy(mock.url, first=2, retry_after=str(RETRY_AFTER_S)) as proxy,
    ):
        yield proxy


@pytest.mark.parametrize("command", COMMANDS)
def test_a_429_is_waited_out_and_the_case_judged_on_its_processed_answer(
    command: str, token_env: str, failing: RunResults, throttling_faulty_mock: ThrottlingProxy
) -> None:
    send = COMMANDS[command]
    with MockServer(MockConfig(token=TOKEN, faults=FAULT)) as direct:
        unthrottled = send(_profile("target", direct.url, concurrency=1), failing)
    throttled = send(_profile("target", throttling_faulty_mock.url, concurrency=1), failing)
    arrivals = throttling_faulty_mock.arrivals
    (first, target, _), (second, again, _), (third, once_more, forwarded) = arrivals[:3]
    print(
        f"{command}: re-sent after {second - first:.2f} s and {third - second:.2f} s "
        f"(Retry-After: {RETRY_AFTER_S}); {len(throttled.judged)} findings, as without the 429s"
    )
    assert target == again == once_more and not forwarded  # the same case, re-sent until processed
    assert second - first >= RETRY_AFTER_S and third - second >= RETRY_AFTER_S
    assert throttled.judged == unthrottled.judged  # judged on the processed answer, as if never throttled
    assert throttled.sends_used == unthrottled.sends_used + 2  # each re-send spends budget (D16)
    assert not throttled.stopped and throttled.judged
    if command == "replay":
        assert {verdict for _, verdict, _ in throttled.judged} == {STILL_FAILING}


@pytest.mark.parametrize("command", COMMANDS)
def test_the_time_budget_ends_the_command_and_no_request_leaves_after_it(
    command: str, token_env: str, failing: RunResults
) -> None:
    with TricklingServer(interval_s=1.0) as slow:
        target = _profile("target", slow.url, timeout_s=60, time_budget_s=1.5, concurrency=1)
        outcome = COMMANDS[command](target, failing)
        connections = slow.connections
    print(f"{command}: {connections} request(s) to the slow target; stopped: {outcome.stopped}")
    assert "time budget of 1.5 s spent" in outcome.stopped
    assert connections == 1  # the request the budget cut; none after it
    assert outcome.sends_used == 1  # cases that waited for their place until then gave their unit back
    if command == "replay":
        whys = [(verdict, why) for _, verdict, why in outcome.judged]
        assert whys[0][0] == NOT_EVALUATED and set(whys[1:]) == {(NOT_SENT, whys[0][1])}


@pytest.mark.parametrize("command", COMMANDS)
def test_the_send_budget_counted_at_the_server_is_never_exceeded(
    command: str, token_env: str, failing: RunResults
) -> None:
    with LenientSmsServer(leased=SENDERS) as lenient:
        target = _profile("target", lenient.url, max_sends=3)  # loopback: 8 requests in flight (D42)
        outcome = COMMANDS[command](target, failing)
        counted = lenient.traffic.naming_leased
    print(f"{command}: the server counted {counted} requests naming a leased sender, max_sends 3")
    assert 0 < counted <= 3
    assert outcome.sends_used == counted
    assert outcome.kept_back > 0  # the budget, not a lack of cases, stopped them


def test_only_the_sender_makes_a_client_and_sends_through_it() -> None:
    package = Path(__file__).resolve().parents[2] / "conformance"
    sending = re.compile(r"TargetClient\(|\.for_target\(|\.send_reserved\(|client\.send\(")
    users = {
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if sending.search(path.read_text(encoding="utf-8"))
    }
    assert users == {"engine/sending/client.py", "engine/sending/sender.py"}  # client.py: the definitions
