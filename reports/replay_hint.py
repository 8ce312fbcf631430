"""The ``replay`` command a report and the console suggest, naming the results file as the user
would type it from where they stand: relative to the working directory when it is under it, else
absolute (a bare ``results.json`` named a file that was not there)."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from conformance.model.results import RESULTS_FILE, RunResults

__all__ = ["RESULTS_FILE", "console_hint", "offers_replay", "replay_command", "typed_path"]



def typed_path(path: Path, cwd: Path | None = None) -> str:
    """``path`` relative to ``cwd`` (default: the working directory) when under it, else absolute; quoted."""
    absolute = Path(os.path.abspath(path))
    here = Path(os.path.abspath(cwd if cwd is not None else Path.cwd()))
    try:
        shown = absolute.relative_to(here)
    except ValueError:
        shown = absolute
    return shlex.quote(str(shown))


def replay_command(results_path: Path) -> str:
    return f"opentact-conformance replay {typed_path(results_path)}"


def offers_replay(results: RunResults) -> bool:
    """A finished run that failed: re-sending only its failing cases means something."""
    return results.command == "run" and not results.partial and bool(results.gating())


def console_hint(results: RunResults, report_dir: Path) -> str:
    """A line for a run's summary when it failed: how to re-send only its failing cases ("" otherwise)."""
    if not offers_replay(results):
        return ""
    return f"\nre-send only the failing cases: {replay_command(report_dir / RESULTS_FILE)}"
