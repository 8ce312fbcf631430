"""Run one command and print its wall time and peak RSS as JSON; one fresh wrapper process per measurement.

    python -m bench.peak_rss -- COMMAND ARGS...

prints ``{"wall_s": ..., "peak_rss_mib": ..., "returncode": ...}``. The peak is
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` (KiB on Linux), which covers only this one child because
the wrapper starts nothing else.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

__all__ = ["main"]


def main(argv: list[str]) -> int:
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command:
        print("usage: python -m bench.peak_rss -- COMMAND ARGS...", file=sys.stderr)
        return 2
    start = time.perf_counter()
    done = subprocess.run(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "wall_s": wall,
                "peak_rss_mib": peak_kib / 1024,
                "returncode": done.returncode,
                "stderr_tail": done.stderr.decode(errors="replace")[-400:],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
