"""``opentact-conformance export``: the problems of a run as a report to forward to Opentact as it is.

Writes ``opentact-problems.md`` (for a ticket or an e-mail) and ``opentact-problems.html``: one entry
per distinct problem in the vendor's words (the documentation page and its URL, what the server did,
how often and since when, why it matters, a curl line that reads the token from an environment
variable). ``--baseline OLD`` keeps only the problems new since OLD; ``--history RUN ...`` keeps the
problems open in the newest run and says when each was first and last seen.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.commands.doc_pages import documentation_pages
from conformance.commands.exit_codes import EXIT_USAGE
from conformance.model.results import ResultsError, RunResults, load_results

__all__ = ["DEFAULT_TOKEN_VARIABLE", "add_parser", "run", "target_access"]

DEFAULT_TOKEN_VARIABLE = "OPENTACT_TOKEN"
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_DESCRIPTION = """\
Write the problems of a run as a report you can forward to Opentact as it is:
opentact-problems.md (for a ticket or an e-mail) and opentact-problems.html.

  export RESULTS                        every distinct problem of the run
  export NEW --baseline OLD             only the problems new since OLD
  export --history RUN ... [RESULTS]    the problems open in the newest run, first/last seen across all

Each problem: a plain title, the documentation page (title and public URL) and what it promises,
what the server did, how often and since when, why it matters, and a curl line that reads the token
from the profile's environment variable (never the token). Internal names (checks, keys, decisions,
spec pointers) are only in a collapsed technical appendix. Exit codes: 0 written, 2 usage error or
unreadable results file.
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "export",
        help="write the run's problems as a Markdown and HTML report to forward to Opentact",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("results", nargs="?", type=Path, metavar="RESULTS", help="the run's results.json")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "--baseline",
        type=Path,
        metavar="OLD",
        help="an earlier results.json: export only problems new since it",
    )
    scope.add_argument(
        "--history",
        nargs="+",
        type=Path,
        metavar="RUN",
        help="results files (or folders of them) of earlier runs of the same target: export the problems "
        "open in the newest run, with when each was first and last seen",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder to write into (default: the folder of RESULTS, or of the newest run with --history)",
    )
    parser.set_defaults(handler=run)
    return parser


def _fail(message: str) -> int:
    print(f"opentact-conformance export: {message}", file=sys.stderr)
    return EXIT_USAGE


def target_access(results: RunResults) -> Any:
    """How the export's reader reaches the run's target: the token variable and, for the embedded mock,
    the command that starts it on its default port."""
    from conformance.commands.replay import ran_against_embedded_mock
    from conformance.engine.profiles import MOCK_TOKEN_ENV
    from conformance.mock.command import DEFAULT_PORT
    from conformance.mock.faults import fault_names
    from reports.vendor import TargetAccess

    invocation: Mapping[str, Any] = results.invocation
    if ran_against_embedded_mock(invocation):
        known = set(fault_names())
        faults = [f for f in invocation.get("mock_faults") or [] if isinstance(f, str) and f in known]
        command = ["opentact-conformance", "mock", "--token", f'"${MOCK_TOKEN_ENV}"']
        for fault in faults:
            command += ["--fault", shlex.quote(fault)]
        seed = invocation.get("seed")
        if isinstance(seed, int) and not isinstance(seed, bool) and seed:
            command += ["--seed", str(seed)]
        base_url = f"http://127.0.0.1:{DEFAULT_PORT}"
        start = f"start it with `{' '.join(command)}` (it listens on {base_url})."
        return TargetAccess(MOCK_TOKEN_ENV, base_url=base_url, start=start)
    # the --token-env option, else the variable the profile names
    variable = invocation.get("token_env") or invocation.get("token_variable")
    if not isinstance(variable, str) or not _VARIABLE.match(variable):
        variable = DEFAULT_TOKEN_VARIABLE
    return TargetAccess(variable)


def _runs(args: argparse.Namespace) -> tuple[RunResults, Path, list[RunResults]]:
    """The run to export, the folder it came from, and the runs of its history (empty without)."""
    from conformance.commands.report import history_files

    if args.history is None:
        if args.results is None:
            raise ResultsError("give the run's results.json (RESULTS), or --history RUN ...")
        return load_results(args.results), args.results.parent, []
    files = history_files(list(args.history))
    if args.results is not None and args.results not in files:
        files.append(args.results)
    loaded = [(f, load_results(f)) for f in files]
    newest_file, newest = max(loaded, key=lambda pair: pair[1].started_at)
    return newest, newest_file.parent, [r for _, r in loaded]


def run(args: argparse.Namespace) -> int:
    """Execute ``export``: 0 when both files are written, 2 on usage errors and unreadable files."""
    from conformance.model.redaction import Redactor
    from reports.vendor import build_export
    from reports.vendor_page import write_export

    try:
        current, folder, history = _runs(args)
        baseline = load_results(args.baseline) if args.baseline is not None else None
        access = target_access(current)
        known = getattr(args, "known_secrets", None)
        token = os.environ.get(access.token_variable, "")
        if known is not None and token:
            known.add(token)  # the console's redaction keeps it off the screen too
        export = build_export(current, documentation_pages(), access, baseline=baseline, history=history)
        out = args.out or folder
        redactor = Redactor([token, *(known.secrets() if known is not None else ())])
        written = write_export(export, out, redactor.text)
    except ResultsError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write the export into {exc.filename or args.out}: {exc.strerror}")
    for path in written:
        print(f"wrote {path}")
    return 0
