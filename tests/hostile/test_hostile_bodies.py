"""Bodies nested 100,000 deep, lone surrogates in keys and values, 10,000 headers: deviations of the
target, never crashes of the suite; all artefacts written; bounded memory for 125 requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_server import hostile

from conformance.model.results import inline_exchanges

ENV = "HOSTILE_BODY_TOKEN"
MAX_RSS_MB = 400


def _profile(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "hostile.yaml"
    path.write_text(
        f"name: hostile\nbase_url: {url}\nauth: {{method: header, token_env: {ENV}}}\n"
        "senders: ['12017771234']\nmax_sends: 1000\ntimeout_s: 20\n",
        encoding="utf-8",
    )
    return path


# The child reads its own peak RSS (VmHWM of its address space) as it exits. getrusage() would not
# do: Linux starts a child's ru_maxrss at its parent's RSS at fork time (here, the whole pytest process).
_MEASURED_CLI = """
import atexit, sys
from pathlib import Path
out = Path(sys.argv[1])
def _peak():
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    out.write_text(line.split()[1])
atexit.register(_peak)
sys.argv = ["opentact-conformance", *sys.argv[2:]]
from conformance.commands.cli import main
raise SystemExit(main())
"""


def run_measured(*args: str, cwd: Path) -> tuple[int, str, str, float]:
    """The CLI as a child process: exit code, stdout, stderr and the child's own peak RSS in MB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENTACT_")}
    env[ENV] = "hostile-body-token-0123"
    peak = cwd / "peak-kb.txt"
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED_CLI, str(peak), *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
    )
    return done.returncode, done.stdout, done.stderr, int(peak.read_text()) / 1024


@pytest.mark.slow
@pytest.mark.parametrize(
    ("behaviour", "title"),
    [
        ("deep", "Response body nested too deep to check"),
        ("surrogates", "Response body holds unpaired UTF-16 surrogates"),
        ("headers", None),
    ],
)
def test_hostile_bodies_are_deviations_and_every_artefact_is_written(
    tmp_path: Path, behaviour: str, title: str | None
) -> None:
    report_dir = tmp_path / "out"
    with hostile(behaviour) as server:
        code, stdout, stderr, rss_mb = run_measured(
            "run", "--profile", str(_profile(tmp_path, server.url)), "--report-dir", str(report_dir),
            cwd=tmp_path,
        )
        sent = server.requests
    results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    titles = {d["title"] for d in results["deviations"]}
    print(f"{behaviour}: {sent} requests, exit {code}, peak RSS {rss_mb:.0f} MB, "
          f"{len(results['deviations'])} deviations, {len(results['crashes'])} crashes")
    assert "Traceback" not in stdout + stderr, stderr
    assert code == 1, stderr  # the target's deviations decide the exit code, not a crash
    # every generated case (125 at least) and the variant probes of refused valid ones went out
    assert results["stats"]["cases"] >= 125 and sent == results["stats"]["sent"] >= results["stats"]["cases"]
    assert results["crashes"] == []
    assert (report_dir / "report.html").stat().st_size > 0
    assert (report_dir / "junit.xml").stat().st_size > 0
    assert rss_mb < MAX_RSS_MB
    if title is not None:
        assert title in titles
    else:  # every response kept a bounded number of headers and said how many it dropped
        responses = [d["response"] for d in inline_exchanges(results) if d["response"]]
        assert responses and all(len(r["headers"]) <= 64 for r in responses)
        assert all(r["headers_dropped"] >= 10_000 - 64 for r in responses)
    # the report command reads these results back without trouble
    again = subprocess.run(
        [sys.executable, "-m", "conformance.commands.cli", "report", str(report_dir / "results.json"),
         "--out", str(tmp_path / "again")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in again.stderr, again.stderr
    assert again.returncode == 0 and (tmp_path / "again" / "report.html").exists()


QUADRATIC_BUDGET_S = 30  # the old depth scan took 44 s on the 16 KiB bodies, hours on the 1 MiB ones


@pytest.mark.slow
@pytest.mark.parametrize("behaviour", ["quadratic", "quadratic_mib"])
def test_bodies_that_made_the_depth_scan_quadratic_are_checked_within_the_time_budget(
    tmp_path: Path, behaviour: str
) -> None:
    """``[``×65 then ``\\"``×N (16 KiB and 1 MiB): each body is a deviation, every example case is checked,
    and the run ends inside its time budget without being cut by it (results.json says so)."""
    profile = _profile(tmp_path, "http://127.0.0.1:1")
    report_dir = tmp_path / "out"
    with hostile(behaviour) as server:
        profile.write_text(
            profile.read_text(encoding="utf-8").replace("http://127.0.0.1:1", server.url)
            + f"time_budget_s: {QUADRATIC_BUDGET_S}\n",
            encoding="utf-8",
        )
        code, stdout, stderr, _ = run_measured(
            "run", "--profile", str(profile), "--phase", "examples", "--report-dir", str(report_dir),
            cwd=tmp_path,
        )
        sent = server.requests
    results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    titles = {d["title"] for d in results["deviations"] if d["check"] == "json_body"}
    print(f"{behaviour}: {sent} requests, exit {code}, {results['run']['duration_s']} s")
    assert "Traceback" not in stdout + stderr, stderr
    assert code == 1 and results["crashes"] == [], stderr
    assert titles == {"Response body nested too deep to check", "Response body is not valid JSON"}
    assert results["run"]["partial"] is False, results["run"]["partial_reason"]
    assert results["stats"]["sent"] == sent >= results["stats"]["cases"] > 0
    assert results["run"]["duration_s"] <= QUADRATIC_BUDGET_S
    again = subprocess.run(
        [sys.executable, "-m", "conformance.commands.cli", "report", str(report_dir / "results.json"),
         "--out", str(tmp_path / "again")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr


@pytest.mark.slow
def test_checking_that_spends_the_time_budget_ends_the_run_as_sending_does(tmp_path: Path) -> None:
    """1 MiB bodies of objects that each name a member twice take a while to check (linearly); with a
    1 s budget the run stops checking once it is spent: partial for the time budget, cases left over."""
    profile = _profile(tmp_path, "http://127.0.0.1:1")
    report_dir = tmp_path / "out"
    with hostile("duplicates_mib") as server:
        profile.write_text(
            profile.read_text(encoding="utf-8").replace("http://127.0.0.1:1", server.url)
            + "time_budget_s: 1\n",
            encoding="utf-8",
        )
        code, stdout, stderr, _ = run_measured(
            "run", "--profile", str(profile), "--phase", "positive", "--report-dir", str(report_dir),
            cwd=tmp_path,
        )
    results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    checked = sum(1 for d in results["deviations"] if d["check"] == "strict_json")
    print(f"1 s budget: {checked} of {results['stats']['cases']} checked: {results['run']['partial_reason']}")
    assert "Traceback" not in stdout + stderr, stderr
    assert code == 130, stderr  # incomplete: the results so far written, marked partial
    assert results["run"]["partial"] is True and "time budget" in results["run"]["partial_reason"]
    assert 0 < checked < results["stats"]["cases"]
