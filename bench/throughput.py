"""Gate end to end vs plain schemathesis (the target) and vs wrk (information), one standalone mock per round.

Every side is a whole, cold process against the same ``python -m conformance.mock`` process; its requests are
counted at the server (the mock's own counters, ``GET /_mock/stats``) and its rate is those requests over
the process's wall time.
Each round starts a fresh mock and runs the three sides in a rotating order; ratios are taken round by round.

The gate keeps its generated cases in a case cache (``OPENTACT_CONFORMANCE_CACHE_DIR``, a folder of this
bench): round 1 starts with it empty (cold: the gate generates its cases), every later round reads them
back (warm). The calibration run uses a cache of its own, so round 1 is really cold. The gate's figures
are printed cold and warm; the target (>= 3x schemathesis at the same request count) applies to the warm
ones (a gate run again on the same spec, seed and options, as in CI), and each figure's note says which it
is. The ratio to ``wrk`` on the loopback mock is information only: loopback milliseconds are not what a
live run meets (its ceiling is the profile's rate limit: ``bench.latency``). Without ``wrk`` it is skipped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.processes import CACHE_DIR_ENV as CACHE_ENV
from bench.processes import ROOT, TOKEN, MockProcess, run_timed, tool_env
from bench.settings import Settings
from bench.stats import paired_ratios, spread
from bench.table import Figure

__all__ = ["SPEC", "TOKEN_ENV", "measure_throughput", "write_profile"]

SPEC = ROOT / "spec" / "opentact-sms.openapi.yaml"
SENDERS = ("12017771234", "12013046585")  # the mock's default leased senders
TOKEN_ENV = "BENCH_OPENTACT_TOKEN"
TARGET_VS_SCHEMATHESIS = 3.0
_WRK_COUNT = re.compile(r"(\d+) requests in")
_WRK_SCRIPT = 'wrk.method = "POST"\nwrk.headers["X-Auth-Token"] = "{token}"\n'
_WRK_PATH = f"/rest/sms?FROM={SENDERS[0]}&TO=14155550100&Message=bench"


@dataclass(frozen=True)
class Side:
    """One side of a round: requests counted at the server, process wall time, and a remark."""

    requests: int
    wall_s: float
    remark: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.wall_s


def write_profile(path: Path, base_url: str, *, max_sends: int = 100_000, **extra: object) -> Path:
    """A target profile for a loopback server with the mock's senders, the token in ``TOKEN_ENV``."""
    lines = [
        "name: bench",
        f"base_url: {base_url}",
        "auth:",
        "  method: header",
        f"  token_env: {TOKEN_ENV}",
        f"senders: [{', '.join(repr(s) for s in SENDERS)}]",
        f"max_sends: {max_sends}",
    ]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _gate(mock: MockProcess, folder: Path, settings: Settings, cache: Path) -> Side:
    profile = write_profile(folder / "profile.yaml", mock.url)
    command = [
        sys.executable,
        "-m",
        "conformance.commands.cli",
        "run",
        "--profile",
        str(profile),
        "--max-examples",
        str(settings.max_examples),
        "--quiet",
        "--report-dir",
        str(folder / "report"),
    ]
    before = mock.count()
    done = run_timed(
        command,
        cwd=folder,
        env=tool_env(extra={TOKEN_ENV: TOKEN, CACHE_ENV: str(cache)}),
        timeout_s=settings.timeout_s,
    )
    if done.returncode not in (0, 1):
        raise RuntimeError(f"the gate exited {done.returncode}: {done.stderr.strip()[-400:]}")
    return Side((mock.count() - before).total, done.wall_s, f"exit {done.returncode}")


