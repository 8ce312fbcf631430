"""`opentact-conformance run`: the gate against one target."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.commands import signals
from conformance.commands.console import figures_line, make_progress, summary_lines
from conformance.commands.doc_pages import documentation_pages
from conformance.commands.exit_codes import (
    EXIT_CLEAN,
    EXIT_CODES_HELP,
    EXIT_DEVIATIONS,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)
from conformance.commands.options import HelpFormatter, add_ca_bundle_option, add_generation_and_gate_options
from conformance.commands.report_dir import ReportDirError, claimed_report_dir
from conformance.engine.phases import PHASES, PROBE_PHASE, RACE_PHASE, REPEAT_PHASE
from conformance.model.coverage import coverage_note
from conformance.model.deviations import Severity
from conformance.model.results import RunResults, TargetInfo

if TYPE_CHECKING:  # the engine is imported when a command runs, not for `--help` (issue 13)
    from conformance.engine.run.runner import RunOptions

__all__ = [
    "add_parser",
    "finish",
    "incomplete_results",
    "run",
    "verdict_word",
    "write_artefacts",
    "write_incomplete",
]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="run the conformance gate against a target (default: the embedded mock)",
        description="Run the conformance gate. With no options: against the embedded reference mock.",
        epilog=EXIT_CODES_HELP,
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--profile",
        metavar="FILE|mock|mock:FAULT,…",
        help="target profile YAML, 'mock' (default), or 'mock:FAULT1,FAULT2' (the mock with faults on)",
    )
    parser.add_argument("--base-url", help="override the profile's base URL (loopback unless --live)")
    parser.add_argument("--token-env", metavar="VAR", help="environment variable holding the token")
    parser.add_argument(
        "--sender", action="append", default=[], metavar="TN", help="leased sender (repeatable)"
    )
    add_generation_and_gate_options(parser, live_help="allow a non-loopback target whose profile is live")
    parser.add_argument(
        "--negative-only",
        action="store_true",
        help="send only requests the documentation says must be rejected",
    )
    parser.add_argument(
        "--baseline", type=Path, metavar="RESULTS", help="fail only on deviations new since this"
    )
    parser.add_argument(
        "--phase",
        action="append",
        choices=(*PHASES, PROBE_PHASE, RACE_PHASE, REPEAT_PHASE),
        default=[],
        help=f"only these phases (repeatable; default: all); '{PROBE_PHASE}' re-sends refused documented "
        f"requests in the other documented forms; '{RACE_PHASE}' sends the race burst (D59); "
        f"'{REPEAT_PHASE}' sends a few requests twice for the run-level checks",
    )
    parser.add_argument(
        "--check", action="append", default=[], metavar="ID", help="only these checks (default: all)"
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="switch on a fault of the embedded mock (self-test and demos)",
    )
    parser.add_argument(
        "--shard", type=_shard, metavar="I/N", help="run shard I of N (1-based); merge with `report --merge`"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="requests in flight at once, 1-64 (overrides the profile's concurrency key; D42)",
    )
    parser.add_argument(
        "--min-coverage",
        type=float,
        metavar="PCT",
        help="share of planned cases (percent) the run must send; below it the verdict is INCOMPLETE, "
        "exit 1 (default: 100 on the mock or loopback, 0 on a live target; D55)",
    )
    parser.add_argument(
        "--race-burst",
        type=int,
        metavar="N",
        help="distinct valid sends put in flight at once after the main phase, 0-16 (default 4; 0: none; "
        "overrides the profile's race_burst key; D59)",
    )
    add_ca_bundle_option(parser)
    parser.add_argument("--list-checks", action="store_true", help="list the checks and exit")
    return parser


def _shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> (2, 4); argparse turns a ValueError into a usage error (exit 2)."""
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit()) or not 1 <= int(index) <= int(count):
        raise argparse.ArgumentTypeError(f"--shard takes I/N with 1 <= I <= N, e.g. 1/4; got {text!r}")
    return int(index), int(count)


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"opentact-conformance: {message}", file=sys.stderr)
    return code


def write_artefacts(results: RunResults, report_dir: Path) -> list[Path]:
    """results.json first (the source of truth), then report.html and junit.xml rendered from it."""
    from reports.html import write_html
    from reports.junit import write_junit

    results_path = report_dir / "results.json"
    results.write(results_path)
    pages = documentation_pages()
    return [results_path, write_html(results, report_dir, pages=pages), write_junit(results, report_dir)]


