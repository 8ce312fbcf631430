"""Print (and optionally save) the reference catch table: each deviation x seed, as the gate reports it.

    PYTHONPATH=.:tests python -m reference.catch_table [--seeds 1 2 3] [--out FILE] [--detail]

Cells: ``caught (sev)`` when the highest severity the gate reports is the one DECISIONS gives the
deviation; ``WRONG: got (want)`` when it reports something at another severity; ``MISSED`` when it
reports nothing. The first rows are the faithful server (must be clean) and the lenient one (must
have no error). Runs are sequential and bounded: one server at a time, stopped after its run.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from conformance.model.deviations import Severity
from reference.gate import CAUGHT, MISSED, gate_run, verdict
from reference.target import CATALOGUE

__all__ = ["build_table", "main"]


def _control_cells(seeds: list[int]) -> list[str]:
    rows = []
    for label, lenient in (("(faithful)", False), ("(lenient numbers)", True)):
        cells = []
        for seed in seeds:
            results = gate_run(seed, lenient_numbers=lenient)
            counts = Counter(d.severity.value for d in results.deviations)
            text = ", ".join(f"{counts[s.value]} {s.value}" for s in Severity if counts[s.value]) or "clean"
            cells.append(text)
        rows.append(_row(label, "want: clean" if not lenient else "want: 0 error", cells))
    return rows


def _row(name: str, want: str, cells: list[str]) -> str:
    return f"| {name} | {want} | " + " | ".join(cells) + " |"


def build_table(seeds: list[int], *, detail: bool = False) -> str:
    header = _row("deviation", "DECISIONS severity", [f"seed {s}" for s in seeds])
    lines = [header, "|" + "---|" * (2 + len(seeds)), *_control_cells(seeds)]
    tally: Counter[str] = Counter()
    details: list[str] = []
    for name, entry in CATALOGUE.items():
        expected = Severity(entry.severity)
        cells = []
        for seed in seeds:
            found = verdict(gate_run(seed, deviations=frozenset({name})), expected)
            tally[found.outcome] += 1
            cells.append(found.cell())
            if detail and found.outcome != MISSED:
                details += [f"{name} seed {seed}: {line}" for line in found.summary]
        lines.append(_row(name, entry.severity, cells))
    per_seed = len(CATALOGUE)
    lines.append("")
    lines.append(
        f"{tally[CAUGHT]} of {per_seed * len(seeds)} deviation-seed cells caught at the DECISIONS severity; "
        + ", ".join(f"{count} {outcome}" for outcome, count in sorted(tally.items()) if outcome != CAUGHT)
    )
    if details:
        lines += ["", "What the gate reported (severity check: title [path]):", *details]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument("--detail", action="store_true", help="list what the gate reported per cell")
    options = parser.parse_args(argv)
    table = build_table(options.seeds, detail=options.detail)
    sys.stdout.write(table)
    if options.out is not None:
        tmp = options.out.with_suffix(options.out.suffix + ".tmp")
        tmp.write_text(table, encoding="utf-8")
        tmp.replace(options.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
