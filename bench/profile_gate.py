"""Profile one default gate run (embedded mock, default options) and print where the time goes.

    python bench/profile_gate.py              # pyinstrument if installed, else cProfile
    python bench/profile_gate.py --cprofile   # force cProfile
    python bench/profile_gate.py --warm       # profile a second gate in the same process (no imports,
                                              # caches filled: the gate's steady state)
    python bench/profile_gate.py --top 25     # more rows

Profiles `opentact-conformance run --quiet --report-dir <tmp>` called in this process (its imports
included unless --warm): case generation, the mock's start and stop, sending, checks, artefacts.
pyinstrument samples the main thread only, so the uvicorn mock (a background thread) shows as time
waiting on the socket; cProfile also covers only this thread. Prints the top entries by cumulative
time and, with pyinstrument, the call tree. A profiler, not a benchmark: `nox -s bench` does not run it.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_TOP = 15
ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = frozenset({"conformance", "strategies", "reports"})
sys.path.insert(0, str(ROOT))


def _full_path(short: str) -> str:
    return str(ROOT / short) if short and not Path(short).is_absolute() else short


def _package(path: str | None, caller: str = "stdlib") -> str:
    """The top-level package a source file belongs to: site-packages name, project folder, or stdlib.

    Built-in (C) functions count for the package that called them."""
    if not path or path.startswith("<"):
        return caller
    parts = Path(path).parts
    if "site-packages" in parts:
        name = parts[parts.index("site-packages") + 1]
        return name.removesuffix(".py")
    try:
        return Path(path).resolve().relative_to(ROOT).parts[0]
    except ValueError:
        return "stdlib"


def _table(rows: list[tuple[tuple[str, str, int], float]], total: float) -> None:
    print(f"{'cum s':>7} {'share':>6}  function  (file:line)")
    for (function, path, line), cum in rows:
        print(f"{cum:7.3f} {cum / total:6.1%}  {function}  ({path}:{line})")


def gate(report_dir: Path) -> int:
    """One default gate (imports happen here on the first call); returns requests sent."""
    import json

    from conformance.commands.cli import main as cli

    code = cli(["run", "--quiet", "--report-dir", str(report_dir)])
    if code != 0:
        print(f"note: the gate exited {code}")
    stats = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))["stats"]
    return int(stats["sent"])


def with_cprofile(report_dir: Path, top: int) -> None:
    profiler = cProfile.Profile()
    start = time.perf_counter()
    sent = profiler.runcall(gate, report_dir)
    print(f"cProfile: one default gate, {sent} requests, {time.perf_counter() - start:.2f} s (profiled)")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    print(out.getvalue())


def with_pyinstrument(report_dir: Path, top: int) -> bool:
    try:
        from pyinstrument import Profiler  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return False
    profiler = Profiler(interval=0.0005)
    profiler.start()
    start = time.perf_counter()
    sent = gate(report_dir)
    seconds = time.perf_counter() - start
    session = profiler.stop()
    print(f"pyinstrument: one default gate, {sent} requests, {seconds:.2f} s (profiled)\n")
    totals: dict[tuple[str, str, int], float] = {}
    by_package: dict[str, float] = {}

    def walk(frame: Any, on_stack: frozenset[tuple[str, str, int]], caller: str) -> None:
        # synthetic frames ("[self]", "[await]") and C calls count for the package that made them
        synthetic = frame.file_path is None or str(frame.function).startswith("[")
        package = caller if synthetic else _package(frame.file_path, caller)
        if not synthetic:
            key = (frame.function, frame.file_path_short or "", frame.line_no or 0)
            if key not in on_stack:  # count recursive frames once
                totals[key] = totals.get(key, 0.0) + frame.time
            on_stack = on_stack | {key}
        own = frame.time - sum(child.time for child in frame.children)
        by_package[package] = by_package.get(package, 0.0) + own
        for child in frame.children:
            walk(child, on_stack, package)

    root = session.root_frame()
    if root is not None:
        walk(root, frozenset(), "bench")
    total = root.time if root is not None else seconds
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    print(f"top {top} by cumulative time (share of {total:.2f} s sampled on the main thread):")
    _table(ranked[:top], total)
    ours = [
        row
        for row in ranked
        if _package(_full_path(row[0][1]), "") in PROJECT_PACKAGES
        and row[0][0] not in ("gate", "main", "run")
    ]
    print(f"\ntop {top} project functions (conformance/, strategies/, reports/) by cumulative time:")
    _table(ours[:top], total)
    print("\nself time by package (C calls count for their caller; socket waits show under httpcore/stdlib):")
    for package, own in sorted(by_package.items(), key=lambda item: -item[1])[:12]:
        print(f"{own:7.3f} {own / total:6.1%}  {package}")
    print()
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    return True


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    top = int(args[args.index("--top") + 1]) if "--top" in args else DEFAULT_TOP
    with tempfile.TemporaryDirectory() as folder:
        report_dir = Path(folder)
        if "--warm" in args:
            gate(report_dir)
            print("(warm: one unprofiled gate ran first)")
        if "--cprofile" in args or not with_pyinstrument(report_dir, top):
            with_cprofile(report_dir, top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
