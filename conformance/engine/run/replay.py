"""Replay: re-send the failing cases of a past run, several times each, and judge them honestly.

The cases are not rebuilt from the (redacted) requests in ``results.json``: they are generated
again from the recorded options (seed, max-examples, phases, negative-only) for the target's
profile, exactly as the run generated them, and picked by case id. Nothing else is taken from the
file: the target and its token come from the command line (D52). Every value read from the file is
checked against a range before anything is generated or sent. Every request goes through the same
safety rule (live targets need both switches) and the same ``Sender`` as a run: the send budget
(D17), the rate limit, 429 waits and re-sends (D16), deadlines and the time budget (D19) and the
profile's concurrency (D42). The same checks judge each processed answer (D49).

Each case is sent ``attempts`` times, in rounds (every case once, then every case again, every
other round in reverse order), so that a small budget is spread over the cases and an intermittent
target gets several chances to fail, and a target failing every k-th request does not fail the
same case every round. A
case whose problem the run saw come and go (D24's control re-send, the equal-requests check) is
never FIXED: if every attempt passes it is NOT REPRODUCED, if some fail it is STILL INTERMITTENT.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.checks import CHECKS, CheckContext, run_checks
from conformance.contract.schemas import load_contract
from conformance.contract.specfile import load_spec
from conformance.contract.variants import response_variants
from conformance.engine.generation.cases import PHASES, GenerationOptions, generate_cases
from conformance.engine.generation.race import RACE_PHASE, is_race_case, race_cases
from conformance.engine.profiles import MAX_RACE_BURST, Profile, SendBudget, resolve_token
from conformance.engine.run.runner import check_safety, resolved_target
from conformance.engine.sending.client import credential_secrets
from conformance.engine.sending.sender import Sender, Sent
from conformance.model.cases import Case
from conformance.model.deviations import Deviation, Severity
from conformance.model.problems import problem_id
from conformance.model.redaction import KnownSecrets
from conformance.model.results import RunResults
from strategies.derived_tokens import derived_token_kinds

__all__ = [
    "CHANGED",
    "CHECK_CRASHED",
    "DEFAULT_ATTEMPTS",
    "FIXED",
    "MAX_ATTEMPTS",
    "MAX_EXAMPLES",
    "NOT_EVALUATED",
    "NOT_REPRODUCED",
    "NOT_SENT",
    "PASSING",
    "STILL_FAILING",
    "STILL_INTERMITTENT",
    "VERDICTS",
    "Attempt",
    "CaseReplay",
    "ReplayError",
    "ReplayOptions",
    "ReplayOutcome",
    "failing_case_ids",
    "problem_key",
    "recorded_generation",
    "replay",
]

FIXED = "FIXED"  # failed every time it was sent before, passed every attempt now
NOT_REPRODUCED = "NOT REPRODUCED"  # intermittent before, passed every attempt now: not proof it is gone
STILL_INTERMITTENT = "STILL INTERMITTENT"  # some attempts failed, some passed
STILL_FAILING = "STILL FAILING"  # every attempt failed, with the same problems as before
CHANGED = "CHANGED"  # every attempt failed, with other problems
PASSING = "STILL PASSING"  # named with --case, had no deviation before, has none now
CHECK_CRASHED = "CHECK CRASHED"  # a check raised on an answer: a suite bug, never a pass
NOT_SENT = "NOT SENT"
NOT_EVALUATED = "NOT EVALUATED"  # sent, but no answer to judge: still 429, or cut by the time budget
VERDICTS = (
    FIXED,
    NOT_REPRODUCED,
    PASSING,
    STILL_INTERMITTENT,
    STILL_FAILING,
    CHANGED,
    CHECK_CRASHED,
    NOT_SENT,
    NOT_EVALUATED,
)
PASSED = frozenset({FIXED, NOT_REPRODUCED, PASSING})

DEFAULT_ATTEMPTS = 3
MAX_ATTEMPTS = 20
MAX_EXAMPLES = 10_000  # cases per phase a replay regenerates; a results file asking for more is refused
MAX_SEED = 2**64  # seeds are whole numbers with |seed| below this
_JUDGED = ""  # the kind of an attempt whose answer the checks judged

OUT_OF_BUDGET = "the profile's send budget (max_sends) is spent"
OUT_OF_TIME = "the profile's time budget (time_budget_s) is spent"
STILL_THROTTLED = "still throttled (429) after every re-send (D16)"
ENDED = "the replay ended (interrupted) before its other attempts were sent"
# the label the control re-send (D24, engine/run/variant_probe.py) puts on a refusal it saw go away
INTERMITTENT_LABEL = " (intermittent:"
INTERMITTENT_CHECK = "equal_requests_same_outcome"  # the run-level check that saw an answer change


class ReplayError(ValueError):
    """A replay that cannot be set up (no recorded options, a value out of range, unknown case id)."""


@dataclass(frozen=True)
class ReplayOptions:
    results: RunResults
    profile: Profile
    case_ids: tuple[str, ...] = ()  # empty: the failing cases of the run
    allow_live: bool = False
    fail_on: Severity | None = None  # default: the run's threshold
    # the command's secrets: the replay adds its token and the tokens derived from it
    known_secrets: KnownSecrets = field(default_factory=KnownSecrets, compare=False)
    attempts: int = DEFAULT_ATTEMPTS  # sends per case, in rounds, within the budget


@dataclass(frozen=True)
class Attempt:
    """One send of one case and what came of it."""

    kind: str  # "" judged, else NOT SENT / NOT EVALUATED / CHECK CRASHED
    status: str = ""  # HTTP status, "no-response", or "" when not sent
    after: tuple[Deviation, ...] = ()  # deviations at/above the threshold, when judged
    why: str = ""

    @property
    def judged(self) -> bool:
        return self.kind == _JUDGED

    @property
    def failed(self) -> bool:
        return self.judged and bool(self.after)


@dataclass(frozen=True)
class CaseReplay:
    """One re-sent case: what the run found, what the target answers now, attempt by attempt."""

    case_id: str
    verdict: str  # one of VERDICTS
    before: tuple[Deviation, ...]  # the run's deviations of this case at/above the threshold
    after: tuple[Deviation, ...]  # this replay's, over every attempt (first of each problem)
    status: str = ""  # the HTTP status of each attempt, space-separated ("–" for one not sent)
    why: str = ""  # what the verdict rests on: "2 of 3 attempts failed", why NOT SENT, the crash
    attempts: tuple[Attempt, ...] = field(default_factory=tuple)
    intermittent_before: bool = False

    @property
    def passed(self) -> bool:
        return self.verdict in PASSED


@dataclass(frozen=True)
class ReplayOutcome:
    cases: tuple[CaseReplay, ...]
    sends_used: int
    send_budget: int
    interrupted: bool = False
    stopped: str = ""  # why the replay ended before every attempt was sent (its time budget, D19)
    attempts: int = DEFAULT_ATTEMPTS

    def count(self, verdict: str) -> int:
        return sum(1 for case in self.cases if case.verdict == verdict)


def problem_key(deviation: Deviation) -> str:
    """The distinct problem, whether or not the run labelled this occurrence intermittent."""
    title = deviation.title.split(INTERMITTENT_LABEL, 1)[0]
    return problem_id(deviation if title == deviation.title else replace(deviation, title=title))


def _seen_intermittent(deviation: Deviation) -> bool:
    """The run saw this deviation come and go: its control re-send passed, or equal requests differed."""
    if deviation.check == INTERMITTENT_CHECK:
        return True
    return deviation.evidence.decision == "D24" and INTERMITTENT_LABEL in deviation.title


def failing_case_ids(results: RunResults, fail_on: Severity) -> tuple[str, ...]:
    """Case ids with a deviation at/above ``fail_on`` (new ones only when the run had a baseline).

    A repeat or control (``ID~repeat``, ``ID~control``) stands for the case it repeats."""
    gating = results.gating() if fail_on is results.fail_on else None
    chosen = gating if gating is not None else [d for d in results.deviations if d.severity.at_least(fail_on)]
    return tuple(dict.fromkeys(_original(d.case_id) for d in chosen if d.case_id))


def _original(case_id: str) -> str:
    return case_id.split("~", 1)[0]


def _field_error(field_name: str, value: Any, wanted: str) -> ReplayError:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return ReplayError(
        f"the results file's field {field_name} is {shown}, which is out of range: it must be {wanted}. "
        "A run of this tool never writes that; the file was edited or damaged. Replay the results.json "
        "a run wrote, or re-run the suite."
    )


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def recorded_generation(results: RunResults) -> GenerationOptions:
    """The recorded generation options, each checked against its range (nothing read is trusted);
    ``ReplayError`` naming the field when one is out of range. Token kinds are the target's (added later)."""
    invocation = results.invocation
    if results.command in ("check-traffic", "proxy"):
        raise ReplayError(
            f"the results file was written by `{results.command}`: it holds an application's traffic, not "
            "cases the suite generated, so there is nothing to send again. Its deviations carry each "
            "request (redacted) and a curl line to repeat it by hand."
        )
    if not isinstance(invocation, Mapping) or "max_examples" not in invocation:
        raise ReplayError(
            "the results file records no invocation (max-examples, phases), so its cases cannot be "
            "generated again; re-run it with this version of opentact-conformance, then replay that run."
        )
    max_examples = invocation["max_examples"]
    if not _whole(max_examples) or not 0 <= max_examples <= MAX_EXAMPLES:
        wanted = f"a whole number from 0 to {MAX_EXAMPLES}"
        raise _field_error("invocation.max_examples", max_examples, wanted)
    if not _whole(results.seed) or not -MAX_SEED < results.seed < MAX_SEED:
        raise _field_error("run.seed", results.seed, "a whole number below 2**64 in size")
    phases = invocation.get("phases") or list(PHASES)
    if not isinstance(phases, list) or not all(isinstance(p, str) and p in PHASES for p in phases):
        raise _field_error("invocation.phases", phases, f"a list of phases among {', '.join(PHASES)}")
    negative_only = invocation.get("negative_only", False)
    if not isinstance(negative_only, bool):
        raise _field_error("invocation.negative_only", negative_only, "true or false")
    return GenerationOptions(
        seed=results.seed,
        max_examples=max_examples,
        negative_only=negative_only,
        phases=tuple(dict.fromkeys(phases)),
    )


