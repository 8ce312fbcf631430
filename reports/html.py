"""``results.json`` -> ``report.html``: one self-contained page (inline CSS/JS, no remote asset)."""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from conformance.model.results import RunResults, write_atomic
from reports.baseline import compare
from reports.replay_hint import RESULTS_FILE, offers_replay, replay_command
from reports.vendor import DocPage
from reports.view import build_view

__all__ = ["REPORT_FILE", "render_html", "write_html"]

REPORT_FILE = "report.html"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["code_spans"] = code_spans
    return environment


_CODE_SPAN = re.compile(r"(``?)(.+?)\1")


def code_spans(text: str) -> Markup:
    """Plain text with Markdown's `code` spans as ``<code>`` elements; everything else escaped."""
    parts: list[str] = []
    position = 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(str(escape(text[position : match.start()])))
        parts.append(f"<code>{escape(match.group(2).strip())}</code>")
        position = match.end()
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    return (importlib.resources.files("reports") / "templates" / name).read_text(encoding="utf-8")


def _sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _content_security_policy(css: str, js: str) -> str:
    """Nothing may be fetched; only our own inline style and script (pinned by hash) may apply."""
    return (
        "default-src 'none'; img-src data:; "
        f"style-src {_sha256_source(css)}; script-src {_sha256_source(js)}; "
        "base-uri 'none'; form-action 'none'"
    )


def render_html(
    results: RunResults,
    *,
    previous: RunResults | None = None,
    examples_per_group: int = 5,
    results_path: Path = Path(RESULTS_FILE),
    pages: Mapping[str, DocPage] | None = None,
) -> str:
    """The report page for one run; with ``previous``, compared against it as a baseline; given the
    cited documentation pages, each distinct problem links the pages behind it."""
    if previous is not None:
        label = f"previous run of {previous.started_at} (seed {previous.seed})"
        results = results.with_baseline(compare(previous, results, label=label))
    view = build_view(results, examples_per_group=examples_per_group, pages=pages)
    css, js = _asset("report.css"), _asset("report.js")
    template = _environment().get_template("report.html.j2")
    return template.render(
        view=view,
        replay=replay_command(results_path) if offers_replay(results) else "",
        # Our own static assets, never server data: marked safe so CSS selectors survive escaping.
        css=Markup(css),
        js=Markup(js),
        csp=_content_security_policy(css, js),
    )


def write_html(
    results: RunResults,
    out_dir: Path,
    *,
    previous: RunResults | None = None,
    pages: Mapping[str, DocPage] | None = None,
) -> Path:
    """Render and write ``out_dir/report.html`` atomically; return its path."""
    path = out_dir / REPORT_FILE
    page = render_html(results, previous=previous, results_path=out_dir / RESULTS_FILE, pages=pages)
    write_atomic(path, page)
    return path
