"""Command-line options that `run` and `diff` share, so both spell and default them alike."""

from __future__ import annotations

import argparse
from pathlib import Path

from conformance.model.deviations import Severity

__all__ = ["add_generation_and_gate_options"]


def add_generation_and_gate_options(parser: argparse.ArgumentParser, *, live_help: str) -> None:
    """--seed, --max-examples, --report-dir, --fail-on, --live and --quiet."""
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated cases (default 0)")
    parser.add_argument("--max-examples", type=int, default=25, metavar="N", help="generated cases per phase")
    parser.add_argument("--report-dir", type=Path, default=Path("conformance-report"), metavar="DIR")
    parser.add_argument("--fail-on", choices=[s.value for s in Severity], default="error")
    parser.add_argument("--live", action="store_true", help=live_help)
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