def _pick(cases: list[Case], wanted: tuple[str, ...]) -> list[Case]:
    by_id = {case.id: case for case in cases}
    unknown = [case_id for case_id in wanted if case_id not in by_id]
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise ReplayError(
            f"case id(s) {shown} are not among the cases the recorded options generate "
            f"({len(cases)} cases, e.g. {', '.join(list(by_id)[:3])}); pass ids from the results file's "
            "deviations (their case_id) or leave --case out to replay every failing case."
        )
    return [by_id[case_id] for case_id in wanted]


def _race(results: RunResults, profile: Profile, wanted: Sequence[str]) -> list[Case]:
    """The run's race burst (D59), drawn again from its seed, when a wanted case belongs to it."""
    if not any(is_race_case(case_id) for case_id in wanted):
        return []
    count = next((phase.cases for phase in results.phases if phase.name == RACE_PHASE), 0)
    if not _whole(count) or not 0 <= count <= MAX_RACE_BURST:
        raise _field_error("phases[race].cases", count, f"a whole number from 0 to {MAX_RACE_BURST}")
    return race_cases(profile, results.seed, count)


def replay(options: ReplayOptions) -> ReplayOutcome:
    """Re-send the chosen cases ``attempts`` times each within the profile's budgets; judge each case."""
    results, profile = options.results, options.profile
    if not 1 <= options.attempts <= MAX_ATTEMPTS:
        raise ReplayError(f"--attempts {options.attempts} is out of range: give 1 to {MAX_ATTEMPTS}")
    threshold = options.fail_on or results.fail_on
    check_safety(profile, options.allow_live)
    generation = recorded_generation(results)
    token = resolve_token(profile)
    options.known_secrets.add(*credential_secrets(token))
    # the token kinds derived from the token, as the run derived them
    generation = replace(generation, token_kinds=derived_token_kinds(token) if token else ())
    spec = load_spec()
    wanted = options.case_ids or failing_case_ids(results, threshold)
    cases = _pick(generate_cases(profile, spec, generation) + _race(results, profile, wanted), wanted)
    check_names = tuple(name for name in results.checks if name in CHECKS) or tuple(CHECKS)
    budget = SendBudget(profile.max_sends)
    tried: dict[str, list[Attempt]] = {case.id: [] for case in cases}
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

        def attempt(sent: Sent) -> Attempt:
            return _attempt(sent, sender.out_of_time(), ctx, check_names, threshold)

        for number in range(options.attempts):
            pending = [case for case in cases if _open(tried[case.id])]
            if number % 2:  # every other round backwards: a target failing every k-th request does not
                pending.reverse()  # fail the same case each round only because k divides the case count
            if not pending or stopped:
                break
            try:
                stopped = _round(sender, pending, tried, attempt)
            except KeyboardInterrupt:
                interrupted = True
                break
    seen = {problem_key(d) for d in results.deviations if _seen_intermittent(d)}
    before = _before(results, threshold)
    judged = tuple(
        _judged(case.id, before.get(case.id, ()), tried[case.id], options.attempts, seen)
        for case in cases
        if tried[case.id] or not interrupted
    )
    return ReplayOutcome(judged, budget.used, budget.limit, interrupted, stopped, options.attempts)


