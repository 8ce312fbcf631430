"""`opentact-conformance diff`: the same seeded cases sent to two targets, the responses compared.

Cases are generated once, from the first profile; the second side gets each case with its own
senders, unleased sender and allow-listed destinations (``conformance.differential.map_case``).
Each side keeps its own safety check and token, and sends through its own ``Sender`` (D49): its send
budget, rate limit, 429 waits and re-sends, timeout, time budget and concurrency, from its profile.
A case goes to both sides or to neither (a case either budget refuses is skipped on both); the two
answers compared are the processed ones (a 429 a re-send replaced is not compared).
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from conformance.commands.exit_codes import EXIT_CODES_HELP, EXIT_UNREACHABLE, EXIT_USAGE
from conformance.commands.options import HelpFormatter, add_generation_and_gate_options
from conformance.commands.report_dir import ReportDirError, claimed_report_dir
from conformance.commands.run import finish, heed_signal, incomplete_results
from conformance.engine.phases import PHASES
from conformance.model.cases import Case
from conformance.model.deviations import Deviation, Severity
from conformance.model.exchange import Exchange
from conformance.model.redaction import KnownSecrets
from conformance.model.results import Crash, PhaseStats, RunResults, TargetInfo

if TYPE_CHECKING:  # the engine is imported when the command runs, not for `--help` (issue 13)
    from conformance.engine.profiles import Profile
    from conformance.engine.sending.resend import ThrottleTally
    from conformance.engine.sending.sender import Job, Sender, Sent

__all__ = [
    "DiffOptions",
    "SideUnreachableError",
    "add_parser",
    "execute_diff",
    "load_side",
    "reproduce_diff",
    "run",
]

EMBEDDED = "embedded mock"


class SideUnreachableError(ConnectionError):
    """One side could not be reached before anything was sent to it."""

    def __init__(self, side: str, message: str) -> None:
        super().__init__(message)
        self.side = side


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "diff",
        help="send the same cases to two targets and report every difference between their answers",
        description=(
            "Differential run: the same seeded cases go to two targets (e.g. sandbox and production); "
            "their responses are compared after normalising volatile values (uuids, threads, "
            "timestamps, echoed texts). Each difference is a deviation naming both sides. "
            "A --profile is a YAML file, 'mock' (the embedded reference mock) or 'mock:FAULT,FAULT' "
            "(the embedded mock with those faults on; `opentact-conformance mock --list-faults`)."
        ),
        epilog=EXIT_CODES_HELP,
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="FILE|mock|mock:FAULT,…",
        help="a side's target profile; give exactly two (A, then B; B is compared against A)",
    )
    add_generation_and_gate_options(parser, live_help="allow non-loopback targets whose profile is live")
    parser.add_argument(
        "--negative-only-for",
        metavar="NAME",
        help="the profile name of the costly side: only cases the documentation says must be rejected "
        "go there (cases sent to one side only are not compared)",
    )
    return parser


def load_side(ref: str) -> Profile:
    """A side's profile: a YAML file, ``mock``, or ``mock:FAULT1,FAULT2`` (the mock with faults on)."""
    from conformance.engine.profiles import load_profile

    return load_profile(ref)


@dataclass(frozen=True)
class DiffOptions:
    a: Profile
    b: Profile
    seed: int = 0
    max_examples: int = 25
    fail_on: Severity = Severity.ERROR
    allow_live: bool = False
    negative_only_for: str | None = None
    # the command's secrets: both tokens and the tokens derived from them (kept off the console)
    known_secrets: KnownSecrets = field(default_factory=KnownSecrets, compare=False)


