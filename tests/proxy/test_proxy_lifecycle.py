"""The proxy as a command: periodic partial results, SIGTERM, limits, and bad input (exit 2/3)."""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest
from proxy_support import TOKEN_HEADERS
from support import run_cli

from conformance.commands.exit_codes import EXIT_TERMINATED, EXIT_UNREACHABLE, EXIT_USAGE

pytestmark = pytest.mark.slow

VALID = {"FROM": "12017771234", "TO": "14155550100", "Message": "hi"}


def _results(report: Path, *, timeout_s: float = 30) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    path = report / "results.json"
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def test_while_it_runs_the_results_are_partial_and_sigterm_leaves_them_incomplete(
    tmp_path: Path, capturing_mock, start_proxy
) -> None:
    mock, seen = capturing_mock()
    report = tmp_path / "report"
    proxy = start_proxy(
        "--upstream", mock.url, "--port", "0", "--report-dir", str(report), "--flush-every", "0.3"
    )
    with httpx.Client(base_url=proxy.url, timeout=10) as client:
        for _ in range(3):
            assert client.post("/rest/sms", params=VALID, headers=TOKEN_HEADERS).status_code == 200
    deadline = time.monotonic() + 30
    interim = _results(report)
    while interim["stats"]["observed"] < 3 and time.monotonic() < deadline:  # type: ignore[index]
        time.sleep(0.2)
        interim = _results(report)
    assert interim["run"]["partial"] is True and interim["run"]["verdict"] == "incomplete"  # type: ignore[index]
    assert "still running" in interim["run"]["partial_reason"]  # type: ignore[index]
    proxy.signal(signal.SIGTERM)
    assert proxy.wait() == EXIT_TERMINATED
    final = _results(report)
    assert final["run"]["partial"] is True and final["run"]["verdict"] == "incomplete"  # type: ignore[index]
    assert "SIGTERM" in final["run"]["partial_reason"]  # type: ignore[index]
    assert final["stats"]["observed"] == 3 and final["stats"]["proxy_forwarded"] == 3  # type: ignore[index]
    assert "run incomplete" in (report / "junit.xml").read_text(encoding="utf-8")
    assert "INCOMPLETE" in (report / "report.html").read_text(encoding="utf-8")
    assert "verdict: INCOMPLETE" in proxy.stdout()
    assert len(seen.api_requests()) == 3


def test_duration_ends_a_complete_run_with_the_gates_verdict(
    tmp_path: Path, capturing_mock, start_proxy
) -> None:
    mock, _ = capturing_mock(frozenset({"missing_thread"}))
    report = tmp_path / "report"
    proxy = start_proxy("--upstream", mock.url, "--port", "0", "--report-dir", str(report), "--duration", "3")
    with httpx.Client(base_url=proxy.url, timeout=10) as client:
        client.post("/rest/sms", params=VALID, headers=TOKEN_HEADERS)
    assert proxy.wait() == 1
    final = _results(report)
    assert final["run"]["partial"] is False and final["run"]["verdict"] == "fail"  # type: ignore[index]
    assert {d["check"] for d in final["deviations"]} == {"response_schema"}  # type: ignore[attr-defined]


def test_requests_past_max_exchanges_are_not_forwarded(tmp_path: Path, capturing_mock, start_proxy) -> None:
    mock, seen = capturing_mock()
    proxy = start_proxy(
        "--upstream", mock.url, "--port", "0", "--report-dir", str(tmp_path / "r"), "--max-exchanges", "2"
    )
    statuses = []
    with httpx.Client(base_url=proxy.url, timeout=10) as client:
        for _ in range(4):
            try:
                statuses.append(client.post("/rest/sms", params=VALID, headers=TOKEN_HEADERS).status_code)
            except httpx.TransportError:
                statuses.append(0)  # the proxy already stopped listening
    assert proxy.wait() == 0
    assert statuses[:2] == [200, 200] and all(s in (0, 503) for s in statuses[2:])
    assert len(seen.api_requests()) == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_bad_input_is_one_paragraph_and_a_documented_exit_code(tmp_path: Path) -> None:
    report_file = tmp_path / "a-file"
    report_file.write_text("x", encoding="utf-8")
    dead = f"http://127.0.0.1:{_free_port()}"
    cases = [
        (["--upstream", "ftp://example.org", "--port", "0"], EXIT_USAGE, "--upstream"),
        (["--upstream", "http://127.0.0.1:1?x=1", "--port", "0"], EXIT_USAGE, "query"),
        (["--upstream", dead, "--port", "70000"], EXIT_USAGE, "--port"),
        (["--upstream", dead, "--port", "0", "--max-exchanges", "0"], EXIT_USAGE, "--max-exchanges"),
        (["--upstream", dead, "--port", "0", "--bind", "localhost-ish"], EXIT_USAGE, "--bind"),
        (["--upstream", dead, "--port", "0", "--ca-bundle", str(report_file)], EXIT_USAGE, "--ca-bundle"),
        (["--upstream", dead, "--port", "0"], EXIT_UNREACHABLE, "cannot connect"),
    ]
    for args, code, words in cases:
        done = run_cli("proxy", *args, "--report-dir", str(tmp_path / "r"), cwd=tmp_path, timeout=60)
        assert done.returncode == code, (args, done.stderr)
        assert words in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        live = f"http://127.0.0.1:{listener.getsockname()[1]}"
        done = run_cli(
            "proxy", "--upstream", live, "--port", "0", "--report-dir", str(report_file), cwd=tmp_path
        )
    assert done.returncode == EXIT_USAGE and "regular file" in done.stderr and "Traceback" not in done.stderr


def test_a_platform_without_fork_is_one_paragraph_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import multiprocessing

    from conformance.commands.cli import main

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])  # as on Windows
    code = main(
        ["proxy", "--upstream", "http://127.0.0.1:1", "--port", "0", "--report-dir", str(tmp_path / "r")]
    )
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "needs os.fork" in err and "POSIX" in err and "check-traffic" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "r").exists()  # refused before anything, the report directory included
