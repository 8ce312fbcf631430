"""One run's figures agree everywhere, and the manual's sample output is that run's output.

docs/commands/run.md shows the console output of a documented command; this runs the command against
the embedded mock and compares every line (the two times masked), so the sample cannot go stale.
The cases and requests it prints are the ones results.json, report.html and junit.xml hold.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support import run_cli

ROOT = Path(__file__).resolve().parents[2]
RUN_PAGE = ROOT / "docs" / "commands" / "run.md"
SAMPLE = re.compile(r"```console\n\$ opentact-conformance (run [^\n]*)\n(.*?)```", re.S)
FIGURES = re.compile(
    r"— (\d+) cases, (\d+) requests \((\d+) of them lookups\), seed \d+; "
    r"sent in ([\d.]+) s, total ([\d.]+) s$"
)
TIMES = re.compile(r"(sent in|total) [\d.]+ s")
# the life-cycle reads follow the messages in time: their number moves with the machine's pace, the
# sends do not, so the sample is compared on the sends (requests less lookups) and the lookups masked
LOOKUPS = re.compile(r"(\d+) requests \((\d+) of them lookups\)")

pytestmark = pytest.mark.slow  # one full run against the embedded mock


def _masked(lines: list[str]) -> list[str]:
    def sends(found: re.Match[str]) -> str:
        return f"{int(found[1]) - int(found[2])} sends (… lookups)"

    return [LOOKUPS.sub(sends, TIMES.sub(r"\1 … s", line)) for line in lines]


@pytest.fixture(scope="module")
def documented(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[str], subprocess.CompletedProcess[str], Path]:
    match = SAMPLE.search(RUN_PAGE.read_text(encoding="utf-8"))
    assert match, "docs/commands/run.md has no ```console sample of `opentact-conformance run`"
    command, sample = match.groups()
    cwd = tmp_path_factory.mktemp("documented")
    done = run_cli(*shlex.split(command), cwd=cwd)
    return sample.splitlines(), done, cwd / "r"


def test_the_manual_s_sample_is_what_the_documented_command_prints(
    documented: tuple[list[str], subprocess.CompletedProcess[str], Path],
) -> None:
    sample, done, _ = documented
    assert done.returncode == 1, done.stderr  # the sample's verdict: FAIL
    assert _masked(done.stdout.splitlines()) == _masked(sample)


class _Ids(HTMLParser):
    """The text of the elements with the given ids."""

    def __init__(self, *ids: str) -> None:
        super().__init__()
        self.wanted, self.found, self._open = set(ids), dict[str, str](), ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element_id = dict(attrs).get("id") or ""
        self._open = element_id if element_id in self.wanted else ""

    def handle_data(self, data: str) -> None:
        if self._open:
            self.found[self._open] = data
            self._open = ""


def test_cases_and_requests_are_the_same_on_the_console_and_in_every_artefact(
    documented: tuple[list[str], subprocess.CompletedProcess[str], Path],
) -> None:
    _, done, report_dir = documented
    figures = FIGURES.search(done.stdout.splitlines()[0])
    assert figures, done.stdout
    cases, requests, lookups = int(figures[1]), int(figures[2]), int(figures[3])
    sent_s, total_s = float(figures[4]), float(figures[5])

    results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    assert (results["stats"]["cases"], results["stats"]["sent"]) == (cases, requests)
    assert sum(phase["sent"] for phase in results["phases"]) == requests  # every request is in a phase
    assert cases < requests - lookups  # the variant probes and repeats are requests, not generated cases
    assert lookups == sum(phase["sent"] for phase in results["phases"] if phase["name"] == "lifecycle") > 0

    page = _Ids("total-cases", "total-requests")
    page.feed((report_dir / "report.html").read_text(encoding="utf-8"))
    assert page.found == {"total-cases": str(cases), "total-requests": str(requests)}

    suite = ET.parse(report_dir / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert (properties["cases"], properties["requests"]) == (str(cases), str(requests))

    last_progress = done.stderr.strip().splitlines()[-1]  # not a terminal: plain lines on stderr
    assert f"{cases}/{cases} cases" in last_progress
    assert round(results["run"]["duration_s"], 1) == sent_s
    assert total_s >= sent_s  # the whole command includes the sending