@dataclass
class _Side:
    label: str
    profile: Profile  # with the real base URL
    sender: Sender
    negative_only: bool
    throttle: ThrottleTally
    sent: int = 0  # requests that went out, 429s a re-send replaced included
    answers: list[Exchange] = field(default_factory=list)  # the processed answers, for the life cycle

    def wants(self, case: Case) -> bool:
        """The case goes to this side: not a case that could send on a negative-only side (D18)."""
        if self.negative_only:
            return case.expectation.rejects and not self.sender.needs_budget(case)
        return True

    def answer(self, job: Job[Sent] | None) -> Sent | None:
        """The job's outcome (None: nothing to send here); a side that cannot be reached before it
        answered anything is named (exit 3)."""
        from conformance.engine.sending.client import TargetUnreachableError

        if job is None:
            return None
        try:
            return job()
        except TargetUnreachableError as exc:
            raise SideUnreachableError(self.label, str(exc)) from None

    def count(self, sent: Sent | None) -> None:
        """What went out to this side for one case, and the throttling it met."""
        if sent is not None:
            self.sent += len(sent.exchanges)
            self.throttle.merge(sent.throttle)

    def count_read(self, exchange: Exchange) -> None:
        """A lookup of the life-cycle phase went out to this side."""
        self.sent += 1

    def follow(self) -> dict[str, object] | None:
        """This side's accepted sends followed through its own Sender (D68), when its profile asks."""
        from conformance.engine.run.lifecycle import follow_messages

        plan = self.profile.follow_plan()
        if plan is None:
            return None
        return follow_messages(self.sender, self.answers, plan, count=self.count_read).figures

    def stats(self) -> dict[str, object]:
        budget, throttle = self.sender.budget, self.throttle
        return {
            "limit": budget.limit,
            "used": budget.used,
            "sent": self.sent,
            "throttled_cases": throttle.cases,
            "throttle_resends": throttle.resends,
            "throttled_unresolved": throttle.unresolved,
            "waited_s": round(self.sender.waited_s, 3),
        }


_Answers = tuple[Case, "Sent | None", "Sent | None"]


def _both(case: Case, a: _Side, a_job: Job[Sent] | None, b: _Side, b_job: Job[Sent] | None) -> _Answers:
    """One case sent to A, then to B, each through its own Sender (its slots bound its concurrency);
    not to B once A's time budget kept it from A."""
    a_sent = a.answer(a_job)
    if a_sent is not None and a_sent.late:
        _release(b_job)
        return case, a_sent, None
    return case, a_sent, b.answer(b_job)


def _release(*jobs: Job[Sent] | None) -> None:
    for job in jobs:
        if job is not None:
            job.release()


def _labels(a: Profile, b: Profile) -> tuple[str, str]:
    if a.name != b.name:
        return a.name, b.name
    return f"{a.name} (A)", f"{b.name} (B)"


def _status(exchange: Exchange | None) -> str:
    if exchange is None:
        return "-"
    return str(exchange.response.status) if exchange.response is not None else "none"


@contextlib.contextmanager
def _side(label: str, profile: Profile, token: str, seed: int, negative_only: bool) -> Iterator[_Side]:
    from conformance.engine.profiles import SendBudget
    from conformance.engine.run.runner import resolved_target
    from conformance.engine.sending.resend import ThrottleTally
    from conformance.engine.sending.sender import Sender

    with (
        resolved_target(profile, token, seed) as target,
        Sender(target, token, SendBudget(profile.max_sends)) as sender,
    ):
        yield _Side(label, target, sender, negative_only, ThrottleTally())


@dataclass
class _Compared:
    """What the diff's sending loop accumulates; turned into RunResults at the end."""

    deviations: list[Deviation] = field(default_factory=list)
    crashes: list[Crash] = field(default_factory=list)
    pairs: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    compared: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    skip_reasons: Counter[str] = field(default_factory=Counter)  # why cases were skipped on both sides
    one_side: int = 0
    partial_reason: str = ""

    def out_of_time(self, sides: tuple[_Side, _Side], done: int, total: int) -> bool:
        """A side's time budget is spent (D19): the diff ends partial for it."""
        spent = [f"{side.label}: {why}" for side in sides if (why := side.sender.time_spent(done, total))]
        self.partial_reason = self.partial_reason or "; ".join(spent)
        return bool(spent)


