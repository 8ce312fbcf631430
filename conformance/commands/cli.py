"""`opentact-conformance run | mock | report | export | diff | replay | check-traffic | proxy`: the CLI.

Exit codes (documented in the README):
  0  clean at the gate threshold        1  deviations at/above --fail-on (or a suite crash)
  2  usage or configuration error       3  target unreachable
  130 incomplete (Ctrl-C, time budget)  143 incomplete (SIGTERM): results so far written, marked partial
  141 the output's reader went away (`| head`): no traceback, output stopped, the command went on
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any, NoReturn

from conformance import __version__
from conformance.commands import signals
from conformance.commands.exit_codes import (
    EXIT_BROKEN_PIPE,
    EXIT_CLEAN,
    EXIT_CODES_HELP,
    EXIT_DEVIATIONS,
    EXIT_INTERRUPTED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)
from conformance.model.redaction import KnownSecrets, console_redaction

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_CLEAN",
    "EXIT_DEVIATIONS",
    "EXIT_INTERRUPTED",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "entry",
    "main",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _commands() -> dict[str, Any]:
    from conformance.commands import check_traffic, diff, export, proxy, replay, report, run
    from conformance.mock import command as mock

    return {
        "run": run,
        "replay": replay,
        "mock": mock,
        "report": report,
        "diff": diff,
        "export": export,
        "check-traffic": check_traffic,
        "proxy": proxy,
    }


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="opentact-conformance",
        description="Conformance suite for Opentact's Send SMS API.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in _commands().values():
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    started = time.perf_counter()  # the whole command's wall time, for run's summary
    arguments = list(sys.argv[1:] if argv is None else argv)
    signals.install()  # first: SIGTERM at any moment becomes an incomplete run, not a silent death
    known = KnownSecrets()
    leaving: SystemExit | None = None
    code = EXIT_CLEAN
    with console_redaction(known) as streams:  # every token the command resolves or meets is kept off
        try:
            code = _command(arguments, known, started)
        except SystemExit as exc:  # argparse's way out: --help, --version, a usage error
            leaving = exc
    if any(stream.broken for stream in streams):  # `| head` closed the pipe: no traceback
        return EXIT_BROKEN_PIPE
    if leaving is not None:
        raise leaving
    return code


def _command(arguments: list[str], known: KnownSecrets, started: float) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(arguments)
        args.argv = arguments  # recorded (redacted) in results.json: the run's command line
        args.known_secrets = known  # given to whatever resolves a token or learns one from traffic
        args.clock_started = started
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return int(_commands()[args.command].run(args))
    except KeyboardInterrupt as exc:
        return _interrupted_early(arguments, exc)


def _option(arguments: list[str], name: str) -> str | None:
    for index, item in enumerate(arguments):
        if item == name and index + 1 < len(arguments):
            return arguments[index + 1]
        if item.startswith(f"{name}="):
            return item.split("=", 1)[1]
    return None


def _interrupted_early(arguments: list[str], exc: KeyboardInterrupt) -> int:
    """Interrupted before a command held its report directory: still leave incomplete artefacts."""
    reason = str(getattr(exc, "reason", "") or "Ctrl-C")
    with signals.deferred():
        command = next((a for a in arguments if not a.startswith("-")), None)
        if command in ("run", "diff", "check-traffic", "proxy") and "--list-checks" not in arguments:
            from pathlib import Path

            from conformance.commands.run import write_incomplete

            seed = _option(arguments, "--seed") or "0"
            report_dir = Path(_option(arguments, "--report-dir") or "conformance-report")
            write_incomplete(report_dir, command, int(seed) if seed.isdigit() else 0, reason)
        print(f"opentact-conformance: interrupted ({reason}); verdict: INCOMPLETE", file=sys.stderr)
    return signals.exit_code()


def entry() -> NoReturn:
    """The command line as a process (`opentact-conformance`, `python -m conformance`)."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry()
