"""`opentact-conformance diff`: the same seeded cases sent to two targets, the responses compared.

Cases are generated once, from the first profile; the second side gets each case with its own
senders, unleased sender and allow-listed destinations (``conformance.differential.map_case``).
Each side keeps its own safety check, token, rate limit, timeout and send budget.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    from conformance.engine.client import TargetClient
    from conformance.engine.profiles import Profile, SendBudget

__all__ = ["DiffOptions", "SideUnreachableError", "add_parser", "execute_diff", "load_side", "run"]

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
    client: TargetClient
    budget: SendBudget
    negative_only: bool
    sent: int = 0
    statuses: Counter[str] = field(default_factory=Counter)

    def wants(self, case: Case) -> bool:
        return case.expectation.rejects or not self.negative_only

    def send(self, case: Case) -> Exchange:
        from conformance.engine.client import TargetUnreachableError

        try:
            exchange = self.client.send(case)
        except TargetUnreachableError as exc:
            if self.sent == 0:
                raise SideUnreachableError(self.label, str(exc)) from None
            exchange = Exchange(
                case=case,
                request=self.client.build(case),
                response=None,
                error="ConnectError: the target stopped accepting connections",
                sent_at=datetime.now(UTC),
            )
        self.sent += 1
        return exchange


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
    from conformance.engine.client import TargetClient
    from conformance.engine.profiles import SendBudget
    from conformance.engine.runner import resolved_target

    with resolved_target(profile, token, seed) as target:
        budget = SendBudget(profile.max_sends)
        client = TargetClient.for_target(target, token, budget)
        try:
            yield _Side(label, target, client, budget, negative_only)
        finally:
            client.close()


def execute_diff(options: DiffOptions) -> RunResults:
    """Send every case to both sides within their budgets and compare the answers."""
    from conformance import __version__
    from conformance.contract.specfile import load_spec
    from conformance.engine.client import BudgetExhaustedError, credential_secrets
    from conformance.engine.differential import CHECK_DESCRIPTION, CHECK_ID, compare, map_case
    from conformance.engine.generation import GenerationOptions, generate_cases, unsendable
    from conformance.engine.profiles import ProfileError, resolve_token
    from conformance.engine.runner import check_safety, interruption
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
    deviations: list[Deviation] = []
    crashes: list[Crash] = []
    pairs: dict[str, Counter[str]] = defaultdict(Counter)
    compared: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    one_side = 0
    partial_reason = ""
    negative = [chosen in (p.name, label) or p.negative_only for p, label in zip((a, b), labels, strict=True)]
    if any(negative):
        # a case for a negative-only side goes to both sides in a form that cannot send (D18)
        safe = ((c if not c.expectation.rejects else unsendable(c, a)) for c in cases)
        cases = [c for c in safe if c is not None]
    with (
        _side(labels[0], a, tokens[0], options.seed, negative[0]) as side_a,
        # a different mock seed on B: its uuids and threads differ from A's, as between two real targets
        _side(labels[1], b, tokens[1], options.seed + 1, negative[1]) as side_b,
    ):
        try:
            for case in cases:
                b_case = map_case(case, a, b)
                to_a, to_b = side_a.wants(case), side_b.wants(b_case)
                if side_b.negative_only and to_b and side_b.client.needs_budget(b_case):
                    to_b = False  # B's senders read as one of its leases only after mapping: never sent
                if side_a.negative_only and to_a and side_a.client.needs_budget(case):
                    to_a = False
                need_a = to_a and side_a.client.needs_budget(case)
                need_b = to_b and side_b.client.needs_budget(b_case)
                if (
                    (not to_a and not to_b)
                    or (need_a and side_a.budget.exhausted)
                    or (need_b and side_b.budget.exhausted)
                ):
                    skipped[case.phase] += 1
                    continue
                try:
                    a_exchange = side_a.send(case) if to_a else None
                    b_exchange = side_b.send(b_case) if to_b else None
                except BudgetExhaustedError:  # checked above; kept as the last line of defence
                    skipped[case.phase] += 1
                    continue
                pairs[case.phase][f"{_status(a_exchange)}/{_status(b_exchange)}"] += 1
                if a_exchange is None or b_exchange is None:
                    one_side += 1
                    continue
                compared[case.phase] += 1
                try:
                    deviations.extend(
                        compare(
                            case, a_exchange, b_exchange, sides=labels, secrets=secrets, seed=options.seed
                        )
                    )
                except Exception as exc:  # a bug in the comparison must not stop the run
                    crashes.append(Crash(CHECK_ID, case.id, f"{type(exc).__name__}: {exc}"))
        except KeyboardInterrupt as exc:
            partial_reason = f"interrupted ({interruption(exc)}) before every case was sent"
        urls = tuple(
            EMBEDDED if p.embedded_mock else s.profile.base_url for p, s in ((a, side_a), (b, side_b))
        )
        budgets = {
            s.label: {"limit": s.budget.limit, "used": s.budget.used, "sent": s.sent}
            for s in (side_a, side_b)
        }
    phases = tuple(
        PhaseStats(
            name=p,
            cases=sum(1 for c in cases if c.phase == p),
            sent=compared[p],
            skipped=skipped[p],
            status_counts=dict(pairs[p]),
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
        deviations=tuple(deviations),
        phases=phases,
        crashes=tuple(crashes),
        checks={CHECK_ID: CHECK_DESCRIPTION},
        stats={
            "cases": len(cases),
            "compared": sum(compared.values()),
            "sent_to_one_side_only": one_side,
            "skipped_budget_or_negative_only": sum(skipped.values()),
            "sides": budgets,
            "negative_only_for": chosen,
            "status_pairs": "A/B",
        },
        partial=bool(partial_reason),
        partial_reason=partial_reason,
        command="diff",
        tool_version=__version__,
    )
    return results.redacted(Redactor(secrets))  # nothing either side saw of a token leaves the run


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"opentact-conformance diff: {message}", file=sys.stderr)
    return code


def _summary(results: RunResults) -> str:
    counts = results.counts()
    stats = results.stats
    lines = [
        f"diff {results.target.name} — {stats.get('compared', 0)} cases compared "
        f"({stats.get('sent_to_one_side_only', 0)} sent to one side only, "
        f"{stats.get('skipped_budget_or_negative_only', 0)} skipped), seed {results.seed}, "
        f"{results.duration_s:.1f} s",
        f"differences: {counts['error']} error, {counts['warning']} warning, {counts['info']} info",
    ]
    by_title = Counter((d.severity.value, d.title, d.path) for d in results.deviations)
    for (severity, title, path), count in sorted(by_title.items()):
        lines.append(f"  {severity:<7} {title} at {path} ×{count}")
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
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from conformance.contract.specfile import SpecError
    from conformance.engine import case_cache
    from conformance.engine.profiles import ProfileError, resolve_token
    from conformance.engine.runner import SafetyError, interruption
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
            return finish(results, args.report_dir, _summary(results))
    except (ProfileError, SafetyError, SpecError, UnknownFaultError, ReportDirError) as exc:
        return _fail(str(exc))
    except SideUnreachableError as exc:
        return _fail(
            f"target {exc.side} unreachable: {exc}. Check its base URL and that the server is running.",
            EXIT_UNREACHABLE,
        )
