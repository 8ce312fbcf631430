"""Command-line options that several commands share, so each spells and defaults them alike."""

from __future__ import annotations

import argparse
from pathlib import Path

from conformance.model.deviations import Severity

__all__ = ["HelpFormatter", "add_ca_bundle_option", "add_generation_and_gate_options", "add_report_options"]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """`--help` keeps the description's line breaks and shows every option's meaningful default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        unset = default is None or default is False or default == [] or default == argparse.SUPPRESS
        if "default" in text or unset or not action.option_strings:
            return text
        return f"{text} (default: {default})"


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """--report-dir and --fail-on: where the artefacts go and what fails the gate (every checking command)."""
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path("conformance-report"),
        metavar="DIR",
        help="where results.json, report.html and junit.xml go",
    )
    parser.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        default="error",
        help="lowest severity that fails the gate",
    )


def add_generation_and_gate_options(parser: argparse.ArgumentParser, *, live_help: str) -> None:
    """--seed, --max-examples, --report-dir, --fail-on, --live, --quiet and --no-cache."""
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated cases")
    parser.add_argument("--max-examples", type=int, default=25, metavar="N", help="generated cases per phase")
    add_report_options(parser)
    parser.add_argument("--live", action="store_true", help=live_help)
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="generate the cases afresh instead of reading the case cache "
        "($OPENTACT_CONFORMANCE_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache, /opentact-conformance)",
    )


def add_ca_bundle_option(parser: argparse.ArgumentParser) -> None:
    """--ca-bundle: the CA roots an https target is verified against (D46)."""
    parser.add_argument(
        "--ca-bundle",
        type=Path,
        metavar="FILE",
        help="PEM CA certificate(s) to verify an https target with (a sandbox's private CA); overrides "
        "the profile's ca_bundle; default: $SSL_CERT_FILE, else certifi's roots (D46)",
    )
