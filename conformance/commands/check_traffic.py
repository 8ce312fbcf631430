"""`opentact-conformance check-traffic FILE …`: recorded traffic checked offline; nothing is sent.

Reads HAR 1.2 files and results.json files of this tool (``engine.traffic_files``), gives every
exchange of POST /rest/sms to the observed core (``engine.observed``: the checks that apply to traffic
the suite did not generate, D38, classified per D39) and writes the same artefacts with the same exit
codes, ``--baseline`` and ``--fail-on`` as ``run``. Entries for other hosts, paths or methods are counted
and skipped. Entries the reader cannot turn into an exchange (a body not recorded, or not decodable)
are counted and named (file and JSON path) in the console and in results.json's
``stats.skipped_entries``, never blamed on the target. Every file is read and validated before
anything is checked: a malformed one, one too large, or more than ``MAX_TRAFFIC_ENTRIES`` entries in
all is exit 2.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from conformance.commands.exit_codes import EXIT_CODES_HELP, EXIT_USAGE
from conformance.commands.options import HelpFormatter, add_report_options
from conformance.model.deviations import Severity

__all__ = ["add_parser", "run"]

COMMAND = "check-traffic"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        COMMAND,
        help="check recorded traffic (HAR, results.json) with the checks that apply; nothing is sent",
        description="Check recorded traffic offline: HAR 1.2 files (browsers, Playwright, mitmproxy,\n"
        "`schemathesis run --report har`) and results.json files of this tool. Only POST /rest/sms\n"
        "exchanges are checked; other entries are counted and skipped. Nothing is ever sent.",
        epilog=EXIT_CODES_HELP,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="HAR or results.json files")
    parser.add_argument(
        "--profile",
        metavar="FILE|mock",
        help="target profile: its base_url selects the entries, its senders say which are leased, and its "
        "token (from its environment variable, if set) which requests carry a wrong one (D39)",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="check only entries under this base URL (default: the profile's; without either: any host, "
        "path ending in /rest/sms)",
    )
    add_report_options(parser)
    parser.add_argument(
        "--baseline", type=Path, metavar="RESULTS", help="fail only on deviations new since this"
    )
    parser.add_argument(
        "--check", action="append", default=[], metavar="ID", help="only these checks (default: all)"
    )
    return parser


def _fail(message: str) -> int:
    print(f"opentact-conformance: {message}", file=sys.stderr)
    return EXIT_USAGE


def _profile_token(profile: Any) -> str | None:
    """The profile's token when its variable is set (validated); else None."""
    from conformance.engine.profiles import resolve_token

    if profile is None or not os.environ.get(profile.auth.token_env):
        return None
    return resolve_token(profile)


def _invocation(args: argparse.Namespace, secrets: tuple[str, ...], spec: dict[str, str]) -> dict[str, Any]:
    from conformance import __version__
    from conformance.commands.invocation import redact_command_line

    argv = getattr(args, "argv", None)
    files = []
    for path in args.files:
        try:
            digest: str | None = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = None
        files.append({"path": str(path.resolve()), "sha256": digest})
    reproduce = ["opentact-conformance", COMMAND, *(str(p) for p in args.files)]
    for option, value in (("--profile", args.profile), ("--base-url", args.base_url)):
        if value:
            reproduce += [option, str(value)]
    for check in args.check:
        reproduce += ["--check", check]
    reproduce += ["--fail-on", args.fail_on]
    if args.baseline:
        reproduce += ["--baseline", str(args.baseline)]
    return {
        "command": COMMAND,
        "command_line": redact_command_line(argv if argv is not None else sys.argv[1:], secrets),
        "files": files,
        "profile_ref": args.profile,
        "base_url": args.base_url,
        "checks": list(args.check),
        "checks_filtered": bool(args.check),
        "fail_on": args.fail_on,
        "baseline": None if args.baseline is None else str(args.baseline),
        "tool_version": __version__,
        "spec_version": spec.get("version", ""),
        "spec_sha256": spec.get("sha256", ""),
        "python": sys.version.split()[0],
        "reproduce": redact_command_line(shlex.split(shlex.join(reproduce))[1:], secrets),
    }


SHOWN_SKIPPED = 5  # unreadable entries named in the console; results.json names them all


def _skipped_entries(path: Path, items: list[Any]) -> list[dict[str, str]]:
    """The entries of one file its reader could not turn into exchanges: file, JSON path, reason."""
    from conformance.engine.traffic.files import Skipped

    return [
        {"file": str(path), "entry": item.where, "reason": item.reason}
        for item in items
        if isinstance(item, Skipped)
    ]


