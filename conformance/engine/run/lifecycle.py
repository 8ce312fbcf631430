"""The life-cycle phase: after the sends, look each accepted message up until it settles (D67, D68).

Every lookup leaves through the run's ``Sender`` (D49): its rate limit, 429 waits, each request's
deadline and the run's time budget hold for reads as for sends. A throttled read is read again in
the next round rather than re-sent at once, so the read budget is never exceeded; a lookup names no
sender, so it never spends the send budget. The phase reads in rounds (every unsettled message
once), spaced by a backoff that doubles from the plan's ``first_wait_s`` to its ``max_wait_s``,
within ``max_reads`` reads and until ``deadline_s`` after it starts. A message settles once read
terminal twice in a row (the second read shows the state stays). When two rounds find no message at
all, the lookup route is taken to be missing on the target and the phase stops (nothing is judged,
D66). Then two guard probes: the first message read without credentials, and with a second
account's token when there is one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from conformance.contract.operation import lookup_path
from conformance.engine.phases import LIFECYCLE_PHASE
from conformance.engine.profiles import PROBE_READS, FollowPlan
from conformance.engine.sending.sender import Sender
from conformance.model.cases import AuthPlacement, Case, Expectation
from conformance.model.exchange import Exchange
from conformance.model.lifecycle import TERMINAL, FollowedMessage, Lifecycle, figures, json_payload

__all__ = ["LIFECYCLE_PHASE", "FollowOutcome", "accepted_sends", "follow_messages"]


@dataclass
class FollowOutcome:
    """What the phase read, the figures for ``stats.lifecycle``, and why it stopped early ("" if not)."""

    lifecycle: Lifecycle
    figures: dict[str, object] = field(default_factory=dict)
    stopped: str = ""


def accepted_sends(exchanges: Sequence[Exchange], limit: int) -> list[tuple[str, Exchange]]:
    """(uuid, send) of each accepted send, the first of each uuid, at most ``limit`` spread evenly over
    the run: the first and the last always among them, so a target that stops queueing late is seen."""
    found: dict[str, Exchange] = {}
    for exchange in exchanges:
        uuid = (json_payload(exchange) or {}).get("uuid")
        if exchange.request.method == "POST" and isinstance(uuid, str) and uuid and uuid not in found:
            found[uuid] = exchange
    chosen = list(found.items())
    if len(chosen) <= limit:
        return chosen
    if limit == 1:
        return chosen[-1:]
    step = (len(chosen) - 1) / (limit - 1)
    return [chosen[round(i * step)] for i in range(limit)]


def _lookup_case(
    uuid: str, send: Exchange, *, auth: AuthPlacement = AuthPlacement.PROFILE, token: str = "profile"
) -> Case:
    """A lookup of the message ``send`` made; its id names the send's case (``ID~lifecycle``), so a
    replay of the run's failing cases re-sends the send it follows."""
    return Case(
        id=f"{send.case.id}~{LIFECYCLE_PHASE}",
        phase=LIFECYCLE_PHASE,
        kind="lookup",
        expectation=Expectation.SUCCESS,
        auth=auth,
        token=token,
        evidence="S4 GetSMSByUUID (older GitBook)",
        decision="D67",
        method="GET",
        path=lookup_path(uuid),
    )


class _Reader:
    """Reads through the sender, counting every lookup that left against the plan's read budget."""

    def __init__(self, sender: Sender, plan: FollowPlan, count: Callable[[Exchange], None]) -> None:
        self.sender = sender
        self.budget = plan.max_reads
        self.used = 0
        self.count = count

    def read(self, case: Case, *, keep: int = 0) -> Exchange | None:
        """One lookup, leaving ``keep`` reads of the budget unspent; None: not sent. A 429 is that read's
        answer (the rate limiter holds the next read back as it asks, D16): the message is read again
        in the next round, so no re-send ever takes the reads past their budget."""
        if self.used + keep >= self.budget or self.sender.out_of_time():
            return None
        [exchange] = self.sender.each([case])
        if exchange is not None:
            self.used += 1
            self.count(exchange)
        return exchange


def _settled(reads: Sequence[Exchange]) -> bool:
    """The last two reads show the same terminal state: failed, or success with delivered true."""
    last = [json_payload(read) for read in reads[-2:]]
    if len(last) < 2 or any(p is None for p in last):
        return False
    ends = [(p.get("state"), p.get("delivered") is True) for p in last if p is not None]
    state, delivered = ends[-1]
    return ends[0] == ends[1] and state in TERMINAL and (delivered or state == "failed")


def follow_messages(
    sender: Sender,
    exchanges: Sequence[Exchange],
    plan: FollowPlan,
    *,
    second_token: str = "",
    count: Callable[[Exchange], None] = lambda exchange: None,
    sleep: Callable[[float], None] = time.sleep,
) -> FollowOutcome:
    """Follow the accepted sends among ``exchanges`` as ``plan`` says; ``count`` is told of every request."""
    reader = _Reader(sender, plan, count)
    chosen = accepted_sends(exchanges, plan.max_messages)
    reads: dict[str, list[Exchange]] = {uuid: [] for uuid, _ in chosen}
    ended: dict[str, str] = {}
    deadline = time.monotonic() + plan.deadline_s
    wait = plan.first_wait_s
    rounds = 0
    stopped = ""
    while len(ended) < len(chosen) and not stopped:
        for uuid, send in chosen:
            if uuid in ended:
                continue
            exchange = reader.read(_lookup_case(uuid, send), keep=PROBE_READS)
            if exchange is None:
                stopped = "time" if sender.out_of_time() else "budget"
                break
            reads[uuid].append(exchange)
            if _settled(reads[uuid]):
                ended[uuid] = "terminal"
        rounds += 1
        if rounds >= 2 and not any(json_payload(r) for found in reads.values() for r in found):
            break  # two rounds found nothing at all: the route is missing here, not every message (D66)
        if stopped or len(ended) == len(chosen):
            break
        pause = min(wait, deadline - time.monotonic())
        if pause <= 0:
            break
        sleep(pause)
        wait = min(wait * 2, plan.max_wait_s) or plan.max_wait_s
    messages = tuple(
        FollowedMessage(uuid, send, tuple(reads[uuid]), ended.get(uuid, stopped or "deadline"))
        for uuid, send in chosen
    )
    anonymous = foreign = None
    probes = 0
    if messages and stopped != "time":
        first = messages[0]
        anonymous = reader.read(_lookup_case(first.uuid, first.send, auth=AuthPlacement.NONE, token=""))
        probes += anonymous is not None
        if second_token:
            foreign = reader.read(_lookup_case(first.uuid, first.send, token=second_token))
            probes += foreign is not None
    lifecycle = Lifecycle(messages, anonymous=anonymous, foreign=foreign)
    shown = figures(lifecycle, reads=reader.used, read_budget=plan.max_reads, probes=probes)
    reason = {"time": "the time budget", "budget": f"the read budget of {plan.max_reads}"}.get(stopped, "")
    return FollowOutcome(lifecycle, shown, f"following messages stopped by {reason}" if reason else "")
