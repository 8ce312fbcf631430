"""Replay: re-send the failing cases of a past run and say, per case, whether they are fixed.

The cases are not rebuilt from the (redacted) requests in ``results.json``: they are generated
again from the recorded options (seed, max-examples, phases, negative-only) for the target's
profile, exactly as the run generated them, and picked by case id. Every request goes through
the same safety rule (live targets need both switches) and the same ``Sender`` as a run: the send
budget (D17), the rate limit, 429 waits and re-sends (D16), deadlines and the time budget (D19) and
the profile's concurrency (D42). The same checks judge each case's processed answer (D49).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.checks import CHECKS, CheckContext, run_checks
from conformance.contract.schemas import load_contract
from conformance.contract.specfile import load_spec
from conformance.contract.variants import response_variants
from conformance.engine.client import credential_secrets
from conformance.engine.generation import PHASES, GenerationOptions, generate_cases
from conformance.engine.profiles import Profile, SendBudget, resolve_token
from conformance.engine.runner import check_safety, resolved_target
from conformance.engine.sending import Sender, Sent
from conformance.model.cases import Case
from conformance.model.deviations import Deviation, Severity
from conformance.model.problems import problem_id
from conformance.model.redaction import KnownSecrets
from conformance.model.results import RunResults
from strategies.derived_tokens import derived_token_kinds

__all__ = [
    "CHANGED",
    "FIXED",
    "NOT_EVALUATED",
    "NOT_SENT",
    "STILL_FAILING",
    "CaseReplay",
    "ReplayError",
    "ReplayOptions",
    "ReplayOutcome",
    "failing_case_ids",
    "replay",
]

FIXED = "FIXED"
STILL_FAILING = "STILL FAILING"
CHANGED = "CHANGED"
NOT_SENT = "NOT SENT"
NOT_EVALUATED = "NOT EVALUATED"  # sent, but no answer to judge: still 429, or cut by the time budget

OUT_OF_BUDGET = "the profile's send budget (max_sends) is spent"
OUT_OF_TIME = "the profile's time budget (time_budget_s) is spent"
STILL_THROTTLED = "still throttled (429) after every re-send (D16)"


class ReplayError(ValueError):
    """A replay that cannot be set up (no recorded options, unknown case id)."""


@dataclass(frozen=True)
class ReplayOptions:
    results: RunResults
    profile: Profile
    case_ids: tuple[str, ...] = ()  # empty: the failing cases of the run
    allow_live: bool = False
    fail_on: Severity | None = None  # default: the run's threshold
    # the command's secrets: the replay adds its token and the tokens derived from it
    known_secrets: KnownSecrets = field(default_factory=KnownSecrets, compare=False)


@dataclass(frozen=True)
class CaseReplay:
    """One re-sent case: what the run found, what the target answers now."""

    case_id: str
    verdict: str  # FIXED | STILL FAILING | CHANGED | NOT SENT | NOT EVALUATED
    before: tuple[Deviation, ...]  # the run's deviations of this case at/above the threshold
    after: tuple[Deviation, ...]  # this replay's
    status: str = ""  # HTTP status now, "no-response", or "" when not sent
    why: str = ""  # why a case was NOT SENT or NOT EVALUATED

    @property
    def passed(self) -> bool:
        return self.verdict == FIXED


@dataclass(frozen=True)
class ReplayOutcome:
    cases: tuple[CaseReplay, ...]
    sends_used: int
    send_budget: int
    interrupted: bool = False
    stopped: str = ""  # why the replay ended before every case was sent (its time budget, D19)

    def count(self, verdict: str) -> int:
        return sum(1 for case in self.cases if case.verdict == verdict)


def failing_case_ids(results: RunResults, fail_on: Severity) -> tuple[str, ...]:
    """Case ids with a deviation at/above ``fail_on`` (new ones only when the run had a baseline)."""
    gating = results.gating() if fail_on is results.fail_on else None
    chosen = gating if gating is not None else [d for d in results.deviations if d.severity.at_least(fail_on)]
    return tuple(dict.fromkeys(d.case_id for d in chosen if d.case_id))


def _generation(invocation: Mapping[str, Any], results: RunResults, token: str) -> GenerationOptions:
    if results.command in ("check-traffic", "proxy"):
        raise ReplayError(
            f"the results file was written by `{results.command}`: it holds an application's traffic, not "
            "cases the suite generated, so there is nothing to send again. Its deviations carry each "
            "request (redacted) and a curl line to repeat it by hand."
        )
    if "max_examples" not in invocation:
        raise ReplayError(
            "the results file records no invocation (max-examples, phases), so its cases cannot be "
            "generated again; re-run it with this version of opentact-conformance, then replay that run."
        )
    phases = tuple(p for p in invocation.get("phases") or PHASES if p in PHASES)
    return GenerationOptions(
        seed=results.seed,
        max_examples=int(invocation["max_examples"]),
        negative_only=bool(invocation.get("negative_only")),
        phases=phases or PHASES,
        token_kinds=derived_token_kinds(token) if token else (),  # as the run derived them
    )


def _verdict(before: Iterable[Deviation], after: Iterable[Deviation]) -> str:
    now = {problem_id(d) for d in after}
    if not now:
        return FIXED
    return STILL_FAILING if now == {problem_id(d) for d in before} else CHANGED


def _pick(cases: list[Case], wanted: tuple[str, ...]) -> list[Case]:
    by_id = {case.id: case for case in cases}
    unknown = [case_id for case_id in wanted if case_id not in by_id]
    if unknown:
        raise ReplayError(
            f"case id(s) {', '.join(unknown)} are not among the cases the recorded options generate "
            f"({len(cases)} cases, e.g. {', '.join(list(by_id)[:3])}); pass ids from the results file's "
            "deviations (their case_id) or leave --case out to replay every failing case."
        )
    return [by_id[case_id] for case_id in wanted]


def replay(options: ReplayOptions) -> ReplayOutcome:
    """Re-send the chosen cases within the profile's budgets; per case FIXED / STILL FAILING / CHANGED."""
    results, profile = options.results, options.profile
    threshold = options.fail_on or results.fail_on
    check_safety(profile, options.allow_live)
    token = resolve_token(profile)
    options.known_secrets.add(*credential_secrets(token))
    spec = load_spec()
    wanted = options.case_ids or failing_case_ids(results, threshold)
    cases = _pick(generate_cases(profile, spec, _generation(results.invocation, results, token)), wanted)
    check_names = tuple(name for name in results.checks if name in CHECKS) or tuple(CHECKS)
    budget = SendBudget(profile.max_sends)
    replayed: list[CaseReplay] = []
    interrupted = False
    stopped = ""
    with resolved_target(profile, token, results.seed) as target, Sender(target, token, budget) as sender:
        ctx = CheckContext(
            contract=load_contract(spec),
            variants=response_variants(spec),
            seed=results.seed,
            latency_budget_ms=profile.latency_budget_ms,
            secrets=sender.secrets,
        )

        def jobs() -> Iterator[Callable[[], Sent]]:
            nonlocal stopped
            for index, case in enumerate(cases):
                stopped = sender.time_spent(index, len(cases))
                if stopped:
                    return
                yield sender.job(case)

        try:
            with sender.answers(jobs(), []) as answers:
                for sent in answers:
                    before = _before(results, sent.case, threshold)
                    replayed.append(_judged(sent, before, sender.out_of_time(), ctx, check_names, threshold))
        except KeyboardInterrupt:
            interrupted = True
    if not interrupted:  # the time budget ended the replay before these were sent
        for case in cases[len(replayed) :]:
            replayed.append(
                CaseReplay(case.id, NOT_SENT, _before(results, case, threshold), (), why=OUT_OF_TIME)
            )
    return ReplayOutcome(tuple(replayed), budget.used, budget.limit, interrupted, stopped)