def _skip_reason(sides: tuple[_Side, _Side], *wanted: tuple[bool, Job[Sent] | None]) -> str:
    """Why a case goes to neither side ("" when it goes): negative-only, or a side's budget spent."""
    if not any(want for want, _ in wanted):
        return "negative-only on both sides"
    for side, (want, job) in zip(sides, wanted, strict=True):
        if want and job is None:
            return f"max_sends of side {side.label} spent"
    return ""


def _preflight(case: Case, sides: tuple[_Side, _Side], found: _Compared) -> _Answers | None:
    """The first valid send of the plan, alone and before any other case (D56), to each side that takes
    it (not a negative-only side, D18): A first, then B. A refused token or an unleased sender ends the
    diff (``PreflightError``, naming the side) and nothing more is sent; any other answer is the case's,
    compared as usual. None when the case is skipped (a side's budget), as any case would be."""
    from conformance.engine.run.differential import map_case
    from conformance.engine.run.preflight import PreflightError, refusal
    from conformance.model.redaction import Redactor

    b_case = map_case(case, sides[0].profile, sides[1].profile)
    wanted = sides[0].wants(case), sides[1].wants(b_case)
    jobs = [
        side.sender.reserve(c) if want else None
        for side, c, want in zip(sides, (case, b_case), wanted, strict=True)
    ]
    why = _skip_reason(sides, *zip(wanted, jobs, strict=True))
    if why:
        found.skip_reasons[why] += 1
        found.skipped[case.phase] += 1
        _release(*jobs)
        return None
    answers: list[Sent | None] = []
    for index, side in enumerate(sides):
        sent = side.answer(jobs[index])
        side.count(sent)
        answers.append(sent)
        if sent is not None and sent.exchange is not None and not sent.late:
            reason = refusal(sent.exchange, side.profile, Redactor(side.sender.secrets), side.label)
            if reason:
                _release(*jobs[index + 1 :])
                raise PreflightError(reason)
    return case, answers[0], answers[1]


def _send_and_compare(
    cases: list[Case], sides: tuple[_Side, _Side], found: _Compared, judge: Callable[[_Answers], None]
) -> None:
    """Each case to both sides, in flight as each side's concurrency allows, the answers in case order.

    A case goes to both sides or to neither: its budget units are reserved on both in case order, and
    a case either side's budget refuses is skipped on both (D17)."""
    from conformance.engine.run.differential import map_case
    from conformance.engine.run.preflight import first_valid_send
    from conformance.engine.sending.inflight import Ready
    from conformance.engine.sending.sender import Job, in_flight

    side_a, side_b = sides
    first = first_valid_send(cases, side_a.profile)
    if first is not None:  # the preflight goes first, on its own; the other cases follow
        answer = _preflight(cases[first], sides, found)
        cases = [*cases[:first], *cases[first + 1 :]]
        if answer is not None:
            judge(answer)

    def jobs() -> Iterator[Callable[[], _Answers]]:
        for index, case in enumerate(cases):
            if found.out_of_time(sides, index, len(cases)):
                return
            b_case = map_case(case, side_a.profile, side_b.profile)
            to_a, to_b = side_a.wants(case), side_b.wants(b_case)
            a_job = side_a.sender.reserve(case) if to_a else None
            b_job = side_b.sender.reserve(b_case) if to_b else None
            why = _skip_reason(sides, (to_a, a_job), (to_b, b_job))
            if why:
                found.skip_reasons[why] += 1
                _release(a_job, b_job)
                yield Ready((case, None, None))  # skipped: settled at once, no place on the wire
                continue
            yield Job(partial(_both, case, side_a, a_job, side_b, b_job), partial(_release, a_job, b_job))

    settled: list[_Answers] = []
    workers = max(side_a.sender.workers, side_b.sender.workers)
    try:
        with in_flight(jobs(), workers, settled) as answers:
            for index, answer in enumerate(answers):
                case, a_sent, b_sent = answer
                if a_sent is None and b_sent is None:
                    found.skipped[case.phase] += 1
                    continue
                side_a.count(a_sent)
                side_b.count(b_sent)
                if not found.out_of_time(sides, index, len(cases)):  # else our budget may have cut them
                    judge(answer)
    finally:
        for _, a_sent, b_sent in settled:  # in flight when the diff stopped: sent, not compared
            side_a.count(a_sent)
            side_b.count(b_sent)


