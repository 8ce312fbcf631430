"""Hostile inputs cost linear time: the quadratic kind of JSON body parsed at 16 KiB and at 1 MiB, and
``check-traffic`` on a 64 KiB HAR made of such bodies.

A text of the quadratic kind is ``[`` x 65 then a run of ``\\"``: a depth scan that restarted at every
quote read it in quadratic time. Two shapes: one bracket too deep (refused at the 65th bracket), and 64
brackets closed then a string left open (read to the end). Each parse runs in a child process of its own
(``python -m bench.hostile --parse SHAPE BYTES``) through ``conformance.model.jsontext.loads_bounded``,
repeated until it has taken long enough to time, the fastest batch kept. The figure is the cost per byte
at 1 MiB over the cost per byte at 16 KiB, paired round by round: about 1 is linear, 64 would be
quadratic. ``check-traffic`` is timed as a whole process (imports included) on a HAR of one
``POST /rest/sms`` entry per shape.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.processes import run_timed, tool_env
from bench.settings import Settings
from bench.stats import paired_ratios, spread
from bench.table import Figure

__all__ = ["SHAPES", "hostile_har", "hostile_text", "main", "measure_hostile"]

SMALL = 16_384
LARGE = 1_048_576
HAR_BYTES = 65_536
TARGET_PER_BYTE_RATIO = 3.0  # linear is about 1; quadratic would be LARGE / SMALL = 64
TARGET_HAR_S = 5.0  # "a few seconds", whole process, on a loaded machine
SHAPES = {
    "too deep": "[" * 65,
    "open string": "[" * 64 + "]" * 64 + '["',
}
MIN_BATCH_S = 0.05  # a batch of parses long enough for the clock
BATCHES = 5
URL = "http://127.0.0.1:8080/rest/sms?FROM=12017771234&TO=14155550100&Message=bench"


def hostile_text(shape: str, size: int) -> str:
    """``size`` characters (ASCII, so bytes) of ``shape``'s brackets then ``\\"`` repeated."""
    prefix = SHAPES[shape]
    return prefix + '\\"' * ((size - len(prefix)) // 2)


def _parse_seconds(text: str) -> float:
    """Seconds per ``loads_bounded(text)`` (refused or not): the fastest of ``BATCHES`` timed batches."""
    from conformance.model.jsontext import loads_bounded

    def once() -> None:
        with contextlib.suppress(ValueError):  # too deep, or not JSON: refused is the expected outcome
            loads_bounded(text)

    repeats, best = 1, float("inf")
    for _ in range(BATCHES):
        while True:
            start = time.perf_counter()
            for _ in range(repeats):
                once()
            took = time.perf_counter() - start
            if took >= MIN_BATCH_S:
                break
            repeats *= 2
        best = min(best, took / repeats)
    return best


def hostile_har(path: Path, size: int = HAR_BYTES) -> Path:
    """A HAR 1.2 file of about ``size`` bytes: a POST /rest/sms entry per shape, answered a hostile body."""
    entries = []
    # each \" is written as \\\" in the file (twice as long); about 1.5 KiB is the HAR around the bodies
    per_body = (size - 1536) // (2 * len(SHAPES))
    for shape in SHAPES:
        entries.append(
            {
                "startedDateTime": "2026-12-01T00:00:00+00:00",
                "time": 100,
                "request": {
                    "method": "POST",
                    "url": URL,
                    "httpVersion": "HTTP/1.1",
                    "headers": [],
                    "queryString": [],
                    "cookies": [],
                    "headersSize": -1,
                    "bodySize": -1,
                },
                "response": {
                    "status": 200,
                    "statusText": "OK",
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": "Content-Type", "value": "application/json"}],
                    "cookies": [],
                    "content": {
                        "size": per_body,
                        "mimeType": "application/json",
                        "text": hostile_text(shape, per_body),
                    },
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": -1,
                },
                "cache": {},
                "timings": {"send": 0, "wait": 100, "receive": 0},
            }
        )
    document = {"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"}, "entries": entries}}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _child_parse(folder: Path, shape: str, size: int, settings: Settings) -> float:
    command = [sys.executable, "-m", "bench.hostile", "--parse", shape, str(size)]
    done = run_timed(command, cwd=folder, env=tool_env(), timeout_s=settings.timeout_s)
    if done.returncode != 0:
        raise RuntimeError(
            f"parsing {size} bytes of {shape!r} exited {done.returncode}: {done.stderr[-400:]}"
        )
    return float(json.loads(done.stdout)["seconds"])


def _check_traffic(folder: Path, har: Path, round_number: int, settings: Settings) -> tuple[float, int]:
    command = [
        sys.executable,
        "-m",
        "conformance.commands.cli",
        "check-traffic",
        str(har),
        "--report-dir",
        str(folder / f"report-{round_number}"),
    ]
    done = run_timed(command, cwd=folder, env=tool_env(), timeout_s=settings.timeout_s)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"check-traffic exited {done.returncode}: {done.stderr.strip()[-400:]}")
    return done.wall_s, done.returncode


def measure_hostile(folder: Path, settings: Settings) -> list[Figure]:
    """Per shape, interleaved rounds of a 16 KiB and a 1 MiB parse; then check-traffic on the hostile HAR."""
    figures = []
    for shape in SHAPES:
        small: list[float] = []
        large: list[float] = []
        for index in range(settings.rounds):
            pair = [(SMALL, small), (LARGE, large)]
            for size, seconds in pair if index % 2 == 0 else reversed(pair):
                seconds.append(_child_parse(folder, shape, size, settings))
            print(
                f"  {shape}, round {index + 1}: 16 KiB {small[-1] * 1e6:.0f} us, "
                f"1 MiB {large[-1] * 1e3:.2f} ms",
                flush=True,
            )
        ratio = spread(paired_ratios([t / LARGE for t in large], [t / SMALL for t in small]))
        figures.append(
            Figure(
                f"hostile JSON ({shape}): cost per byte, 1 MiB / 16 KiB",
                ratio.format("x"),
                f"<= {TARGET_PER_BYTE_RATIO:g}x",
                ratio.median <= TARGET_PER_BYTE_RATIO,
                note=f"loads_bounded, one child process each: 16 KiB {spread(small).format(' s', 6)}, "
                f"1 MiB {spread(large).format(' s', 4)}; quadratic would be {LARGE // SMALL}x",
            )
        )
    har = hostile_har(folder / "hostile.har")
    walls: list[float] = []
    exits: set[int] = set()
    for index in range(settings.rounds):
        wall, code = _check_traffic(folder, har, index + 1, settings)
        walls.append(wall)
        exits.add(code)
    wall_spread = spread(walls)
    figures.append(
        Figure(
            f"check-traffic, hostile HAR ({round(har.stat().st_size / 1024)} KiB), whole process",
            wall_spread.format(" s"),
            f"< {TARGET_HAR_S:g} s",
            wall_spread.median < TARGET_HAR_S,
            note=f"one POST /rest/sms entry per shape, each answer a hostile body; exit {sorted(exits)}",
        )
    )
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__.split("\n")[0])
    parser.add_argument("--parse", nargs=2, required=True, metavar=("SHAPE", "BYTES"))
    args = parser.parse_args(argv)
    shape, size = args.parse
    if shape not in SHAPES or not size.isdigit():
        parser.error(f"--parse SHAPE BYTES: SHAPE is one of {sorted(SHAPES)}, BYTES a whole number")
    print(json.dumps({"seconds": _parse_seconds(hostile_text(shape, int(size)))}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
