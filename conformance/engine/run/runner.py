"""One conformance run: resolve the target, generate cases, send within budget, check, collect results."""

from __future__ import annotations

import contextlib
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from conformance import __version__
from conformance.checks import (
    LIFECYCLE_CHECKS,
    REPEAT_CHECKS,
    CheckContext,
    all_check_names,
    describe,
    run_checks,
    run_lifecycle_checks,
    run_run_checks,
)
from conformance.contract.schemas import load_contract
from conformance.contract.specfile import Spec, load_spec
from conformance.contract.variants import load_variants, response_variants
from conformance.engine.generation.cases import PHASES, GenerationOptions, generate_cases
from conformance.engine.generation.race import RACE_PHASE, race_cases
from conformance.engine.phases import LIFECYCLE_PHASE
from conformance.engine.profiles import (
    FollowPlan,
    Profile,
    ProfileError,
    SendBudget,
    is_loopback_url,
    resolve_second_token,
    resolve_token,
)
from conformance.engine.run.auth_confirm import confirmation_cases
from conformance.engine.run.lifecycle import FollowOutcome, follow_messages
from conformance.engine.run.preflight import AuthWatch, PreflightError, first_valid_send, refusal
from conformance.engine.run.progress import ProgressTick
from conformance.engine.run.variant_probe import PROBE_PHASE, downgrade_rescued, request_variants
from conformance.engine.sending.client import credential_secrets
from conformance.engine.sending.resend import REPEAT_PHASE, ThrottleTally, select_repeats
from conformance.engine.sending.sender import Sender, Sent
from conformance.mock.config import MockConfig
from conformance.mock.process import MockProcess
from conformance.model.cases import Case, Expectation
from conformance.model.coverage import coverage_reason
from conformance.model.deviations import Deviation, Severity
from conformance.model.exchange import Exchange, kept_for_run_level
from conformance.model.redaction import KnownSecrets, Redactor
from conformance.model.results import Crash, PhaseStats, RunResults, TargetInfo
from strategies.derived_tokens import derived_token_kinds

__all__ = [
    "PreflightError",
    "RunOptions",
    "SafetyError",
    "default_min_coverage",
    "execute",
    "interruption",
    "resolved_target",
]

ProgressCallback = Callable[[ProgressTick], None]


class SafetyError(ValueError):
    """A run the safety rules refuse (non-loopback target without both live switches)."""


@dataclass(frozen=True)
class RunOptions:
    profile: Profile
    seed: int = 0
    max_examples: int = 25
    fail_on: Severity = Severity.ERROR
    allow_live: bool = False
    negative_only: bool = False
    phases: tuple[str, ...] = PHASES
    checks: tuple[str, ...] = ()  # empty: all
    shard: tuple[int, int] | None = None  # (i, n), 1-based: run only shard i of n
    probe_variants: bool = True  # the `variants` phase: re-send refused requests in other documented forms
    send_repeats: bool = True  # the `repeats` phase: a few requests sent twice, for the run-level checks
    # the share of planned cases (percent) a run must send to be a complete verdict; None: 100 on the
    # embedded mock or loopback, 0 on a live target (D55)
    min_coverage: float | None = None
    follow_messages: bool = True  # the `lifecycle` phase, where the profile asks for it (D68)
    send_race: bool = True  # the `race` phase: the profile's race burst (D59)
    progress: ProgressCallback | None = field(default=None, compare=False)
    # the command's secrets: the run adds its token and the tokens derived from it (kept off the console)
    known_secrets: KnownSecrets = field(default_factory=KnownSecrets, compare=False)


def check_safety(profile: Profile, allow_live: bool) -> None:
    """Refuse any non-loopback target unless the profile says live: true *and* --live was given."""
    if profile.embedded_mock or is_loopback_url(profile.base_url):
        return
    if not (profile.live and allow_live):
        missing = " and ".join(
            part
            for part, ok in (("'live: true' in the profile", profile.live), ("--live", allow_live))
            if not ok
        )
        raise SafetyError(
            f"profile {profile.source}: base_url {profile.base_url} is not on this machine, and a run there "
            "can "
            f"send real, paid SMS. It needs {missing}. Add them only if you mean to test that target."
        )
    if not profile.base_url.startswith("https://"):
        raise SafetyError(
            f"profile {profile.source}: field 'base_url' must use https:// for a non-loopback target "
            "(Opentact redirects plain HTTP, D13)."
        )