def _summary(results: RunResults, started: float | None = None) -> str:
    counts = results.counts()
    share = results.stats.get("positive_2xx_share")
    lines = [
        figures_line(results, None if started is None else time.perf_counter() - started),
        f"deviations: {counts['error']} error, {counts['warning']} warning, {counts['info']} info"
        + (f"; valid sends reaching 2xx: {share:.0%}" if isinstance(share, float) else ""),
    ]
    lines.extend(summary_lines(results))
    if results.crashes:
        lines.append(f"SUITE BUG: {len(results.crashes)} check crash(es), first: {results.crashes[0].error}")
    if results.throttled:
        lines.append(f"throttled: {results.throttled}")
    if results.partial:
        lines.append(f"PARTIAL: {results.partial_reason}")
    gating = results.gating()
    lines.append(f"verdict: {verdict_word(results)} (fail on {results.fail_on.value}; {len(gating)} gating)")
    reproduce = results.invocation.get("reproduce")
    if reproduce:
        lines.append(f"reproduce: {reproduce}")
    return "\n".join(lines)


def verdict_word(results: RunResults) -> str:
    """PASS, FAIL or INCOMPLETE; a run that left planned cases unsent says so in the word (D55):
    ``PASS (PARTIAL COVERAGE: 48 of 176 cases sent; 128 held back by max_sends=20)``."""
    coverage = results.stats.get("coverage") or {}
    note = coverage_note(coverage)
    if not note:
        return results.verdict.upper()
    word = "INCOMPLETE-COVERAGE" if coverage.get("below_min") else results.verdict.upper()
    return f"{word} (PARTIAL COVERAGE: {note})"


def _short_of_coverage(results: RunResults) -> bool:
    """Incomplete only for its coverage (below --min-coverage), not interrupted or out of time."""
    coverage = results.stats.get("coverage") or {}
    return bool(coverage.get("below_min")) and results.partial_reason.startswith("coverage:")


def _with_invocation(results: RunResults, args: argparse.Namespace, options: RunOptions) -> RunResults:
    """The results with every option that shaped the run and one command that reproduces it."""
    from conformance.commands.invocation import record_invocation

    invocation = record_invocation(
        args,
        options.profile,
        phases=options.phases,
        checks=tuple(results.checks),
        spec=results.spec,
        secrets=options.known_secrets.secrets(),
    )
    return replace(results, invocation=invocation)


def run(args: argparse.Namespace) -> int:
    if args.list_checks:
        from conformance.checks import CHECKS, LIFECYCLE_CHECKS, RUN_CHECKS, describe

        for name in sorted(CHECKS):
            print(f"{name:<28} {describe(name)}")
        print("run-level (after the last exchange, across all of them):")
        for name in sorted(RUN_CHECKS):
            print(f"{name:<28} {describe(name)}")
        print("life-cycle (on what the lookups of the accepted sends showed later, D67, D68):")
        for name in sorted(LIFECYCLE_CHECKS):
            print(f"{name:<28} {describe(name)}")
        return EXIT_CLEAN
    from conformance.contract.specfile import SpecError
    from conformance.engine.generation import cache as case_cache
    from conformance.engine.profiles import ProfileError, load_profile, resolve_token
    from conformance.engine.run.runner import PreflightError, RunOptions, SafetyError, execute, interruption
    from conformance.engine.sending.client import TargetUnreachableError
    from conformance.mock.faults import UnknownFaultError, resolve_faults
    from conformance.model.results import ResultsError, load_results
    from reports.replay_hint import console_hint

    try:
        profile = load_profile(args.profile)
        if args.fault:
            if not profile.embedded_mock or args.base_url:
                return _fail(
                    "--fault switches on faults of the embedded mock; it cannot be used with --base-url "
                    "or a profile that names another target."
                )
            faults = tuple(sorted({*profile.mock_faults, *resolve_faults(args.fault)}))
            profile = replace(profile, mock_faults=faults)
        profile = profile.with_overrides(
            base_url=args.base_url,
            token_env=args.token_env,
            senders=args.sender,
            concurrency=args.concurrency,
            ca_bundle=args.ca_bundle,
            race_burst=args.race_burst,
        )
        baseline = load_results(args.baseline) if args.baseline else None
        if args.max_examples < 0:
            return _fail("--max-examples must be 0 or more")
        if args.min_coverage is not None and not 0 <= args.min_coverage <= 100:
            return _fail(
                f"--min-coverage takes a percentage from 0 to 100, e.g. 80; got {args.min_coverage:g}"
            )
        progress = make_progress(args.quiet)
        options = RunOptions(
            profile=profile,
            seed=args.seed,
            max_examples=args.max_examples,
            fail_on=Severity.parse(args.fail_on),
            allow_live=args.live,
            negative_only=args.negative_only,
            phases=tuple(p for p in args.phase if p not in (PROBE_PHASE, RACE_PHASE, REPEAT_PHASE)) or PHASES,
            probe_variants=not args.phase or PROBE_PHASE in args.phase,
            send_repeats=not args.phase or REPEAT_PHASE in args.phase,
            send_race=not args.phase or RACE_PHASE in args.phase,
            checks=tuple(args.check),
            shard=args.shard,
            min_coverage=args.min_coverage,
            progress=progress,
            known_secrets=args.known_secrets,
        )
        if not args.quiet:
            print(f"opentact-conformance: running against {profile.name} (seed {args.seed})", file=sys.stderr)
        if not args.quiet and (args.negative_only or profile.negative_only):
            print(
                "opentact-conformance: no preflight: negative-only sends no valid request (D18)",
                file=sys.stderr,
            )
        if not profile.embedded_mock:
            resolve_token(profile)  # a missing or malformed token is refused before anything is touched
        with claimed_report_dir(args.report_dir):
            try:
                with case_cache.caching(not args.no_cache):
                    results = execute(options)
            except KeyboardInterrupt as exc:  # before the sending loop: nothing or little was sent
                results = incomplete_results(profile.name, args.seed, interruption(exc))
            finally:
                progress.close()
            results = _with_invocation(heed_signal(results), args, options)
            if baseline is not None:
                from reports.baseline import compare

                results = results.with_baseline(compare(baseline, results, label=str(args.baseline)))
            summary = _summary(results, getattr(args, "clock_started", None))
            summary += console_hint(results, args.report_dir)  # the replay hint
            return finish(results, args.report_dir, summary)
    except (
        ProfileError,
        SafetyError,
        SpecError,
        ResultsError,
        UnknownFaultError,
        ReportDirError,
        PreflightError,
    ) as exc:
        return _fail(str(exc))
    except TargetUnreachableError as exc:
        return _fail(
            f"target unreachable: {exc}. Check the base URL and that the server is running.", EXIT_UNREACHABLE
        )


