"""A target that echoes the token everywhere gets no form of it into any artefact or console output.

The echo server writes the token into an error message, a JSON key, a ``fields`` key, a header
name and value, a cookie and a ``Location``, raw, case-changed, URL-encoded, JSON-escaped,
base64/base64url (three alignments) and hex. The tests count every one of those forms in
``results.json``, ``report.html``, ``junit.xml``, stdout and stderr, for ``run`` and ``diff``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hostile_server import hostile, token_forms
from support import run_cli

from conformance.model.redaction import REDACTED
from conformance.model.results import inline_exchanges

pytestmark = pytest.mark.slow

TOKEN = "Canary-Tok3n-9f8e7d6c5b4a"
TOKEN_B = "Other-Canary-77aa55bb33cc"
ENV, ENV_B = "HOSTILE_TOKEN", "HOSTILE_TOKEN_B"
SENDER = "12017771234"


def occurrences(texts: dict[str, str], token: str) -> dict[str, int]:
    """``"artefact/form" -> count`` for every form of ``token`` found (case-insensitive for text forms)."""
    found: dict[str, int] = {}
    for where, text in texts.items():
        for form, value in token_forms(token).items():
            flags = re.IGNORECASE if form in ("raw", "lower", "upper", "swapcase", "url", "hex") else 0
            count = len(re.findall(re.escape(value), text, flags))
            if count:
                found[f"{where}/{form}"] = count
    return found


def artefacts(report_dir: Path, stdout: str, stderr: str) -> dict[str, str]:
    names = ("results.json", "report.html", "junit.xml")
    texts = {name: (report_dir / name).read_text(encoding="utf-8") for name in names}
    return {**texts, "stdout": stdout, "stderr": stderr}


def _profile(tmp_path: Path, name: str, url: str, env: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nbase_url: {url}\nauth: {{method: header, token_env: {env}}}\n"
        f"senders: ['{SENDER}']\nmax_sends: 1000\ntimeout_s: 10\n",
        encoding="utf-8",
    )
    return path


def _redacted_places(results: dict[str, object]) -> set[str]:
    """Which fields of the deviations show the redaction marker: proof the echoes were there."""
    places: set[str] = set()
    for deviation in inline_exchanges(results):  # type: ignore[arg-type]
        for name in ("detail", "actual", "expected", "path"):
            if REDACTED in deviation[name]:
                places.add(name)
        response = deviation["response"]
        for header, value in response.get("headers", {}).items():
            places.update({"header name"} if REDACTED in header else set())
            places.update({"header value"} if REDACTED in value else set())
        if REDACTED in response.get("headers", {}).get("location", ""):
            places.add("location")
    return places


def test_run_writes_no_form_of_an_echoed_token_anywhere(tmp_path: Path) -> None:
    report_dir = tmp_path / "out"
    with hostile("echo", token=TOKEN) as server:
        done = run_cli(
            "run", "--profile", str(_profile(tmp_path, "echo", server.url, ENV)),
            "--max-examples", "5", "--report-dir", str(report_dir),
            cwd=tmp_path, env={ENV: TOKEN},
        )
        sent = server.requests
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    found = occurrences(artefacts(report_dir, done.stdout, done.stderr), TOKEN)
    places = _redacted_places(results)
    print(f"run: {sent} requests echoed the token; {len(results['deviations'])} deviations; "
          f"redacted in {sorted(places)}; forms found: {found or 0}")
    assert sent == results["stats"]["sent"] > 20
    # the echoes reached the deviations (so the test can fail) and were redacted there
    assert places >= {"detail", "actual", "path", "header name", "header value", "location"}
    assert found == {}
    assert results["crashes"] == []


def test_diff_writes_and_prints_no_form_of_either_token(tmp_path: Path) -> None:
    report_dir = tmp_path / "out"
    with hostile("echo", token=TOKEN) as a, hostile("echo", token=TOKEN_B) as b:
        done = run_cli(
            "diff",
            "--profile", str(_profile(tmp_path, "side-a", a.url, ENV)),
            "--profile", str(_profile(tmp_path, "side-b", b.url, ENV_B)),
            "--max-examples", "3", "--report-dir", str(report_dir),
            cwd=tmp_path, env={ENV: TOKEN, ENV_B: TOKEN_B},
        )
        sent = a.requests + b.requests
    assert "Traceback" not in done.stderr, done.stderr
    results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    texts = artefacts(report_dir, done.stdout, done.stderr)
    found = {**occurrences(texts, TOKEN), **occurrences(texts, TOKEN_B)}
    shown = sum(line.count(REDACTED) for line in done.stdout.splitlines())
    print(f"diff: {sent} requests; {len(results['deviations'])} differences; {shown} redaction markers "
          f"on the console; forms found: {found or 0}")
    assert sent > 20
    assert shown > 0  # the console summary did print the paths named after the tokens, redacted
    assert found == {}


def test_token_exposure_says_where_and_in_which_form_and_never_what(tmp_path: Path) -> None:
    """The new evidence (D61) is the most exposed of all: it is about the token. Against the echo target
    and the mock's two token faults, every deviation names its place and form, and no artefact or
    console line holds any form of the token."""
    report_dir = tmp_path / "out"
    with hostile("echo", token=TOKEN) as server:
        done = run_cli(
            "run", "--profile", str(_profile(tmp_path, "echo", server.url, ENV)),
            "--max-examples", "3", "--check", "token_exposure", "--report-dir", str(report_dir),
            cwd=tmp_path, env={ENV: TOKEN},
        )
    assert done.returncode == 1, done.stderr
    results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    exposures = [d for d in inline_exchanges(results) if d["check"] == "token_exposure"]  # type: ignore[arg-type]
    places = {d["path"].split(" ", 1)[0] for d in exposures}
    forms = " ".join(d["actual"] for d in exposures)
    print(f"{len(exposures)} token_exposure deviations at {sorted({d['path'] for d in exposures})[:8]}…")
    assert {d["severity"] for d in exposures} == {"error"}
    assert places == {"header", "body"}
    wanted = ("raw", "case changed", "percent-encoded", "base64", "hex")
    assert [form for form in wanted if form not in forms] == []
    assert occurrences(artefacts(report_dir, done.stdout, done.stderr), TOKEN) == {}


def test_the_mocks_token_faults_leave_no_form_of_the_token_in_any_artefact(tmp_path: Path) -> None:
    report_dir = tmp_path / "out"
    done = run_cli(
        "run", "--profile", "mock:token_in_header,token_in_body_base64", "--max-examples", "3",
        "--report-dir", str(report_dir), cwd=tmp_path, env={"OPENTACT_MOCK_TOKEN": TOKEN},
    )
    assert done.returncode == 1, done.stderr
    results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    paths = {d["path"] for d in inline_exchanges(results) if d["check"] == "token_exposure"}  # type: ignore[arg-type]
    assert {"header x-request-context", "body /payload/request_ref"} <= paths
    assert occurrences(artefacts(report_dir, done.stdout, done.stderr), TOKEN) == {}