@contextlib.contextmanager
def resolved_target(profile: Profile, token: str, seed: int) -> Iterator[Profile]:
    """The profile with a real base URL: starts the embedded mock when the profile asks for it."""
    with _target_when_ready(profile, token, seed) as target:
        yield target()


@contextlib.contextmanager
def _target_when_ready(
    profile: Profile, token: str, seed: int, second_token: str = ""
) -> Iterator[Callable[[], Profile]]:
    """Starts the embedded mock in its own process (D42) and returns at once; calling what it yields
    waits until the mock answers and gives the profile with its URL. The mock stops on leaving."""
    if not profile.embedded_mock:
        yield lambda: profile
        return
    config = MockConfig(
        token=token, senders=profile.senders, faults=frozenset(profile.mock_faults), seed=seed
    )
    if second_token:  # the mock's second account: the guard probe of lifecycle_foreign_message (D68)
        config = replace(config, second_token=second_token)
    with MockProcess(config) as mock:
        yield lambda: replace(profile, base_url=mock.url)


def interruption(exc: BaseException) -> str:
    """How a run was interrupted, for its partial reason: the signal's name if the CLI set one."""
    return str(getattr(exc, "reason", "") or "Ctrl-C")


def shard_cases(cases: list[Case], shard: tuple[int, int] | None) -> list[Case]:
    """Shard ``i`` of ``n`` (1-based): every n-th case, a deterministic split of the same generated list."""
    if shard is None:
        return cases
    index, count = shard
    return cases[index - 1 :: count]


def shard_budget(max_sends: int, shard: tuple[int, int] | None) -> int:
    """The profile's budget divided between shards, so all shards together never exceed it."""
    if shard is None:
        return max_sends
    index, count = shard
    return max_sends // count + (1 if index <= max_sends % count else 0)


def shard_follow_plan(plan: FollowPlan, shard: tuple[int, int] | None) -> FollowPlan:
    """How a shard follows messages: only the ones it sent (it knows no other uuid), within its share of
    the plan's messages and reads, so all shards together follow and read no more than one run does,
    as their send budgets add up to ``max_sends`` (D17, D68). Deadline and waits hold per shard."""
    if shard is None:
        return plan
    return replace(
        plan,
        max_messages=shard_budget(plan.max_messages, shard),
        max_reads=shard_budget(plan.max_reads, shard),
    )


class _Tally:
    """What the sending loop accumulates; turned into RunResults at the end."""

    def __init__(self) -> None:
        self.deviations: list[Deviation] = []
        self.crashes: list[Crash] = []
        self.status_counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.skipped: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()
        self.answered: set[str] = set()  # ids of planned cases that went out (coverage, D55)
        self.held: set[str] = set()  # ids of planned cases the send budget held back
        self.positive: Counter[str] = Counter()
        self.exchanges: list[Exchange] = []  # every checked exchange and repeat, for the run-level checks
        self.throttle = ThrottleTally()
        self.classes: dict[str, set[str]] = defaultdict(set)  # phase -> domain classes of sent cases
        self.burst: Counter[str] = Counter()  # cases of the bursts after the main phase, by phase

    def record(self, exchange: Exchange, ctx: CheckContext, check_names: tuple[str, ...]) -> None:
        case, response = exchange.case, exchange.response
        self.sent[case.phase] += 1
        self.classes[case.phase].update(case.classes)
        self.status_counts[case.phase][str(response.status) if response else "no-response"] += 1
        if case.expectation is Expectation.SUCCESS and case.severity is not Severity.INFO:
            self.positive["total"] += 1
            self.positive["2xx"] += int(response is not None and 200 <= response.status < 300)
        found, crashed = run_checks(ctx, exchange, check_names)
        self.deviations.extend(found)
        self.crashes.extend(Crash(name, case.id, error) for name, error in crashed)
        self.exchanges.append(kept_for_run_level(exchange))

    def record_superseded(self, exchange: Exchange, ctx: CheckContext, check_names: tuple[str, ...]) -> None:
        """A 429 that a re-send replaces: counted and checked (e.g. a missing Retry-After, D16), but not
        a case's answer: no positive-share count, not given to the run-level checks."""
        self.count(exchange)
        found, crashed = run_checks(ctx, exchange, check_names)
        self.deviations.extend(found)
        self.crashes.extend(Crash(name, exchange.case.id, error) for name, error in crashed)

    def count(self, exchange: Exchange) -> None:
        """A probe, a repeat or a superseded 429: counted in its phase's statistics, not checked."""
        self.sent[exchange.case.phase] += 1
        response = exchange.response
        self.status_counts[exchange.case.phase][str(response.status) if response else "no-response"] += 1

    def phases(self, cases: list[Case]) -> tuple[PhaseStats, ...]:
        planned = Counter(c.phase for c in cases)
        planned[PROBE_PHASE] = self.sent[PROBE_PHASE]
        planned[REPEAT_PHASE] = self.sent[REPEAT_PHASE] + self.skipped[REPEAT_PHASE]
        planned[LIFECYCLE_PHASE] = self.sent[LIFECYCLE_PHASE]
        planned[RACE_PHASE] = self.burst[RACE_PHASE]
        return tuple(
            PhaseStats(
                name=p,
                cases=planned[p],
                sent=self.sent[p],
                skipped=self.skipped[p],
                status_counts=dict(self.status_counts[p]),
                classes=tuple(sorted(self.classes[p])),
            )
            for p in (*PHASES, PROBE_PHASE, RACE_PHASE, REPEAT_PHASE, LIFECYCLE_PHASE)
            if planned[p]
        )