def _schemathesis(mock: MockProcess, folder: Path, settings: Settings, max_examples: int) -> Side:
    executable = shutil.which("schemathesis")
    if executable is None:
        raise RuntimeError("the `schemathesis` CLI is not on PATH (pip install schemathesis)")
    command = [
        executable,
        "run",
        str(SPEC),
        "--url",
        mock.url,
        "-H",
        f"X-Auth-Token: {mock.token}",
        "--checks",
        "all",
        "--max-examples",
        str(max_examples),
        "--seed",
        "0",
        "--no-color",
    ]
    before = mock.count()
    done = run_timed(command, cwd=folder, env=tool_env(), timeout_s=settings.timeout_s)
    if done.returncode not in (0, 1):
        raise RuntimeError(
            f"schemathesis exited {done.returncode}: {(done.stdout + done.stderr).strip()[-400:]}"
        )
    return Side((mock.count() - before).total, done.wall_s, f"exit {done.returncode}")


def _wrk(mock: MockProcess, folder: Path, settings: Settings) -> Side:
    executable = shutil.which("wrk")
    assert executable is not None  # checked by measure_throughput
    script = folder / "post.lua"
    script.write_text(_WRK_SCRIPT.format(token=mock.token), encoding="utf-8")
    command = [
        executable,
        "-t1",
        "-c1",
        f"-d{settings.wrk_seconds}s",
        "-s",
        str(script),
        mock.url + _WRK_PATH,
    ]
    before = mock.count()
    done = run_timed(command, cwd=folder, env=tool_env(), timeout_s=settings.timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"wrk exited {done.returncode}: {done.stderr.strip()[-400:]}")
    own = _WRK_COUNT.search(done.stdout)
    return Side((mock.count() - before).total, done.wall_s, f"wrk's own count {own[1] if own else '?'}")


def _calibrate(folder: Path, settings: Settings) -> tuple[int, int]:
    """The gate's request count, and the schemathesis --max-examples that sends about as many (one try)."""
    with MockProcess(folder) as mock:
        (folder / "gate").mkdir()
        gate = _gate(mock, folder / "gate", settings, folder / "case-cache")
        (folder / "schemathesis").mkdir()
        sent = _schemathesis(mock, folder / "schemathesis", settings, gate.requests).requests
    # schemathesis sends a fixed number of requests (examples, coverage, probes) besides its fuzzed cases
    examples = max(1, 2 * gate.requests - sent)
    return gate.requests, examples


def measure_throughput(folder: Path, settings: Settings) -> list[Figure]:
    """Rounds of gate / schemathesis / wrk on a fresh standalone mock each; the figures and their ratios."""
    has_wrk = shutil.which("wrk") is not None
    gate_count, st_examples = _calibrate(folder / "calibration", settings)
    print(
        f"  calibrated: the gate at --max-examples {settings.max_examples} sends {gate_count} requests; "
        f"schemathesis --max-examples {st_examples} for the same count",
        flush=True,
    )
    sides: dict[str, list[Side]] = {"gate": [], "schemathesis": [], "wrk": []}
    failure = ""
    for index in range(settings.rounds):
        order = ["gate", "schemathesis", "wrk"] if has_wrk else ["gate", "schemathesis"]
        order = order[index % len(order) :] + order[: index % len(order)]
        try:
            _round(folder / f"round-{index + 1}", settings, st_examples, order, sides, folder / "case-cache")
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            failure = f"round {index + 1} failed, {index} complete round(s) kept: {exc}"
            print(f"  {failure}", flush=True)
            for runs in sides.values():
                del runs[index:]  # pairs need complete rounds
            break
        done = [(name, sides[name][-1]) for name in order]
        print(
            f"  round {index + 1}: "
            + "; ".join(f"{name} {s.requests} req in {s.wall_s:.2f} s ({s.remark})" for name, s in done),
            flush=True,
        )
    if not sides["gate"]:
        raise RuntimeError(failure)
    figures = _figures(sides, settings, has_wrk)
    if failure:
        figures.append(
            Figure(
                "throughput: every round complete",
                f"{len(sides['gate'])} of {settings.rounds}",
                f"{settings.rounds} rounds",
                None,
                note=failure[:300],
            )
        )
    return figures


