"""Reports rendered from ``results.json``: the HTML page, JUnit XML, baseline comparison, merging.

May import: ``conformance.model`` only (the results model); neither pytest nor the engine. The
``report`` subcommand that drives it lives in ``conformance.commands.report``.
"""

from reports.baseline import compare
from reports.html import render_html, write_html
from reports.junit import render_junit, write_junit
from reports.merge import MergeError, merge_results

__all__ = [
    "MergeError",
    "compare",
    "merge_results",
    "render_html",
    "render_junit",
    "write_html",
    "write_junit",
]
