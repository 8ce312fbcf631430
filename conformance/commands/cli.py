"""`opentact-conformance run | mock | report` — the command line.

Exit codes (documented in the README):
  0  clean at the gate threshold        1  deviations at/above --fail-on (or a suite crash)
  2  usage or configuration error       3  target unreachable
  130 interrupted: the results so far were written, marked partial
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from conformance import __version__
from conformance.commands.exit_codes import (
    EXIT_CLEAN,
    EXIT_DEVIATIONS,
    EXIT_INTERRUPTED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)
from conformance.model.redaction import console_redaction

__all__ = ["EXIT_CLEAN", "EXIT_DEVIATIONS", "EXIT_INTERRUPTED", "EXIT_UNREACHABLE", "EXIT_USAGE", "main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _commands() -> dict[str, Any]:
    from conformance.commands import diff, report, run
    from conformance.mock import command as mock

    return {"run": run, "mock": mock, "report": report, "diff": diff}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="opentact-conformance", description="Conformance suite for Opentact's Send SMS API."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in _commands().values():
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    with console_redaction():  # every token resolved by the command is kept off the console
        try:
            return int(_commands()[args.command].run(args))
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
