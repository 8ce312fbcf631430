"""`opentact-conformance check-traffic` end to end: HAR files written by tools we did not write, our own
results.json fed back, bad files refused with exit 2, and no token in any artefact. Loopback only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile.hostile_server import token_forms
from support import run_cli

from conformance.commands.report_dir import LOCK_FILE
from conformance.contract.specfile import spec_dir
from conformance.engine.profiles import MOCK_TOKEN_ENV
from observed.browser_page import SENDS, page_server
from observed.wire import REQUESTS, TOKEN, observe, served, to_har

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN_ENV = "OPENTACT_TRAFFIC_TEST_TOKEN"
CASELESS_FORMS = ("raw", "lower", "upper", "swapcase", "url", "hex")


def check_traffic(*args: str, cwd: Path, token: str | None = TOKEN) -> subprocess.CompletedProcess[str]:
    env = {MOCK_TOKEN_ENV: token, TOKEN_ENV: token} if token else {}
    return run_cli("check-traffic", *args, cwd=cwd, env=env)


def results_of(report_dir: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    return data


def found(data: dict[str, object]) -> set[tuple[str, str]]:
    deviations = data["deviations"]
    assert isinstance(deviations, list)
    return {(d["check"], d["severity"]) for d in deviations}


def schemathesis_har(tmp_path: Path, *faults: str) -> Path:
    """`schemathesis run … --report har` against the mock with ``faults``: a HAR written by another tool."""
    har = tmp_path / f"schemathesis-{'-'.join(faults) or 'clean'}.har"
    with served(*faults) as (server, _client):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                str(spec_dir() / "opentact-sms.openapi.yaml"),
                "--url",
                server.url,
                "-H",
                f"X-Auth-Token: {TOKEN}",
                "--max-examples",
                "5",
                "--seed",
                "1",
                "--workers",
                "1",
                "--phases",
                "examples,coverage",
                "--report",
                "har",
                "--report-har-path",
                str(har),
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=240,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
        )
    assert har.is_file(), done.stdout[-2000:] + done.stderr[-2000:]
    return har


def test_a_schemathesis_har_of_the_faulty_mock_is_flagged_as_run_flags_it(tmp_path: Path) -> None:
    har = schemathesis_har(tmp_path, "validation_as_500", "content_type_text", "auth_not_enforced")
    done = check_traffic(str(har), "--profile", "mock", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    data = results_of(tmp_path / "out")
    # the checks and severities `run` gives these three faults (tests/observed/test_observed_core.py)
    assert {("content_type", "error"), ("auth_enforced", "error"), ("rejection_status", "warning")} <= found(
        data
    )
    assert data["run"]["command"] == "check-traffic"  # type: ignore[index]
    assert data["stats"]["sent"] == 0  # type: ignore[index]
    assert "Traceback" not in done.stderr


def test_a_schemathesis_har_of_the_clean_mock_passes(tmp_path: Path) -> None:
    har = schemathesis_har(tmp_path)
    done = check_traffic(str(har), "--profile", "mock", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    data = results_of(tmp_path / "out")
    assert data["stats"]["observed"] >= 3  # type: ignore[index,operator]
    assert found(data) == set()


@pytest.fixture
def chromium() -> Iterator[str]:
    if shutil.which(CHROMIUM) is None:
        pytest.skip(
            f"headless Chromium is not installed at {CHROMIUM} (Debian package chromium; CI installs it)"
        )
    yield CHROMIUM


def browser_har(tmp_path: Path, executable: str, mock_url: str, origin: str) -> Path:
    from playwright.sync_api import sync_playwright

    har = tmp_path / "browser.har"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(record_har_path=str(har))
            page = context.new_page()
            page.goto(origin + "/")
            page.wait_for_function("document.title === 'done'", timeout=60_000)
            context.close()  # writes the HAR
        finally:
            browser.close()
    return har


@pytest.mark.browser
@pytest.mark.parametrize("fault", ["missing_thread", ""], ids=["fault-missing_thread", "clean"])
def test_a_har_recorded_by_headless_chromium_parses_and_is_checked(
    tmp_path: Path, chromium: str, fault: str
) -> None:
    with served(*filter(None, [fault])) as (server, _client), page_server(server.url, TOKEN) as origin:
        har = browser_har(tmp_path, chromium, server.url, origin)
    profile = tmp_path / "page.yaml"
    profile.write_text(
        f"name: page\nbase_url: {origin}\nauth: {{method: header, token_env: {TOKEN_ENV}}}\n"
        "senders: ['12017771234']\n",
        encoding="utf-8",
    )
    done = check_traffic(str(har), "--profile", str(profile), "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == (1 if fault else 0), done.stdout + done.stderr
    data = results_of(tmp_path / "out")
    stats = data["stats"]
    assert isinstance(stats, dict)
    assert stats["observed"] == len(SENDS)  # every fetch, nothing else
    assert stats["skipped_by_reason"].get("other path", 0) >= 1  # the page itself (GET /)
    assert stats["expectations"] == {"success": 2, "validation": 1, "auth": 1}
    if fault:
        assert ("response_schema", "error") in found(data)  # payload.thread left out of the 200s
    else:
        assert found(data) == set()
    text = (tmp_path / "out" / "results.json").read_text(encoding="utf-8")
    assert TOKEN not in text and TOKEN not in done.stdout + done.stderr


def test_a_results_file_of_run_is_checked_again_with_the_same_verdicts(tmp_path: Path) -> None:
    ran = run_cli(
        "run",
        "--profile",
        "mock:content_type_text,validation_as_500",
        "--max-examples",
        "2",
        "--report-dir",
        "ran",
        cwd=tmp_path,
    )
    assert ran.returncode == 1, ran.stdout + ran.stderr
    done = check_traffic(
        str(tmp_path / "ran" / "results.json"), "--profile", "mock", "--report-dir", "out", cwd=tmp_path
    )
    assert done.returncode == 1, done.stdout + done.stderr
    again = found(results_of(tmp_path / "out"))
    assert {("content_type", "error"), ("rejection_status", "warning")} <= again
    assert again <= found(results_of(tmp_path / "ran"))
    replayed = run_cli("replay", str(tmp_path / "out" / "results.json"), cwd=tmp_path)
    assert replayed.returncode == 2 and "written by `check-traffic`" in replayed.stderr, replayed.stderr


def test_har_details_base64_bodies_query_string_only_urls_aborted_and_unrecorded_entries(
    tmp_path: Path,
) -> None:
    with served("content_type_text") as (_server, client):
        seen = [observe(client, request) for request in REQUESTS[:3]]
    document = to_har(seen, base64_bodies=True)
    entries = document["log"]["entries"]  # type: ignore[index]
    entries[1]["request"]["url"] = entries[1]["request"]["url"].split("?", 1)[0]  # only queryString holds it
    aborted = json.loads(json.dumps(entries[2]))
    aborted["response"].update(status=0, content={"size": -1, "mimeType": ""})
    aborted["_error"] = "net::ERR_CONNECTION_RESET"
    unrecorded = json.loads(json.dumps(entries[0]))
    unrecorded["startedDateTime"] = "2026-01-01T00:00:00.000Z"
    del unrecorded["response"]["content"]["text"]
    elsewhere = json.loads(json.dumps(entries[0]))
    elsewhere["request"]["url"] = "http://127.0.0.1:9/other/path"
    entries.extend([aborted, unrecorded, elsewhere])
    har = tmp_path / "tool.har"
    har.write_text(json.dumps(document), encoding="utf-8")
    done = check_traffic(str(har), "--profile", "mock", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    data = results_of(tmp_path / "out")
    stats = data["stats"]
    assert isinstance(stats, dict)
    assert stats["observed"] == 4
    assert stats["classified"] == 4
    assert stats["skipped_by_reason"] == {"other path": 1, "response body not recorded in the HAR entry": 1}
    deviations = data["deviations"]
    assert isinstance(deviations, list)
    assert sum(d["check"] == "content_type" for d in deviations) == 3  # base64 bodies read, all three 200s
    transport = [d for d in deviations if d["check"] == "transport"]
    assert [d["detail"] for d in transport] == ["net::ERR_CONNECTION_RESET"]


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("{not json", "is not valid JSON"),
        ('{"log": {"entries": {}}}', "$.log.entries must be an array"),
        (
            '{"log": {"entries": [{"request": {"method": "POST"}, "response": {"status": 200}}]}}',
            "$.log.entries[0].request.url is missing",
        ),
        (
            '{"log": {"entries": [{"request": {"method": "POST", "url": "http://127.0.0.1/rest/sms"}, '
            '"response": {"status": "200"}}]}}',
            "$.log.entries[0].response.status must be a number",
        ),
        (
            '{"log": {"entries": [{"request": {"method": "POST", "url": "http://127.0.0.1/rest/sms", '
            '"headers": [{"name": 1}]}, "response": {"status": 200}}]}}',
            "$.log.entries[0].request.headers[0].name must be a string",
        ),
        ("[1, 2]", "$ (the top level) must be a JSON object"),
        ('{"schema_version": 99, "run": {}}', "schema_version 99 is not supported"),
    ],
)
def test_a_malformed_file_is_exit_2_naming_the_file_and_the_json_path(
    tmp_path: Path, content: str, where: str
) -> None:
    bad = tmp_path / "bad.har"
    bad.write_text(content, encoding="utf-8")
    done = check_traffic(str(bad), "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert str(bad) in done.stderr and where in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1  # one paragraph
    assert not (tmp_path / "out" / "results.json").exists()


def test_baseline_and_fail_on_work_as_in_run_and_no_token_reaches_an_artefact(tmp_path: Path) -> None:
    with served("error_success_true", "wrong_token_accepted") as (_server, client):
        seen = [observe(client, request) for request in REQUESTS]
    har = tmp_path / "app.har"
    har.write_text(json.dumps(to_har(seen)), encoding="utf-8")
    first = check_traffic(str(har), "--profile", "mock", "--report-dir", "first", cwd=tmp_path)
    assert first.returncode == 1, first.stdout + first.stderr
    assert {("error_envelope", "error"), ("auth_enforced", "error")} <= found(results_of(tmp_path / "first"))
    again = check_traffic(
        str(har),
        "--profile",
        "mock",
        "--baseline",
        "first/results.json",
        "--report-dir",
        "again",
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stdout + again.stderr  # nothing new since the baseline
    assert check_traffic(str(har), "--check", "nope", cwd=tmp_path).returncode == 2
    texts = {
        name: (tmp_path / "first" / name).read_text(encoding="utf-8")
        for name in ("results.json", "report.html", "junit.xml")
    }
    texts.update(stdout=first.stdout, stderr=first.stderr)
    for token in (TOKEN, "not-the-token-" + "9" * 12):
        leaks = {
            f"{where}/{form}"
            for where, text in texts.items()
            for form, value in token_forms(token).items()
            if re.search(re.escape(value), text, re.IGNORECASE if form in CASELESS_FORMS else 0)
        }
        assert leaks == set(), (token, leaks)


def test_fail_on_warning_fails_on_a_warning_only_traffic(tmp_path: Path) -> None:
    with served("validation_as_500") as (_server, client):
        seen = [observe(client, request) for request in REQUESTS[11:14]]  # three invalid TO values
    har = tmp_path / "app.har"
    har.write_text(json.dumps(to_har(seen)), encoding="utf-8")
    assert check_traffic(str(har), "--profile", "mock", "--report-dir", "a", cwd=tmp_path).returncode == 0
    done = check_traffic(
        str(har), "--profile", "mock", "--fail-on", "warning", "--report-dir", "b", cwd=tmp_path
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert found(results_of(tmp_path / "b")) == {("rejection_status", "warning")}


def test_sigterm_at_any_moment_leaves_incomplete_artefacts_never_a_pass(tmp_path: Path) -> None:
    with served() as (_server, client):
        seen = observe(client, REQUESTS[0])
    document = to_har([seen])
    entry = document["log"]["entries"][0]  # type: ignore[index]
    entries = []
    for index in range(4000):  # distinct start times: not duplicates of one another
        copy = json.loads(json.dumps(entry))
        copy["startedDateTime"] = (
            f"2026-11-25T10:{index // 60 % 60:02d}:{index % 60:02d}.{index // 3600:03d}Z"
        )
        entries.append(copy)
    document["log"]["entries"] = entries  # type: ignore[index]
    har = tmp_path / "long.har"
    har.write_text(json.dumps(document), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENTACT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.commands.cli", "check-traffic", str(har), "--report-dir", "out"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        # mid-run, not after a fixed sleep (a faster tool finished 4000 exchanges within 4 s): the
        # report directory is claimed (its lock file made) just before the exchanges are checked
        lock = tmp_path / "out" / LOCK_FILE
        deadline = time.monotonic() + 60
        while not lock.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process.poll() is None, "check-traffic ended before it could be stopped mid-run"
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 143, stdout + stderr
    data = results_of(tmp_path / "out")
    assert data["run"]["verdict"] == "incomplete" and data["run"]["partial"] is True  # type: ignore[index]
    assert "Traceback" not in stderr
