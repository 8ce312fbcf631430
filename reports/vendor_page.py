"""The vendor export as files: ``opentact-problems.md`` (for a ticket or an e-mail) and ``.html``.

Both hold the same entries in the same order; the technical facts (our check names, keys, DECISIONS
numbers, pointers into our OpenAPI file) sit in one collapsed ``<details>`` appendix at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from markupsafe import Markup

from conformance.model.results import write_atomic
from reports.html import _asset, _content_security_policy, _environment
from reports.vendor import VendorExport, VendorProblem

__all__ = ["EXPORT_HTML", "EXPORT_MARKDOWN", "render_markdown", "render_vendor_html", "write_export"]

EXPORT_MARKDOWN = "opentact-problems.md"
EXPORT_HTML = "opentact-problems.html"


def _fence(text: str) -> str:
    fence = "~~~~" if "```" in text else "```"
    return f"{fence}sh\n{text}\n{fence}"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def reach_text(export: VendorExport) -> str:
    """How to run the reproductions: the target to start, the token variable to set."""
    variable = export.token_variable
    if export.start:
        return (
            f"The reproductions run against the embedded mock: {export.start} Set `{variable}` to a token "
            f"of your choice first (`export {variable}=test-token`); the mock accepts the one it was "
            "started with."
        )
    return (
        f"Each reproduction reads your API token from the environment variable `{variable}`: "
        f"run `export {variable}=…` first."
    )


def _problem_markdown(problem: VendorProblem) -> list[str]:
    lines = [
        f"## {problem.number}. {problem.title}",
        "",
        f"**Why it matters ({problem.severity_words}).** {problem.why}",
        "",
        f"**What the documentation says.** The answer should be: {problem.expected}.",
    ]
    for link in problem.docs:
        lines.append(f"- [{link.title}]({link.url})" + (f": {link.shows}" if link.shows else ""))
    lines += ["", f"**What the server did.** {problem.actual}"]
    if problem.detail:
        lines += ["", problem.detail]
    seen = f"First seen {problem.first_seen}, last seen {problem.last_seen}"
    seen += f" ({problem.runs_seen})." if problem.runs_seen else "."
    lines += [
        "",
        f"**How often.** {problem.frequency} {seen}"
        + (f" {problem.status.capitalize()}." if problem.status else ""),
    ]
    if problem.curl:
        lines += [
            "",
            "**Reproduce.**" + (f" {problem.reproduce_note}" if problem.reproduce_note else ""),
            "",
            _fence(problem.curl),
        ]
    lines.append("")
    return lines


def _appendix_markdown(export: VendorExport) -> list[str]:
    lines = [
        "<details>",
        "<summary>Technical appendix (for the conformance suite's maintainers)</summary>",
        "",
    ]
    for problem in export.problems:
        lines += [f"Problem {problem.number}:", "", "| fact | value |", "|---|---|"]
        lines += [f"| {name} | {_cell(value)} |" for name, value in problem.technical]
        lines.append("")
    lines += ["</details>", ""]
    return lines


def render_markdown(export: VendorExport) -> str:
    lines = [
        f"# {export.title}",
        "",
        f"- Target: {export.target} ({export.target_url})",
        f"- When: {export.period}" + (f", {export.runs} runs" if export.runs > 1 else ""),
        f"- Scope: {export.scope}",
        f"- {export.summary}",
        "",
    ]
    if export.problems:
        lines += [reach_text(export), ""]
    for problem in export.problems:
        lines += _problem_markdown(problem)
    if export.problems:
        lines += _appendix_markdown(export)
    lines.append("Written by opentact-conformance, a conformance suite for Opentact's Send SMS API.")
    return "\n".join(lines) + "\n"


def render_vendor_html(export: VendorExport) -> str:
    css = _asset("vendor.css")
    template = _environment().get_template("vendor.html.j2")
    return template.render(
        export=export, reach=reach_text(export), css=Markup(css), csp=_content_security_policy(css, "")
    )


def write_export(export: VendorExport, out_dir: Path, scrub: Callable[[str], str] = str) -> tuple[Path, Path]:
    """Write both files into ``out_dir`` (created if missing), atomically, each text passed through
    ``scrub`` (the command's redaction of every known secret: results.json holds none, this is the
    second lock); return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown, html = out_dir / EXPORT_MARKDOWN, out_dir / EXPORT_HTML
    write_atomic(markdown, scrub(render_markdown(export)))
    write_atomic(html, scrub(render_vendor_html(export)))
    return markdown, html