def _summary(results: Any, files: int) -> str:
    from conformance.commands.console import summary_lines

    stats = results.stats
    counts = results.counts()
    skipped = ", ".join(f"{n} {reason}" for reason, n in stats.get("skipped_by_reason", {}).items())
    unclassified = ", ".join(f"{n} {reason}" for reason, n in stats.get("unclassified_by_reason", {}).items())
    lines = [
        f"check-traffic — {stats.get('observed', 0)} exchange(s) of POST /rest/sms from {files} file(s), "
        f"{stats.get('classified', 0)} classified; nothing sent",
        f"skipped entries: {stats.get('skipped', 0)}" + (f" ({skipped})" if skipped else ""),
    ]
    named = stats.get("skipped_entries") or []
    for item in named[:SHOWN_SKIPPED]:
        lines.append(f"  not readable, not judged: {item['file']} {item['entry']}: {item['reason']}")
    if len(named) > SHOWN_SKIPPED:
        lines.append(f"  … and {len(named) - SHOWN_SKIPPED} more (results.json stats.skipped_entries)")
    if unclassified:
        lines.append(f"unclassified (judged only by checks that need no expectation, D39): {unclassified}")
    if not stats.get("observed"):
        lines.append("NOTE: no exchange of POST /rest/sms was found; check --base-url or --profile")
    lines.append(f"deviations: {counts['error']} error, {counts['warning']} warning, {counts['info']} info")
    lines.extend(summary_lines(results))
    if results.crashes:
        lines.append(f"SUITE BUG: {len(results.crashes)} check crash(es), first: {results.crashes[0].error}")
    if results.partial:
        lines.append(f"PARTIAL: {results.partial_reason}")
    gating = results.gating()
    lines.append(
        f"verdict: {results.verdict.upper()} (fail on {results.fail_on.value}; {len(gating)} gating)"
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from conformance.checks import all_check_names
    from conformance.commands.report_dir import ReportDirError, claimed_report_dir
    from conformance.commands.run import finish
    from conformance.contract.specfile import SpecError, load_spec
    from conformance.engine.profiles import ProfileError, load_profile, validate_base_url
    from conformance.engine.traffic.files import (
        MAX_TRAFFIC_ENTRIES,
        Skipped,
        TrafficFileError,
        read_traffic,
        too_many_entries,
    )
    from conformance.engine.traffic.observed import ObservedChecker, ObservedExchange
    from conformance.model.results import ResultsError, load_results

    try:
        profile = load_profile(args.profile) if args.profile else None
        if args.base_url:
            validate_base_url(args.base_url, where="--base-url")
        unknown = [c for c in args.check if c not in all_check_names()]
        if unknown:
            return _fail(f"unknown check(s) {unknown}; `opentact-conformance run --list-checks` lists them")
        token = _profile_token(profile)
        baseline = load_results(args.baseline) if args.baseline else None
        spec = load_spec()
        recorded: list[ObservedExchange | Skipped] = []
        unreadable: list[dict[str, str]] = []
        for path in args.files:  # all read first: a malformed file checks nothing
            items = list(read_traffic(path))
            unreadable += _skipped_entries(path, items)
            recorded.extend(items)
            if len(recorded) > MAX_TRAFFIC_ENTRIES:
                return _fail(too_many_entries(f"{len(args.files)} traffic files", len(recorded)))
        checker = ObservedChecker(
            spec,
            profile,
            token=token,
            base_url=args.base_url,
            checks=tuple(args.check),
            known_secrets=args.known_secrets,
        )
        with claimed_report_dir(args.report_dir):
            reason = ""
            try:
                for item in recorded:
                    if isinstance(item, Skipped):
                        checker.count_skipped(item.reason)
                    else:
                        checker.add(item)
            except KeyboardInterrupt as exc:
                how = getattr(exc, "reason", "") or "Ctrl-C"
                reason = f"interrupted ({how}) before every exchange was checked"
            results = checker.results(
                partial=bool(reason),
                partial_reason=reason,
                fail_on=Severity.parse(args.fail_on),
                command=COMMAND,
            )
            secrets = tuple(s for s in (token,) if s)
            results = replace(
                results,
                invocation=_invocation(args, secrets, dict(results.spec)),
                stats={**results.stats, "skipped_entries": unreadable},
            )
            if baseline is not None:
                from reports.baseline import compare

                results = results.with_baseline(compare(baseline, results, label=str(args.baseline)))
            return finish(results, args.report_dir, _summary(results, len(args.files)))
    except (TrafficFileError, ProfileError, SpecError, ResultsError, ReportDirError) as exc:
        return _fail(str(exc))
    except ValueError as exc:  # validate_base_url and friends
        return _fail(str(exc))