def execute_diff(options: DiffOptions) -> RunResults:
    """Send every case to both sides within their budgets and compare the answers."""
    from conformance import __version__
    from conformance.contract.specfile import load_spec
    from conformance.engine.generation.cases import GenerationOptions, generate_cases, unsendable
    from conformance.engine.profiles import ProfileError, resolve_token
    from conformance.engine.run.differential import (
        CHECK_DESCRIPTION,
        CHECK_ID,
        compare,
        compare_lifecycles,
        lifecycle_summary,
    )
    from conformance.engine.run.runner import check_safety, interruption
    from conformance.engine.sending.client import credential_secrets
    from conformance.model.redaction import Redactor
    from strategies.derived_tokens import derived_token_kinds

    a, b = options.a, options.b
    labels = _labels(a, b)
    chosen = options.negative_only_for
    if chosen is not None and chosen not in (a.name, b.name, *labels):
        raise ProfileError(
            f"--negative-only-for {chosen!r} names neither side; "
            f"the sides are {labels[0]!r} and {labels[1]!r}"
        )
    for profile in (a, b):
        check_safety(profile, options.allow_live)
    tokens = resolve_token(a), resolve_token(b)
    secrets = tuple(secret for t in tokens for secret in credential_secrets(t))
    options.known_secrets.add(*secrets)  # near-miss tokens are as secret as the tokens: off the console too
    # derived-token cases only for kinds both sides' tokens allow; each side derives from its own token
    token_kinds = tuple(k for k in derived_token_kinds(tokens[0]) if k in derived_token_kinds(tokens[1]))
    spec = load_spec()
    generation = GenerationOptions(
        seed=options.seed, max_examples=options.max_examples, token_kinds=token_kinds
    )
    cases = generate_cases(a, spec, generation)
    started, clock = datetime.now(UTC), time.perf_counter()
    found = _Compared()
    negative = [chosen in (p.name, label) or p.negative_only for p, label in zip((a, b), labels, strict=True)]
    if any(negative):
        # a case for a negative-only side goes to both sides in a form that cannot send (D18)
        safe = ((c if not c.expectation.rejects else unsendable(c, a)) for c in cases)
        cases = [c for c in safe if c is not None]

    def judge(answer: _Answers) -> None:
        case, a_sent, b_sent = answer
        if any(s is not None and s.late for s in (a_sent, b_sent)):
            return  # a side's time budget ended before the case had its place on the wire
        a_exchange = a_sent.exchange if a_sent is not None else None
        b_exchange = b_sent.exchange if b_sent is not None else None
        found.pairs[case.phase][f"{_status(a_exchange)}/{_status(b_exchange)}"] += 1
        if any(s is not None and s.throttle.unresolved for s in (a_sent, b_sent)):
            return  # still 429 after every re-send: not processed, nothing of the target to compare
        if a_exchange is None or b_exchange is None:
            found.one_side += 1
            return
        found.compared[case.phase] += 1
        side_a.answers.append(a_exchange)
        side_b.answers.append(b_exchange)
        try:
            found.deviations.extend(
                compare(case, a_exchange, b_exchange, sides=labels, secrets=secrets, seed=options.seed)
            )
        except Exception as exc:  # a bug in the comparison must not stop the run
            found.crashes.append(Crash(CHECK_ID, case.id, f"{type(exc).__name__}: {exc}"))

    with (
        _side(labels[0], a, tokens[0], options.seed, negative[0]) as side_a,
        # a different mock seed on B: its uuids and threads differ from A's, as between two real targets
        _side(labels[1], b, tokens[1], options.seed + 1, negative[1]) as side_b,
    ):
        try:
            _send_and_compare(cases, (side_a, side_b), found, judge)
        except KeyboardInterrupt as exc:
            found.partial_reason = f"interrupted ({interruption(exc)}) before every case was sent"
        lives: dict[str, object] = {}
        if not found.partial_reason:
            followed = [life for side in (side_a, side_b) if (life := side.follow()) is not None]
            if len(followed) == 2:
                summaries = [lifecycle_summary(f) for f in followed]
                lives = dict(zip(labels, summaries, strict=True))
                found.deviations.extend(compare_lifecycles(*summaries, sides=labels, seed=options.seed))
        urls = tuple(
            EMBEDDED if p.embedded_mock else s.profile.base_url for p, s in ((a, side_a), (b, side_b))
        )
        budgets = {s.label: s.stats() for s in (side_a, side_b)}
        unresolved = [
            f"{s.throttle.unresolved} on {s.label}" for s in (side_a, side_b) if s.throttle.unresolved
        ]
    if unresolved:
        still = f"case(s) still throttled (429) after every re-send, not compared: {', '.join(unresolved)}"
        found.partial_reason = "; ".join(filter(None, (found.partial_reason, still)))
    phases = tuple(
        PhaseStats(
            name=p,
            cases=sum(1 for c in cases if c.phase == p),
            sent=found.compared[p],
            skipped=found.skipped[p],
            status_counts=dict(found.pairs[p]),
        )
        for p in PHASES
        if any(c.phase == p for c in cases)
    )
    results = RunResults(
        target=TargetInfo(
            f"{labels[0]} vs {labels[1]}",
            f"{urls[0]} | {urls[1]}",
            a.live or b.live,
            a.auth.method if a.auth.method == b.auth.method else f"{a.auth.method} | {b.auth.method}",
        ),
        spec=spec.summary(),
        seed=options.seed,
        started_at=started.isoformat(timespec="seconds"),
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        duration_s=time.perf_counter() - clock,
        fail_on=options.fail_on,
        deviations=tuple(found.deviations),
        phases=phases,
        crashes=tuple(found.crashes),
        checks={CHECK_ID: CHECK_DESCRIPTION},
        stats={
            "cases": len(cases),
            "compared": sum(found.compared.values()),
            "sent_to_one_side_only": found.one_side,
            "skipped_budget_or_negative_only": sum(found.skipped.values()),
            "skipped_why": dict(found.skip_reasons),
            "sides": budgets,
            "negative_only_for": chosen,
            "status_pairs": "A/B",
            **({"lifecycle": lives} if lives else {}),
        },
        partial=bool(found.partial_reason),
        partial_reason=found.partial_reason,
        command="diff",
        tool_version=__version__,
    )
    return results.redacted(Redactor(secrets))  # nothing either side saw of a token leaves the run


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"opentact-conformance diff: {message}", file=sys.stderr)
    return code


