"""``opentact-conformance report``: re-render a run, compare two runs, or merge shards of one run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.commands.doc_pages import documentation_pages
from conformance.model.results import RESULTS_FILE, ResultsError, RunResults, load_results

__all__ = ["DEFAULT_MERGE_OUT", "add_parser", "history_files", "history_folder", "run"]

DEFAULT_MERGE_OUT = Path("conformance-report")

_DESCRIPTION = """\
Render report.html (and junit.xml) from results files.

  report RESULTS               re-render one past run (into its folder unless --out)
  report OLD NEW               compare two runs: NEW's deviations marked new / persisting / fixed
  report --merge A B ...       merge shards of one run into results.json, report.html, junit.xml
  report --history RUN ...     one page over many runs (files, or folders of them): history.html
                               with the distinct problems x runs matrix and per-run counts, written
                               into the one folder given, else into the newest run's folder
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``report`` sub-command to an ``argparse`` sub-parsers object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="render report.html / junit.xml from results.json, compare two runs, or merge shards",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "results",
        nargs="*",
        type=Path,
        metavar="RESULTS",
        help="one results.json to re-render, or OLD NEW to compare",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder to write into (default: the folder of RESULTS, of NEW when comparing; for --history "
        f"the one folder given, else the newest run's folder; for --merge: ./{DEFAULT_MERGE_OUT})",
    )
    parser.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        default=None,
        metavar="RESULTS",
        help="results files of shards of one run (same spec and seed) to merge",
    )
    parser.add_argument(
        "--history",
        nargs="+",
        type=Path,
        default=None,
        metavar="RUN",
        help="results files (or folders holding them) of many runs of one target: writes history.html",
    )
    parser.set_defaults(handler=run)
    return parser


def _fail(message: str) -> int:
    print(f"opentact-conformance report: {message}", file=sys.stderr)
    return 2


def _written(*paths: Path) -> None:
    for path in paths:
        print(f"wrote {path}")


def _merge(files: list[Path], out: Path) -> int:
    from reports.html import write_html
    from reports.junit import write_junit
    from reports.merge import merge_results

    target = out / RESULTS_FILE
    if any(target.resolve() == f.resolve() for f in files):
        return _fail(f"--out {out} would overwrite the input {target}; choose another folder")
    merged = merge_results([load_results(f) for f in files])
    merged.write(target)
    _written(target, write_html(merged, out, pages=documentation_pages()), write_junit(merged, out))
    return 0


def _compare(old_file: Path, new_file: Path, out: Path) -> int:
    from reports.baseline import compare
    from reports.html import write_html

    old, new = load_results(old_file), load_results(new_file)
    compared: RunResults = new.with_baseline(compare(old, new, label=str(old_file)))
    _written(write_html(compared, out, pages=documentation_pages()))
    return 0


def history_files(paths: list[Path]) -> list[Path]:
    """Every results file named, or found in a named folder (its *.json and */results.json)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted({*path.glob("*.json"), *path.glob("*/results.json")})
            if not inside:
                raise ResultsError(
                    f"folder {path} holds no results file (*.json or */results.json); "
                    "pass the folder the runs were written to, or the files themselves"
                )
            found.extend(inside)
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def history_folder(paths: list[Path], loaded: list[tuple[Path, RunResults]]) -> Path:
    """Where history.html goes without --out: the one folder named, else the newest run's folder."""
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0]
    newest, _ = max(loaded, key=lambda pair: pair[1].started_at)
    return newest.parent


def _history(paths: list[Path], out: Path | None) -> int:
    from reports.history_page import write_history

    files = history_files(paths)
    loaded = [(f, load_results(f)) for f in files]
    runs = [(str(f), results) for f, results in loaded]
    _written(write_history(runs, out or history_folder(paths, loaded)))
    return 0


def run(args: argparse.Namespace) -> int:
    """Execute ``report``; 0 when rendered, 2 on usage errors and unreadable results files."""
    from reports.html import write_html  # reports (jinja2) load when rendering, not for `--help`
    from reports.junit import write_junit

    files: list[Path] = list(args.results or [])
    merge: list[Path] | None = args.merge
    out: Path | None = args.out
    history: list[Path] | None = getattr(args, "history", None)  # callers may build the Namespace
    try:
        if history is not None:
            if files or merge is not None:
                return _fail("give --history RUN ... alone, without other results files or --merge")
            return _history(history, out)
        if merge is not None:
            if files:
                return _fail("give either results files or --merge A B ..., not both")
            return _merge(merge, out or DEFAULT_MERGE_OUT)
        if len(files) == 1:
            results = load_results(files[0])
            folder = out or files[0].parent
            _written(write_html(results, folder, pages=documentation_pages()), write_junit(results, folder))
            return 0
        if len(files) == 2:
            return _compare(files[0], files[1], out or files[1].parent)
        return _fail(
            "expected RESULTS (re-render), OLD NEW (compare) or --merge A B ... "
            f"but got {len(files)} results files"
        )
    except ResultsError as exc:  # MergeError is one too
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write the report into {exc.filename or out}: {exc.strerror}")