def _open(attempts: Sequence[Attempt]) -> bool:
    """Whether a case gets another attempt: not when one crashed a check or could not be sent."""
    return all(a.kind in (_JUDGED, NOT_EVALUATED) for a in attempts)


def _round(
    sender: Sender,
    cases: Sequence[Case],
    tried: dict[str, list[Attempt]],
    attempt: Callable[[Sent], Attempt],
) -> str:
    """Send each case once; record each attempt. Returns why the time budget stopped it ("" if not).
    The race burst's cases go out together after the others, as they went in the run (D59)."""
    stopped = ""
    one_by_one = [case for case in cases if not case.in_burst]
    burst = [case for case in cases if case.in_burst]

    def jobs() -> Iterator[Callable[[], Sent]]:
        nonlocal stopped
        for index, case in enumerate(one_by_one):
            stopped = sender.time_spent(index, len(one_by_one))
            if stopped:
                return
            yield sender.job(case)

    done = 0
    with sender.answers(jobs(), []) as answers:
        for sent in answers:
            tried[sent.case.id].append(attempt(sent))
            done += 1
    unsent = one_by_one[done:]  # the time budget ended the round before these were sent
    if burst:
        stopped = stopped or sender.time_spent(0, len(burst))
        if stopped:
            unsent += burst
        else:
            for sent in sender.burst(burst):
                tried[sent.case.id].append(attempt(sent))
    for case in unsent:
        tried[case.id].append(Attempt(NOT_SENT, why=OUT_OF_TIME))
    return stopped


