"""Render the history view model as one self-contained page (inline CSS and SVG, nothing fetched)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from markupsafe import Markup

from conformance.model.results import RunResults, write_atomic
from reports.history import build_history
from reports.html import _asset, _content_security_policy, _environment

__all__ = ["HISTORY_FILE", "render_history", "write_history"]

HISTORY_FILE = "history.html"


def render_history(runs: Sequence[tuple[str, RunResults]]) -> str:
    """The history page for ``(source, results)`` pairs."""
    view = build_history(runs)
    css = _asset("report.css") + _asset("history.css")
    template = _environment().get_template("history.html.j2")
    return template.render(view=view, css=Markup(css), csp=_content_security_policy(css, ""))


def write_history(runs: Sequence[tuple[str, RunResults]], out_dir: Path) -> Path:
    """Render and write ``out_dir/history.html`` atomically; return its path."""
    path = out_dir / HISTORY_FILE
    write_atomic(path, render_history(runs))
    return path
