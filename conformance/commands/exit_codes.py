"""Exit codes of every `opentact-conformance` command (documented in the README)."""

from __future__ import annotations

__all__ = [
    "EXIT_CLEAN",
    "EXIT_CODES_HELP",
    "EXIT_DEVIATIONS",
    "EXIT_INTERRUPTED",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
]

EXIT_CLEAN = 0  # clean at the gate threshold
EXIT_DEVIATIONS = 1  # deviations at/above --fail-on (or a suite crash)
EXIT_USAGE = 2  # usage or configuration error
EXIT_UNREACHABLE = 3  # target unreachable
EXIT_INTERRUPTED = 130  # interrupted: the results so far were written, marked partial

# the table `--help` prints (the README's "Exit codes" table says the same)
EXIT_CODES_HELP = """\
exit codes:
  0    clean at the gate threshold (--fail-on, default error)
  1    deviations at/above the threshold (with --baseline: new ones only), or a check crashed
  2    usage or configuration error: broken profile, missing token variable, refused target
  3    target unreachable
  130  interrupted (Ctrl-C); the results so far are written and marked partial
"""