def _before(results: RunResults, threshold: Severity) -> dict[str, tuple[Deviation, ...]]:
    """The run's deviations at/above the threshold by case id (a repeat's under the case it repeats)."""
    found: dict[str, list[Deviation]] = {}
    for d in results.deviations:
        if d.severity.at_least(threshold):
            found.setdefault(_original(d.case_id), []).append(d)
    return {case_id: tuple(deviations) for case_id, deviations in found.items()}


def _attempt(
    sent: Sent, out_of_time: bool, ctx: CheckContext, check_names: tuple[str, ...], threshold: Severity
) -> Attempt:
    """One send, judged on its processed answer (a 429 that a re-send replaced is not judged)."""
    exchange = sent.exchange
    if exchange is None:
        return Attempt(NOT_SENT, why=OUT_OF_TIME if sent.late else OUT_OF_BUDGET)
    response = exchange.response
    status = str(response.status) if response is not None else "no-response"
    if sent.throttle.unresolved:
        return Attempt(NOT_EVALUATED, status, why=STILL_THROTTLED)
    if out_of_time:  # the time budget may have cut this answer: not the target's doing (D19)
        return Attempt(NOT_EVALUATED, status, why=OUT_OF_TIME)
    found, crashed = run_checks(ctx, exchange, check_names)
    if crashed:  # a suite bug, not an answer: never a pass
        failures = "; ".join(f"{name}: {error}" for name, error in crashed)
        return Attempt(CHECK_CRASHED, status, why=f"a check crashed (suite bug): {failures}")
    return Attempt(_JUDGED, status, tuple(d for d in found if d.severity.at_least(threshold)))


def _judged(
    case_id: str, before: tuple[Deviation, ...], attempts: list[Attempt], planned: int, seen: set[str]
) -> CaseReplay:
    """The case's verdict over its attempts; ``seen``: the problems the run saw come and go."""
    intermittent = any(_seen_intermittent(d) or problem_key(d) in seen for d in before)
    after = tuple({problem_key(d): d for a in attempts for d in reversed(a.after)}.values())
    status = " ".join(a.status or "–" for a in attempts)
    verdict, why = _verdict(before, attempts, planned, intermittent)
    return CaseReplay(case_id, verdict, before, after, status, why, tuple(attempts), intermittent)


def _verdict(
    before: Iterable[Deviation], attempts: list[Attempt], planned: int, intermittent: bool
) -> tuple[str, str]:
    """The case's verdict and what it rests on; see the module docstring and D52."""
    crashed = [a for a in attempts if a.kind == CHECK_CRASHED]
    if crashed:
        return CHECK_CRASHED, crashed[0].why
    judged = [a for a in attempts if a.judged]
    failed = [a for a in judged if a.failed]
    unjudged = [a for a in attempts if not a.judged]
    if not judged:
        first = unjudged[0] if unjudged else Attempt(NOT_SENT, why=ENDED)
        return first.kind, first.why
    if failed and len(failed) < len(judged):
        return STILL_INTERMITTENT, f"{len(failed)} of {len(judged)} attempts failed"
    if failed:
        now = {problem_key(d) for a in failed for d in a.after}
        was = {problem_key(d) for d in before}
        return (STILL_FAILING if now == was else CHANGED), f"{len(failed)} of {len(failed)} attempts failed"
    if len(judged) < planned:  # too few passes to call it anything
        reason = unjudged[-1] if unjudged else Attempt(NOT_SENT, why=ENDED)
        return reason.kind, f"only {len(judged)} of {planned} attempts judged, all passed; {reason.why}"
    passes = f"{len(judged)} of {len(judged)} passed"
    if not tuple(before):
        return PASSING, f"{passes}; no deviation in the run either"
    if intermittent:
        return NOT_REPRODUCED, f"{passes}, intermittent before: not proof that it is gone"
    return FIXED, passes
