"""``opentact-conformance replay results.json [--attempts N] [--profile …]``: are the failures gone?

Re-sends the failing cases of a past run (or the named ones) to the target, ``--attempts`` times
each, and prints one line per distinct problem with how many of its cases are FIXED, NOT REPRODUCED,
STILL INTERMITTENT, STILL FAILING, … (``--details``: one line per case). Cases leave as in ``run``
(budget, 429 re-sends, time budget, concurrency: D49).

What replay trusts (D52): the target and its token come only from the command line (``--profile``,
``--base-url``, ``--token-env``, ``--sender``, ``--ca-bundle``, ``--live``). The URL, token variable
and profile path the file records are shown, never followed; without ``--profile``/``--base-url`` a
replay goes to the embedded mock, and only when the file says the run was against it.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
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
from conformance.commands.options import HelpFormatter, add_ca_bundle_option
from conformance.model.deviations import Severity

if TYPE_CHECKING:  # the engine is imported when the command runs, not for `--help` (issue 13)
    from conformance.engine.profiles import Profile
    from conformance.engine.run.replay import CaseReplay, ReplayOutcome
    from conformance.model.results import RunResults

__all__ = ["add_parser", "ran_against_embedded_mock", "replay_target", "run"]

DEFAULT_ATTEMPTS = 3  # the engine's DEFAULT_ATTEMPTS (not imported: `--help` loads no engine)
MAX_ATTEMPTS = 20

_EPILOG = """\
verdicts: FIXED (failed every time before, passed every attempt now) · NOT REPRODUCED (intermittent
          before, passed every attempt now: not proof it is gone) · STILL INTERMITTENT (some attempts
          failed) · STILL FAILING · CHANGED (other problems now) · STILL PASSING (--case with no
          deviation before) · CHECK CRASHED (suite bug) · NOT SENT · NOT EVALUATED (still 429, or cut
          by the time budget)
exit codes: 0 every case FIXED, NOT REPRODUCED or STILL PASSING · 1 any other verdict
            2 usage or configuration error (no target given, a results field out of range)
            3 target unreachable · 130 interrupted
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "replay",
        help="re-send the failing cases of a past run; per problem FIXED / STILL INTERMITTENT / …",
        description=(
            "Re-send the failing cases of a run (or the named ones) to the target given on the command\n"
            "line, generated again from the options results.json records, a few times each, within the\n"
            "profile's send budget and safety rules. The file's URL and token variable are never used (D52)."
        ),
        epilog=_EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("results", type=Path, metavar="RESULTS", help="results.json of the run to replay")
    parser.add_argument(
        "--case", action="append", default=[], metavar="ID", help="replay only this case (repeatable)"
    )
    parser.add_argument(
        "--attempts",
        type=int,
        default=DEFAULT_ATTEMPTS,
        metavar="N",
        help=f"sends per case, 1-{MAX_ATTEMPTS}, in rounds within the send budget; FIXED needs N passes",
    )
    parser.add_argument(
        "--details", "-v", action="store_true", help="one line per case as well as per problem"
    )
    parser.add_argument(
        "--profile",
        metavar="FILE|mock|mock:FAULT,…",
        help="target profile (required unless the run was against the embedded mock: then that mock, "
        "with the run's faults)",
    )
    parser.add_argument("--base-url", help="override the profile's base URL (loopback unless --live)")
    parser.add_argument("--token-env", metavar="VAR", help="environment variable holding the token")
    parser.add_argument(
        "--sender", action="append", default=[], metavar="TN", help="leased sender (repeatable)"
    )
    add_ca_bundle_option(parser)
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


def _shown(value: Any, limit: int = 100) -> str:
    """A value read from the file, safe to print: printable characters only, bounded."""
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ran_against_embedded_mock(invocation: Mapping[str, Any]) -> bool:
    ref = invocation.get("profile_ref")
    mock_ref = isinstance(ref, str) and (ref == "mock" or ref.startswith("mock:"))
    return mock_ref and not invocation.get("base_url")


def _recorded_mock(invocation: Mapping[str, Any]) -> Profile:
    """The embedded mock with the run's faults (the mock's own, harmless: nothing leaves the machine)."""
    from conformance.engine.profiles import load_profile
    from conformance.engine.run.replay import ReplayError
    from conformance.mock.faults import resolve_faults

    profile = load_profile(str(invocation["profile_ref"]))
    faults = invocation.get("mock_faults") or []
    if not isinstance(faults, list) or not all(isinstance(f, str) for f in faults):
        raise ReplayError(
            f"the results file's field invocation.mock_faults is {_shown(faults, 60)}: it must be a list of "
            "fault names. Pass --profile mock or mock:FAULT,… to choose the mock's faults yourself."
        )
    if faults:
        profile = replace(profile, mock_faults=tuple(sorted({*profile.mock_faults, *resolve_faults(faults)})))
    return profile


def replay_target(args: argparse.Namespace, results: RunResults) -> Profile:
    """The target from the command line only; the embedded mock when the run was against it (D52)."""
    from conformance.engine.profiles import load_profile
    from conformance.engine.run.replay import ReplayError

    if args.profile or args.base_url:
        profile = load_profile(args.profile)
    elif ran_against_embedded_mock(results.invocation):
        profile = _recorded_mock(results.invocation)
    else:
        raise ReplayError(
            f"{_recorded(results)}. Replay sends only where the command line says, never to the URL or with "
            "the token variable a results file names: give the target with --profile FILE (the run's "
            "profile, if it is still the one you mean), or --base-url URL with --token-env VAR, or "
            "--profile mock for the embedded mock. Nothing was sent."
        )
    return profile.with_overrides(
        base_url=args.base_url, token_env=args.token_env, senders=args.sender, ca_bundle=args.ca_bundle
    )