def default_min_coverage(profile: Profile) -> float:
    """100 % on the embedded mock or a loopback target (its budget is ours to raise), 0 % on a live
    target, whose small default budget must not make every live run red (D55)."""
    return 100.0 if profile.embedded_mock or is_loopback_url(profile.base_url) else 0.0


def _coverage(tally: _Tally, cases: list[Case], budget: SendBudget, options: RunOptions) -> dict[str, Any]:
    """Planned, sent and not sent, in all, per phase and per domain class, each with why (D55):
    ``stats.coverage``."""
    held_by = f"max_sends={options.profile.max_sends}"
    if options.shard is not None:
        held_by += f" (shard {options.shard[0]}/{options.shard[1]}'s share {budget.limit})"

    def counts(group: list[Case]) -> dict[str, Any]:
        sent = sum(1 for c in group if c.id in tally.answered)
        held = sum(1 for c in group if c.id in tally.held)
        why = {held_by: held, "time budget or interruption": len(group) - sent - held}
        return {
            "planned": len(group),
            "sent": sent,
            "not_sent": len(group) - sent,
            "not_sent_why": {reason: n for reason, n in why.items() if n},
        }

    by_phase: dict[str, list[Case]] = defaultdict(list)
    by_class: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_phase[case.phase].append(case)
        for name in case.classes:
            by_class[name].append(case)
    total = counts(cases)
    minimum = default_min_coverage(options.profile) if options.min_coverage is None else options.min_coverage
    percent = 100.0 * total["sent"] / len(cases) if cases else 100.0
    return {
        **total,
        "percent": round(percent, 1),
        "min_coverage": minimum,
        "below_min": percent < minimum,
        "phases": {phase: counts(group) for phase, group in by_phase.items()},
        "classes": {name: counts(group) for name, group in sorted(by_class.items())},
        "coverage_classes_not_sent": sorted(
            name for name, group in by_class.items() if not any(c.id in tally.answered for c in group)
        ),
        "negative_only": options.negative_only or options.profile.negative_only,
    }


def _confirmations_and_race(options: RunOptions, tally: _Tally) -> list[list[Case]]:
    """The leaks of the authentication matrix confirmed from the leased sender (D57), then the race
    burst (D59, on the first shard only): each list is sent all at once."""
    profile = options.profile
    batches = []
    if "auth_enforced" in (options.checks or all_check_names()):
        leased = profile.senders[0]
        batches.append(confirmation_cases(tally.exchanges, profile.unleased_sender, leased))
    if options.send_race and profile.race_burst and (options.shard is None or options.shard[0] == 1):
        batches.append(race_cases(profile, options.seed, profile.race_burst))
    return [batch for batch in batches if batch]