def incomplete_results(name: str, seed: int, reason: str, command: str = "run") -> RunResults:
    """The results of a run stopped before its sending loop: nothing checked, verdict incomplete."""
    from datetime import UTC, datetime

    from conformance import __version__

    now = datetime.now(UTC).isoformat(timespec="seconds")
    return RunResults(
        target=TargetInfo(name, "(not reached)"),
        spec={},
        seed=seed,
        started_at=now,
        finished_at=now,
        duration_s=0.0,
        fail_on=Severity.ERROR,
        stats={"sent": 0, "sends_used": 0},
        partial=True,
        partial_reason=f"interrupted ({reason}) before any result was collected",
        command=command,
        tool_version=__version__,
    )


def write_incomplete(report_dir: Path, command: str, seed: int, reason: str) -> None:
    """Artefacts of a run interrupted before it could claim its report directory (best effort)."""
    try:
        with claimed_report_dir(report_dir):
            write_artefacts(incomplete_results(command, seed, reason, command), report_dir)
    except (ReportDirError, OSError) as exc:
        print(f"opentact-conformance: no partial report written: {exc}", file=sys.stderr)


def heed_signal(results: RunResults) -> RunResults:
    """The results marked incomplete when a signal arrived but its ``Interrupted`` never reached the
    command (swallowed where it was raised, e.g. in a library's gc callback): a run the user stopped
    never reads as a pass, even if every case was sent (D19)."""
    name = signals.received_name()
    if name is None or results.partial:
        return results
    return replace(
        results,
        partial=True,
        partial_reason=f"interrupted ({name}) while the run went on; not every result is trusted",
    )


def finish(results: RunResults, report_dir: Path, summary: str) -> int:
    """Write the artefacts, print the summary and where they went; the exit code of the gate."""
    try:
        with signals.deferred():
            paths = write_artefacts(results, report_dir)
    except OSError as exc:
        return _fail(f"cannot write the report into {report_dir}: {exc.strerror}. Pass --report-dir.")
    print(summary)
    print("results: " + ", ".join(str(p) for p in paths))
    if results.partial and not _short_of_coverage(results):
        return signals.exit_code()
    if results.partial:  # a gate that sent too few of its cases is red, not interrupted (D55)
        return EXIT_DEVIATIONS
    return EXIT_DEVIATIONS if results.gating() or results.crashes else EXIT_CLEAN
