"""``opentact-conformance replay results.json [--case ID …] [--profile …]``: are the failures fixed?

Re-sends the failing cases of a past run (or the named ones) to the target and prints, per case,
FIXED / STILL FAILING / CHANGED. Cases leave as in ``run`` (budget, 429 re-sends, time budget,
concurrency: D49). Exit codes as for ``run``: 0 every case fixed, 1 any still failing, changed, not
sent (send or time budget spent) or not evaluated (still 429), 2 usage, 3 unreachable, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.commands.exit_codes import (
    EXIT_CLEAN,
    EXIT_DEVIATIONS,
    EXIT_INTERRUPTED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)
from conformance.model.deviations import Severity

if TYPE_CHECKING:  # the engine is imported when the command runs, not for `--help` (issue 13)
    from conformance.engine.profiles import Profile
    from conformance.engine.replay import CaseReplay

__all__ = ["add_parser", "recorded_profile", "run"]

_EPILOG = """\
exit codes: 0 every case FIXED · 1 a case STILL FAILING, CHANGED, NOT SENT (send or time budget
            spent) or NOT EVALUATED (still 429 after every re-send, or cut by the time budget)
            2 usage or configuration error · 3 target unreachable · 130 interrupted
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "replay",
        help="re-send the failing cases of a past run; per case FIXED / STILL FAILING / CHANGED",
        description=(
            "Re-send the failing cases of a run (or the named ones) to the target, generated again "
            "from the options results.json records, within the profile's send budget and safety rules."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("results", type=Path, metavar="RESULTS", help="results.json of the run to replay")
    parser.add_argument(
        "--case", action="append", default=[], metavar="ID", help="replay only this case (repeatable)"
    )
    parser.add_argument(
        "--profile",
        metavar="FILE|mock|mock:FAULT,…",
        help="target profile (default: the one the run recorded, with its faults and overrides)",
    )
    parser.add_argument(
        "--live", action="store_true", help="allow a non-loopback target whose profile is live"
    )
    parser.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        default=None,
        help="threshold for 'failing' (default: the run's)",
    )
    return parser


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"opentact-conformance replay: {message}", file=sys.stderr)
    return code


def recorded_profile(invocation: Mapping[str, Any]) -> Profile:
    """The target the run used: its profile, overrides and mock faults, as results.json records them."""
    from conformance.engine.profiles import load_profile
    from conformance.mock.faults import resolve_faults

    profile = load_profile(str(invocation.get("profile_ref") or "mock"))
    faults = [str(f) for f in invocation.get("mock_faults") or ()]
    if faults and profile.embedded_mock:
        profile = replace(profile, mock_faults=tuple(sorted(resolve_faults(faults))))
    return profile.with_overrides(
        base_url=invocation.get("base_url"),
        token_env=invocation.get("token_env"),
        senders=[str(s) for s in invocation.get("senders") or ()],
    )


def _describe(case: CaseReplay) -> str:
    from conformance.engine.replay import FIXED, STILL_FAILING

    def titles(found: tuple[Any, ...]) -> str:
        named = dict.fromkeys(f"{d.check}: {d.title} at {d.path}" for d in found)
        return "; ".join(named) or "–"

    if case.verdict == FIXED:
        return f"was {titles(case.before)}"
    if case.why:  # NOT SENT, NOT EVALUATED
        return case.why
    if case.verdict == STILL_FAILING:
        return titles(case.after)
    return f"now {titles(case.after)}; was {titles(case.before)}"


def run(args: argparse.Namespace) -> int:
    from conformance.contract.specfile import SpecError
    from conformance.engine.client import TargetUnreachableError
    from conformance.engine.profiles import ProfileError, load_profile
    from conformance.engine.replay import (
        CHANGED,
        FIXED,
        NOT_EVALUATED,
        NOT_SENT,
        STILL_FAILING,
        ReplayError,
        ReplayOptions,
        replay,
    )
    from conformance.engine.runner import SafetyError
    from conformance.mock.faults import UnknownFaultError
    from conformance.model.results import ResultsError, load_results

    try:
        results = load_results(args.results)
        profile = load_profile(args.profile) if args.profile else recorded_profile(results.invocation)
        fail_on = Severity.parse(args.fail_on) if args.fail_on else None
        outcome = replay(
            ReplayOptions(
                results=results,
                profile=profile,
                case_ids=tuple(dict.fromkeys(args.case)),
                allow_live=args.live,
                fail_on=fail_on,
                known_secrets=args.known_secrets,
            )
        )
    except (ResultsError, ProfileError, SafetyError, SpecError, ReplayError, UnknownFaultError) as exc:
        return _fail(str(exc))
    except TargetUnreachableError as exc:
        message = f"target unreachable: {exc}. Check its base URL and that it is running."
        return _fail(message, EXIT_UNREACHABLE)
    print(
        f"replay of {len(outcome.cases)} case(s) from {args.results} against {profile.name}: "
        f"{outcome.sends_used}/{outcome.send_budget} sends of the budget used"
    )
    for case in outcome.cases:
        print(f"  {case.verdict:<13} {case.case_id:<16} {case.status or '–':<11} {_describe(case)}")
    verdicts = (FIXED, STILL_FAILING, CHANGED, NOT_SENT, NOT_EVALUATED)
    counts = ", ".join(f"{outcome.count(v)} {v}" for v in verdicts)
    print(f"replay: {counts}")
    if outcome.stopped:
        print(f"replay stopped: {outcome.stopped}; the cases after it were not sent", file=sys.stderr)
    if outcome.interrupted:
        print("replay interrupted: the cases above were replayed, the rest were not", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_CLEAN if all(case.passed for case in outcome.cases) else EXIT_DEVIATIONS