def _send_probes(
    sender: Sender,
    tally: _Tally,
    ctx: CheckContext,
    check_names: tuple[str, ...],
    batches: list[list[Case]],
) -> list[Case]:
    """Each batch in flight at once (``Sender.burst``), every answer checked as a case's is; a case the
    budget refuses is counted as skipped. Returns the cases sent."""
    sent_cases: list[Case] = []
    for batch in batches:
        if sender.out_of_time():
            break
        tally.burst.update(case.phase for case in batch)
        for sent in sender.burst(batch):
            tally.throttle.merge(sent.throttle)
            for replaced in sent.superseded:
                tally.record_superseded(replaced, ctx, check_names)
            if sent.exchange is None:
                tally.skipped[sent.case.phase] += 1
            else:
                tally.record(sent.exchange, ctx, check_names)
                sent_cases.append(sent.case)
    return sent_cases


def _send_repeats(sender: Sender, tally: _Tally, superseded: Callable[[Exchange], None]) -> None:
    """Send a few requests a second time (budget spent in the client), for equal_requests_same_outcome."""

    def jobs() -> Iterator[Callable[[], Sent]]:
        for case in select_repeats(tally.exchanges):
            if sender.out_of_time():
                return  # extra evidence only: every planned case was sent already
            yield sender.job(case)

    settled: list[Sent] = []
    try:
        with sender.answers(jobs(), settled) as answers:
            for sent in answers:
                tally.throttle.merge(sent.throttle)
                for replaced in sent.superseded:
                    superseded(replaced)
                if sent.exchange is None:
                    tally.skipped[sent.case.phase] += int(not sent.late)
                    continue
                tally.count(sent.exchange)
                tally.exchanges.append(kept_for_run_level(sent.exchange))
    finally:
        _count_settled(tally, settled)


def _count_settled(tally: _Tally, settled: list[Sent]) -> None:
    """Requests that were in flight when the run stopped and answered meanwhile: sent, not checked."""
    for sent in settled:
        for exchange in sent.exchanges:
            tally.count(exchange)


def _run_level(tally: _Tally, ctx: CheckContext, check_names: tuple[str, ...]) -> None:
    """The run-level checks, after the last exchange; a crash is a suite bug recorded for the run."""
    found, crashed = run_run_checks(ctx, tally.exchanges, check_names)
    tally.deviations.extend(found)
    tally.crashes.extend(Crash(name, "(run)", error) for name, error in crashed)


def _lifecycle(
    tally: _Tally, ctx: CheckContext, check_names: tuple[str, ...], followed: FollowOutcome
) -> None:
    """The life-cycle checks, on what the lifecycle phase read (D67, D68); a crash is a suite bug."""
    found, crashed = run_lifecycle_checks(ctx, followed.lifecycle, check_names)
    tally.deviations.extend(found)
    tally.crashes.extend(Crash(name, f"({LIFECYCLE_PHASE})", error) for name, error in crashed)


def _throttle_stats(tally: _Tally) -> dict[str, int]:
    return {
        "throttled_cases": tally.throttle.cases,
        "throttle_resends": tally.throttle.resends,
        "throttled_unresolved": tally.throttle.unresolved,
        "repeats_sent": tally.sent[REPEAT_PHASE],
    }


def _tick(
    options: RunOptions,
    tally: _Tally,
    budget: SendBudget,
    exchange: Exchange | None,
    case: Case,
    done: int,
    total: int,
) -> None:
    """Tell the progress display where the run is (no-op without one)."""
    if options.progress is None:
        return
    response = exchange.response if exchange is not None else None
    options.progress(
        ProgressTick(
            phase=case.phase,
            done=done,
            total=total,
            status="skipped" if exchange is None else str(response.status) if response else "no-response",
            sends_used=budget.used,
            send_budget=budget.limit,
            deviations=len(tally.deviations),
            case=case,
        )
    )


def execute(options: RunOptions) -> RunResults:
    """Run every case against the target and return the results (partial if interrupted or out of time)."""
    profile = options.profile
    check_safety(profile, options.allow_live)
    token = resolve_token(profile)
    options.known_secrets.add(*credential_secrets(token))  # near-miss tokens are as secret as the token
    second_token = resolve_second_token(profile) if options.follow_messages else ""
    if second_token:
        options.known_secrets.add(second_token)
    spec = load_spec()
    if options.checks:  # a named subset is refused before anything is sent
        unknown = [c for c in options.checks if c not in all_check_names()]
        if unknown:
            raise ProfileError(
                f"unknown check(s) {unknown}; `opentact-conformance run --list-checks` lists them"
            )
    generation = GenerationOptions(
        seed=options.seed,
        max_examples=options.max_examples,
        negative_only=options.negative_only,
        phases=options.phases,
        token_kinds=derived_token_kinds(token) if token else (),
    )
    # the mock starts meanwhile
    with _target_when_ready(profile, token, options.seed, second_token) as target_of:
        cases = shard_cases(generate_cases(profile, spec, generation), options.shard)
        return _send_and_check(options, token, spec, cases, target_of, second_token)