def _why(stats: Any) -> str:
    """ ": max_sends of B spent ×126" — why the skipped cases were skipped ("" when none were)."""
    reasons = stats.get("skipped_why") or {}
    return "".join(f"; {why} ×{count}" if len(reasons) > 1 else f": {why}" for why, count in reasons.items())


def _summary(results: RunResults) -> str:
    counts = results.counts()
    stats = results.stats
    lines = [
        f"diff {results.target.name} — {stats.get('compared', 0)} cases compared "
        f"({stats.get('sent_to_one_side_only', 0)} sent to one side only, "
        f"{stats.get('skipped_budget_or_negative_only', 0)} skipped{_why(stats)}), seed {results.seed}, "
        f"{results.duration_s:.1f} s",
        f"differences: {counts['error']} error, {counts['warning']} warning, {counts['info']} info",
    ]
    by_title = Counter((d.severity.value, d.title, d.path) for d in results.deviations)
    for (severity, title, path), count in sorted(by_title.items()):
        lines.append(f"  {severity:<7} {title} at {path} ×{count}")
    for side, life in (stats.get("lifecycle") or {}).items():
        medians = ", ".join(
            f"{state} {value} s" for state, value in life["median_s"].items() if value is not None
        )
        lines.append(
            f"  life cycle {side}: {life['found']} of {life['followed']} found, last states "
            f"{life['terminal'] or 'none'}; median time to {medians or 'no state'}"
        )
    if results.crashes:
        lines.append(
            f"SUITE BUG: {len(results.crashes)} comparison crash(es), first: {results.crashes[0].error}"
        )
    if results.partial:
        lines.append(f"PARTIAL: {results.partial_reason}")
    lines.append(
        f"verdict: {results.verdict.upper()} "
        f"(fail on {results.fail_on.value}; {len(results.gating())} gating)"
    )
    reproduce = results.invocation.get("reproduce")
    if reproduce:
        lines.append(f"reproduce: {reproduce}")
    return "\n".join(lines)


