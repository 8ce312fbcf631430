"""Replay: re-send the failing cases of a past run and say, per case, whether they are fixed.

The cases are not rebuilt from the (redacted) requests in ``results.json``: they are generated
again from the recorded options (seed, max-examples, phases, negative-only) for the target's
profile, exactly as the run generated them, and picked by case id. Every request goes through
the same safety rule (live targets need both switches), the same client (rate limit, timeout)
and the same send budget as a run; the same checks judge the answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.checks import CHECKS, CheckContext, run_checks
from conformance.contract.schemas import load_contract
from conformance.contract.specfile import load_spec
from conformance.contract.variants import response_variants
from conformance.engine.client import BudgetExhaustedError, TargetClient, credential_secrets
from conformance.engine.generation import PHASES, GenerationOptions, generate_cases
from conformance.engine.profiles import Profile, SendBudget, resolve_token
from conformance.engine.runner import check_safety, resolved_target, send_case
from conformance.model.cases import Case
from conformance.model.deviations import Deviation, Severity
from conformance.model.problems import problem_id
from conformance.model.redaction import KnownSecrets
from conformance.model.results import RunResults
from strategies.derived_tokens import derived_token_kinds

__all__ = [
    "CHANGED",
    "FIXED",
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
    verdict: str  # FIXED | STILL FAILING | CHANGED | NOT SENT
    before: tuple[Deviation, ...]  # the run's deviations of this case at/above the threshold
    after: tuple[Deviation, ...]  # this replay's
    status: str = ""  # HTTP status now, "no-response", or "" when not sent

    @property
    def passed(self) -> bool:
        return self.verdict == FIXED


@dataclass(frozen=True)
class ReplayOutcome:
    cases: tuple[CaseReplay, ...]
    sends_used: int
    send_budget: int
    interrupted: bool = False

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
    """Re-send the chosen cases within the profile's budget; per case FIXED / STILL FAILING / CHANGED."""
    results, profile = options.results, options.profile
    threshold = options.fail_on or results.fail_on
    check_safety(profile, options.allow_live)
    token = resolve_token(profile)
    options.known_secrets.add(*credential_secrets(token))
    spec = load_spec()
    wanted = options.case_ids or failing_case_ids(results, threshold)
    cases = _pick(generate_cases(profile, spec, _generation(results.invocation, results, token)), wanted)
    check_names = tuple(name for name in results.checks if name in CHECKS) or tuple(CHECKS)
    ctx = CheckContext(
        contract=load_contract(spec),
        variants=response_variants(spec),
        seed=results.seed,
        latency_budget_ms=profile.latency_budget_ms,
        secrets=credential_secrets(token),
    )
    budget = SendBudget(profile.max_sends)
    replayed: list[CaseReplay] = []
    interrupted = False
    with resolved_target(profile, token, results.seed) as target:
        client = TargetClient.for_target(target, token, budget)  # budget spent as in a run (D17)
        try:
            for case in cases:
                before = tuple(
                    d for d in results.deviations if d.case_id == case.id and d.severity.at_least(threshold)
                )
                try:
                    exchange = send_case(client, case, anything_sent=bool(replayed))
                except BudgetExhaustedError:
                    replayed.append(CaseReplay(case.id, NOT_SENT, before, ()))
                    continue
                found, _crashed = run_checks(ctx, exchange, check_names)
                after = tuple(d for d in found if d.severity.at_least(threshold))
                response = exchange.response
                status = str(response.status) if response is not None else "no-response"
                replayed.append(CaseReplay(case.id, _verdict(before, after), before, after, status))
        except KeyboardInterrupt:
            interrupted = True
        finally:
            client.close()
    return ReplayOutcome(tuple(replayed), budget.used, budget.limit, interrupted)