def _send_and_check(
    options: RunOptions,
    token: str,
    spec: Spec,
    cases: list[Case],
    target_of: Callable[[], Profile],
    second_token: str = "",
) -> RunResults:
    """Send the cases to the (started) target, check every answer, and collect the results.

    Everything the checks need is made first, the validators compiled and the redaction patterns too:
    nothing compiles while a request is on the wire, where it would hold the GIL as the request is
    timed, and ``response_time`` judges the target, not this process (D42)."""
    profile = options.profile
    check_names = options.checks or all_check_names()
    contract = load_contract(spec)
    for status, _name, example in contract.examples():  # compiles each validator, resolves its $refs
        for _problem in contract.validate(status, example):
            pass
    ctx = CheckContext(
        contract=contract,
        variants=response_variants(spec),
        seed=options.seed,
        latency_budget_ms=profile.latency_budget_ms,
        secrets=(*credential_secrets(token), *([second_token] if second_token else [])),
    )
    redactor = Redactor(ctx.secrets)
    budget = SendBudget(shard_budget(profile.max_sends, options.shard))
    tally = _Tally()
    started, clock = datetime.now(UTC), time.perf_counter()
    partial_reason = ""
    waited = 0.0
    followed: FollowOutcome | None = None
    target = target_of()
    sender = Sender(target, token, budget)  # the time budget runs from here

    def out_of_time(done: int) -> bool:
        """The time budget is spent: the run ends partial for it."""
        nonlocal partial_reason
        spent = sender.time_spent(done, len(cases))
        partial_reason = spent or partial_reason
        return bool(spent)

    settled: list[Sent] = []
    watch = AuthWatch(profile)
    # the preflight is the first valid send of the plan, moved to the front and sent on its own (D56);
    # negative-only sends no valid request (D18), so it has none
    first = None if options.negative_only or profile.negative_only else first_valid_send(cases, profile)
    if first is not None:
        cases = [cases[first], *cases[:first], *cases[first + 1 :]]
    preflight = "none: negative-only sends no valid request (D18)" if first is None else "not sent"
    if first is None and not (options.negative_only or profile.negative_only):
        preflight = "none: the plan holds no valid send"
    timed_out = False

    def jobs(start: int, stop: int) -> Iterator[Callable[[], Sent]]:
        for index in range(start, stop):
            if out_of_time(index):
                return
            yield sender.job(cases[index])

    def settle(index: int, sent: Sent) -> bool:
        """Judge one answer (the preflight's first); False once the time budget says stop sending."""
        nonlocal timed_out, preflight
        case, exchange = sent.case, sent.exchange
        tally.throttle.merge(sent.throttle)
        for superseded in sent.superseded:
            tally.record_superseded(superseded, ctx, check_names)
        if exchange is None:
            tally.skipped[case.phase] += int(not sent.late)
            if not sent.late:
                tally.held.add(case.id)
            _tick(options, tally, budget, None, case, index + 1, len(cases))
            return True
        tally.answered.add(case.id)
        if timed_out or out_of_time(index):  # the time budget ended it: not the target's fault
            timed_out = True
            tally.count(exchange)
            return True
        if index == 0 and first is not None:
            reason = refusal(exchange, profile, redactor)
            if reason:  # a refused token or an unleased sender: a configuration error, nothing more sent
                raise PreflightError(reason)
            response = exchange.response
            preflight = f"{case.id} ({case.phase}) sent first: " + (
                f"HTTP {response.status}" if response is not None else "no answer"
            )
        tally.record(exchange, ctx, check_names)
        _tick(options, tally, budget, exchange, case, index + 1, len(cases))
        if watch.see(exchange, redactor):  # the token is refused: not hundreds of vendor errors
            raise PreflightError(watch.message())
        return not (index + 1 < len(cases) and out_of_time(index + 1))  # checking spent the budget

    try:
        alone = 0 if first is None else 1  # the preflight, on its own, then the rest
        for start, stop in ((0, alone), (alone, len(cases))):
            with sender.answers(jobs(start, stop), settled) as answers:
                for offset, sent in enumerate(answers):
                    if not settle(start + offset, sent):
                        break  # stop now, as sending does, not when the next answer comes
        negative_only = options.negative_only or profile.negative_only
        probed: list[Case] = []
        if not partial_reason and not negative_only:
            probed = _send_probes(sender, tally, ctx, check_names, _confirmations_and_race(options, tally))
        if not partial_reason and options.probe_variants and "valid_data_rejected" in check_names:

            def probe(case: Case) -> Exchange | None:
                [exchange] = sender.each([case])
                if exchange is not None:
                    tally.count(exchange)
                return exchange

            def probes(batch: Sequence[Case]) -> list[Exchange | None]:
                found = sender.each(batch)
                for exchange in found:
                    if exchange is not None:
                        tally.count(exchange)
                return found

            tally.deviations = downgrade_rescued(
                tally.deviations,
                {c.id: c for c in (*cases, *probed)},
                request_variants(load_variants()),
                probe,
                secrets=credential_secrets(token),
                send_many=probes,
            )
        repeats_checked = REPEAT_CHECKS.intersection(check_names)
        if not partial_reason and options.send_repeats and repeats_checked:
            _send_repeats(sender, tally, lambda ex: tally.record_superseded(ex, ctx, check_names))
        plan = profile.follow_plan()
        plan = None if plan is None else shard_follow_plan(plan, options.shard)
        lifecycle_checked = LIFECYCLE_CHECKS.keys() & set(check_names)
        if plan is not None and lifecycle_checked and options.follow_messages and not partial_reason:
            followed = follow_messages(
                sender, tally.exchanges, plan, second_token=second_token, count=tally.count
            )
            if sender.out_of_time():
                partial_reason = followed.stopped or sender.time_spent(len(cases), len(cases))
    except KeyboardInterrupt as exc:
        partial_reason = f"interrupted ({interruption(exc)}) before every case was sent"
    finally:
        _count_settled(tally, settled)
        waited = sender.waited_s
        sender.close()
    _run_level(tally, ctx, check_names)
    if followed is not None:
        _lifecycle(tally, ctx, check_names, followed)
    if tally.throttle.unresolved:
        unresolved = (
            f"{tally.throttle.unresolved} case(s) still throttled (429) after every re-send: not evaluated"
        )
        partial_reason = "; ".join(filter(None, (partial_reason, unresolved)))
    coverage = _coverage(tally, cases, budget, options)
    if coverage["below_min"] and not partial_reason:  # an interrupted run is incomplete already
        partial_reason = coverage_reason(coverage)
    total = tally.positive["total"]
    stats = {
        "cases": len(cases),
        "sent": sum(tally.sent.values()),
        "skipped_budget": sum(tally.skipped.values()),
        "send_budget": budget.limit,
        "sends_used": budget.used,
        "rate_limited": sum(c["429"] for c in tally.status_counts.values()),
        "waited_s": round(waited, 3),
        "positive_total": total,
        "positive_2xx": tally.positive["2xx"],
        "positive_2xx_share": round(tally.positive["2xx"] / total, 4) if total else None,
        "negative_only": options.negative_only or profile.negative_only,
        "preflight": preflight,
        "coverage": coverage,
        "shard": None if options.shard is None else f"{options.shard[0]}/{options.shard[1]}",
        **_throttle_stats(tally),
        **({"lifecycle": followed.figures} if followed is not None else {}),
    }
    results = RunResults(
        target=TargetInfo(
            profile.name,
            "embedded mock (127.0.0.1)" if profile.embedded_mock else profile.base_url,
            profile.live,
            profile.auth.method,
        ),
        spec=spec.summary(),
        seed=options.seed,
        started_at=started.isoformat(timespec="seconds"),
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        duration_s=time.perf_counter() - clock,
        fail_on=options.fail_on,
        deviations=tuple(tally.deviations),
        phases=tally.phases(cases),
        crashes=tuple(tally.crashes),
        checks={name: describe(name) for name in check_names},
        stats=stats,
        partial=bool(partial_reason),
        partial_reason=partial_reason,
        tool_version=__version__,
    )
    # nothing the run saw of the token (or a token derived from it) leaves it
    return results.redacted(redactor)