def _recorded(results: RunResults) -> str:
    """What the file says about the run's target, shown and never followed."""
    invocation = results.invocation
    target = f"{_shown(results.target.name)} at {_shown(results.target.base_url)}"
    ref = invocation.get("profile_ref")
    if ref and ref != results.target.name:
        target += f" (profile {_shown(ref)})"
    if ran_against_embedded_mock(invocation):
        faults = invocation.get("mock_faults")
        named = ", ".join(map(str, faults)) if isinstance(faults, list) else faults
        return f"the run was against {target}" + (f" with faults {_shown(named)}" if faults else "")
    token_env = invocation.get("token_env")
    token = f"the token from ${_shown(token_env, 60)}" if token_env else "the token its profile names"
    return f"the run was against {target} with {token}"


def _replaying(profile: Profile) -> str:
    where = "the embedded mock" if profile.embedded_mock else profile.base_url
    faults = f" with faults {', '.join(profile.mock_faults)}" if profile.mock_faults else ""
    token = "" if profile.embedded_mock else f" with the token from ${profile.auth.token_env}"
    return f"replaying against {profile.name} at {where}{faults}{token}"


def _describe(case: CaseReplay) -> str:
    from conformance.engine.run.replay import problem_key

    def titles(found: tuple[Any, ...]) -> str:
        named = dict.fromkeys(f"{d.check}: {d.title} at {d.path}" for d in found)
        return "; ".join(named) or "–"

    if case.after and {problem_key(d) for d in case.after} != {problem_key(d) for d in case.before}:
        return f"{case.why}; now {titles(case.after)}; was {titles(case.before)}"
    return f"{case.why}; was {titles(case.before)}" if case.before else case.why


def _problem_lines(outcome: ReplayOutcome) -> list[str]:
    """One line per distinct problem of the run: its cases counted by verdict."""
    from conformance.engine.run.replay import VERDICTS, problem_key

    cases: dict[str, list[CaseReplay]] = defaultdict(list)
    titles: dict[str, str] = {}
    for case in outcome.cases:
        keys = dict.fromkeys(problem_key(d) for d in case.before) or {"": None}
        for key in keys:
            cases[key].append(case)
        for d in case.before:
            title = d.title.split(" (intermittent:", 1)[0]
            titles.setdefault(problem_key(d), f"{d.severity.value:<7} {d.check}  {title} at {d.path}")
    titles[""] = "(no deviation in the run: named with --case)"
    lines = []
    for key, found in cases.items():
        counted = Counter(case.verdict for case in found)
        counts = ", ".join(f"{counted[v]} {v}" for v in VERDICTS if counted[v])
        lines.append(f"  {titles[key]} — {len(found)} case(s): {counts}")
    return lines


def run(args: argparse.Namespace) -> int:
    from conformance.contract.specfile import SpecError
    from conformance.engine.profiles import ProfileError
    from conformance.engine.run.replay import (
        VERDICTS,
        ReplayError,
        ReplayOptions,
        recorded_generation,
        replay,
    )
    from conformance.engine.run.runner import SafetyError
    from conformance.engine.sending.client import TargetUnreachableError
    from conformance.mock.faults import UnknownFaultError
    from conformance.model.results import ResultsError, load_results

    if not 1 <= args.attempts <= MAX_ATTEMPTS:
        return _fail(f"--attempts {args.attempts} is out of range: give 1 to {MAX_ATTEMPTS} (default 3)")
    try:
        results = load_results(args.results)
        recorded_generation(results)  # every recorded value in range before any target is touched
        profile = replay_target(args, results)
        print(f"{_recorded(results)}; {_replaying(profile)}", file=sys.stderr)
        outcome = replay(
            ReplayOptions(
                results=results,
                profile=profile,
                case_ids=tuple(dict.fromkeys(args.case)),
                allow_live=args.live,
                fail_on=Severity.parse(args.fail_on) if args.fail_on else None,
                attempts=args.attempts,
                known_secrets=args.known_secrets,
            )
        )
    except (ResultsError, ProfileError, SafetyError, SpecError, ReplayError, UnknownFaultError) as exc:
        return _fail(str(exc))
    except TargetUnreachableError as exc:
        message = f"target unreachable: {exc}. Check its base URL and that it is running."
        return _fail(message, EXIT_UNREACHABLE)
    print(
        f"replay of {len(outcome.cases)} case(s) from {args.results} against {profile.name}, up to "
        f"{outcome.attempts} attempt(s) each: {outcome.sends_used}/{outcome.send_budget} sends of the "
        "budget used"
    )
    print("\n".join(_problem_lines(outcome)))
    if args.details:
        for case in outcome.cases:
            print(f"    {case.verdict:<18} {case.case_id:<16} {case.status or '–':<14} {_describe(case)}")
    counts = ", ".join(f"{outcome.count(v)} {v}" for v in VERDICTS if outcome.count(v))
    print(f"replay: {counts or 'no failing case to replay'}")
    if outcome.stopped:
        print(f"replay stopped: {outcome.stopped}; the attempts after it were not sent", file=sys.stderr)
    if outcome.interrupted:
        print("replay interrupted: the cases above were replayed, the rest were not", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_CLEAN if all(case.passed for case in outcome.cases) else EXIT_DEVIATIONS