def reproduce_diff(args: argparse.Namespace) -> str:
    """One ``diff`` command that sends the same cases to the same two targets (no token in it: each
    profile names its variable)."""
    parts = ["opentact-conformance", "diff"]
    for ref in args.profile:
        parts += ["--profile", str(ref)]
    parts += ["--seed", str(args.seed), "--max-examples", str(args.max_examples), "--fail-on", args.fail_on]
    if args.negative_only_for:
        parts += ["--negative-only-for", str(args.negative_only_for)]
    if args.live:
        parts.append("--live")
    return shlex.join(parts)


def run(args: argparse.Namespace) -> int:
    from conformance.contract.specfile import SpecError
    from conformance.engine.generation import cache as case_cache
    from conformance.engine.profiles import ProfileError, resolve_token
    from conformance.engine.run.runner import PreflightError, SafetyError, interruption
    from conformance.mock.faults import UnknownFaultError

    if len(args.profile) != 2:
        return _fail(
            f"give exactly two --profile options (A and B), not {len(args.profile)}; "
            "e.g. --profile sandbox.yaml --profile production.yaml"
        )
    if args.max_examples < 0:
        return _fail("--max-examples must be 0 or more")
    try:
        a, b = (load_side(ref) for ref in args.profile)
        options = DiffOptions(
            a=a,
            b=b,
            seed=args.seed,
            max_examples=args.max_examples,
            fail_on=Severity.parse(args.fail_on),
            allow_live=args.live,
            negative_only_for=args.negative_only_for,
            known_secrets=args.known_secrets,
        )
        if not args.quiet:
            print(f"opentact-conformance: diff {a.name} vs {b.name} (seed {args.seed})", file=sys.stderr)
        for side in (a, b):
            if not side.embedded_mock:
                resolve_token(side)  # a missing or malformed token is refused before anything is touched
        with claimed_report_dir(args.report_dir):
            try:
                with case_cache.caching(not args.no_cache):
                    results = execute_diff(options)
            except KeyboardInterrupt as exc:  # before the sending loop
                results = incomplete_results(f"{a.name} vs {b.name}", args.seed, interruption(exc), "diff")
            results = heed_signal(results)
            results = replace(results, invocation={**results.invocation, "reproduce": reproduce_diff(args)})
            return finish(results, args.report_dir, _summary(results))
    except (ProfileError, SafetyError, SpecError, UnknownFaultError, ReportDirError, PreflightError) as exc:
        return _fail(str(exc))
    except SideUnreachableError as exc:
        return _fail(
            f"target {exc.side} unreachable: {exc}. Check its base URL and that the server is running.",
            EXIT_UNREACHABLE,
        )
