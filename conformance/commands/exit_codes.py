"""Exit codes of every `opentact-conformance` command (documented in the README)."""

from __future__ import annotations

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_CLEAN",
    "EXIT_CODES_HELP",
    "EXIT_DEVIATIONS",
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
]

EXIT_CLEAN = 0  # clean at the gate threshold
EXIT_DEVIATIONS = 1  # deviations at/above --fail-on (or a suite crash, or below --min-coverage)
EXIT_USAGE = 2  # usage or configuration error
EXIT_UNREACHABLE = 3  # target unreachable
EXIT_INTERRUPTED = 130  # incomplete (Ctrl-C or time budget): the results so far written, marked partial
EXIT_BROKEN_PIPE = 141  # the output's reader went away (`| head`): output stopped quietly, as SIGPIPE would
EXIT_TERMINATED = 143  # incomplete after SIGTERM: the results so far written, marked partial

# the table `--help` prints (the README's "Exit codes" table says the same)
EXIT_CODES_HELP = """\
exit codes:
  0    clean at the gate threshold (--fail-on, default error)
  1    deviations at/above the threshold (with --baseline: new ones only), or a check crashed,
       or INCOMPLETE-COVERAGE: fewer planned cases sent than --min-coverage asks
  2    usage or configuration error: broken profile, missing token variable, refused target,
       token or sender refused on the first valid request (the preflight: one request sent)
  3    target unreachable
  130  interrupted (Ctrl-C) or out of time: incomplete; the results so far are written, marked partial
  141  the output's reader went away (a pipe closed early, e.g. `| head`): output stopped
       quietly, the command itself went on (run: the report is written, the verdict is in it)
  143  terminated (SIGTERM): incomplete; the results so far are written, marked partial
"""