def _before(results: RunResults, case: Case, threshold: Severity) -> tuple[Deviation, ...]:
    """The run's deviations of this case at/above the threshold."""
    return tuple(d for d in results.deviations if d.case_id == case.id and d.severity.at_least(threshold))


def _judged(
    sent: Sent,
    before: tuple[Deviation, ...],
    out_of_time: bool,
    ctx: CheckContext,
    check_names: tuple[str, ...],
    threshold: Severity,
) -> CaseReplay:
    """One case's verdict, on its processed answer (a 429 that a re-send replaced is not judged)."""
    case_id, exchange = sent.case.id, sent.exchange
    if exchange is None:
        return CaseReplay(case_id, NOT_SENT, before, (), why=OUT_OF_TIME if sent.late else OUT_OF_BUDGET)
    response = exchange.response
    status = str(response.status) if response is not None else "no-response"
    if sent.throttle.unresolved:
        return CaseReplay(case_id, NOT_EVALUATED, before, (), status, why=STILL_THROTTLED)
    if out_of_time:  # the time budget may have cut this answer: not the target's doing (D19)
        return CaseReplay(case_id, NOT_EVALUATED, before, (), status, why=OUT_OF_TIME)
    found, crashed = run_checks(ctx, exchange, check_names)
    if crashed:  # a suite bug, not an answer: the case is not judged on it
        failures = "; ".join(f"{name}: {error}" for name, error in crashed)
        return CaseReplay(
            case_id, NOT_EVALUATED, before, (), status, why=f"check crashed (suite bug): {failures}"
        )
    after = tuple(d for d in found if d.severity.at_least(threshold))
    return CaseReplay(case_id, _verdict(before, after), before, after, status)