def _round(
    folder: Path,
    settings: Settings,
    st_examples: int,
    order: list[str],
    sides: dict[str, list[Side]],
    cache: Path,
) -> None:
    """One round on a fresh mock: each side in ``order``, appended to ``sides``; the gate's case cache
    is ``cache`` (shared by the rounds: empty in the first, filled by it for the others)."""
    with MockProcess(folder) as mock:
        for name in order:
            side_folder = folder / name
            side_folder.mkdir()
            if name == "gate":
                side = _gate(mock, side_folder, settings, cache)
            elif name == "schemathesis":
                side = _schemathesis(mock, side_folder, settings, st_examples)
            else:
                side = _wrk(mock, side_folder, settings)
            sides[name].append(side)


def _ratio_figure(
    name: str, gate: list[Side], other: list[Side], target: float | None, warm: bool, note: str
) -> Figure:
    """gate / other round by round; gated (against ``target``) only for the warm rounds, never without one."""
    which = "warm case cache" if warm else "cold case cache, round 1"
    gated = warm and target is not None
    if not gate:
        return Figure(
            f"{name} ({which})",
            "not measured: the warm figures need --rounds 2 or more",
            f">= {target}x" if gated else "",
            None,
            gated=gated,
        )
    ratios = spread(paired_ratios([s.rate for s in gate], [s.rate for s in other]))
    shown = "" if target is None else f">= {target}x" if warm else f"(>= {target}x applies warm)"
    return Figure(
        f"{name} ({which})",
        ratios.format("x", 3),
        shown,
        ratios.median >= target if gated and target is not None else None,
        gated=gated,
        note=note + ("; the target applies to this figure" if gated else "; information: not a target"),
    )


def _figures(sides: dict[str, list[Side]], settings: Settings, has_wrk: bool) -> list[Figure]:
    gate, st, wrk = sides["gate"], sides["schemathesis"], sides["wrk"]
    n = settings.max_examples
    figures = [
        Figure(
            f"gate --max-examples {n}, whole process, cold case cache",
            spread([s.rate for s in gate[:1]]).format(" req/s", 1),
            gated=False,
            note=f"round 1: cases generated; requests counted at the mock: {gate[0].requests}",
        ),
    ]
    if gate[1:]:
        figures.append(
            Figure(
                f"gate --max-examples {n}, whole process, warm case cache",
                spread([s.rate for s in gate[1:]]).format(" req/s", 1),
                gated=False,
                note=f"rounds 2-{len(gate)}: cases read from the cache; requests counted at the mock: "
                f"{sorted({s.requests for s in gate[1:]})}",
            )
        )
    figures.append(
        Figure(
            "schemathesis run --checks all, whole process",
            spread([s.rate for s in st]).format(" req/s", 1),
            gated=False,
            note=f"requests counted at the mock: {sorted({s.requests for s in st})}",
        )
    )
    if has_wrk:
        limit = spread([s.rate for s in wrk])
        figures.append(
            Figure(
                "physical limit: wrk -t1 -c1 keep-alive",
                limit.format(" req/s", 1),
                gated=False,
                note=f"one documented POST /rest/sms repeated {settings.wrk_seconds} s; "
                + ", ".join(s.remark for s in wrk),
            )
        )
        for warm in (False, True):
            picked = slice(1, None) if warm else slice(0, 1)
            figures.append(
                _ratio_figure(
                    f"gate --max-examples {n} / physical limit",
                    gate[picked],
                    wrk[picked],
                    None,
                    warm,
                    "requests per second of each whole process, paired round by round",
                )
            )
    else:
        figures.append(
            Figure(
                f"gate --max-examples {n} / physical limit",
                "not measured: `wrk` is not installed",
                gated=False,
                note="information only; apt-get install -y wrk (Debian package)",
            )
        )
    for warm in (False, True):
        picked = slice(1, None) if warm else slice(0, 1)
        figures.append(
            _ratio_figure(
                "gate / schemathesis, same request count",
                gate[picked],
                st[picked],
                TARGET_VS_SCHEMATHESIS,
                warm,
                "requests per second of each whole process, paired round by round",
            )
        )
    return figures
