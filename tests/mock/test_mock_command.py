"""``python -m conformance.mock``: prints how to reach it, serves, stops cleanly on Ctrl-C."""

from __future__ import annotations

import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from conformance.mock.faults import fault_names

ROOT = Path(__file__).resolve().parents[2]


def mock_command(*args: str, timeout: float = 20.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance.mock", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def running_mock() -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.mock", "--port", "0", "--seed", "5"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    banner: list[str] = []
    try:
        while not banner or not banner[-1].startswith("curl "):
            line = process.stdout.readline()
            assert line, f"the mock exited early: {process.stderr.read() if process.stderr else ''}"
            banner.append(line.rstrip("\n"))
        yield process, banner
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


@pytest.mark.slow
def test_the_printed_curl_line_works_and_ctrl_c_exits_0_without_traceback(
    running_mock: tuple[subprocess.Popen[str], list[str]],
) -> None:
    process, banner = running_mock
    url = re.search(r"http://127\.0\.0\.1:\d+", banner[0])
    assert url is not None
    curl = shlex.split(banner[-1])
    target = urlsplit(curl[curl.index("-X") + 2])
    assert f"{target.scheme}://{target.netloc}" == url.group(0) and target.path == "/rest/sms"
    header_name, _, header_value = curl[curl.index("-H") + 1].partition(": ")
    response = httpx.post(
        f"{url.group(0)}/rest/sms", params=dict(parse_qsl(target.query)), headers={header_name: header_value}
    )
    assert response.status_code == 200
    assert response.json()["payload"]["message"] == "Hello world"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=5)
    assert process.returncode == 0
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_the_banner_names_the_token_and_the_senders(
    running_mock: tuple[subprocess.Popen[str], list[str]],
) -> None:
    process, banner = running_mock
    text = "\n".join(banner)
    assert "mock-token-0123456789abcdef" in text
    assert "12017771234" in text and "12013046585" in text
    process.send_signal(signal.SIGTERM)
    assert process.wait(5) == 0


@pytest.mark.slow
def test_list_faults_prints_every_catalogued_name() -> None:
    result = mock_command("--list-faults")
    assert result.returncode == 0
    listed = {line.split()[0] for line in result.stdout.splitlines()[1:]}
    assert listed == set(fault_names())
    assert result.stdout.splitlines()[0].split() == ["NAME", "CATEGORY", "CHECK", "DESCRIPTION"]


@pytest.mark.slow
def test_an_unknown_fault_exits_2_naming_it_and_the_fix() -> None:
    result = mock_command("--port", "0", "--fault", "no_such_fault")
    assert result.returncode == 2
    assert "no_such_fault" in result.stderr and "--list-faults" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.slow
def test_a_port_in_use_exits_2_with_one_line() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = mock_command("--port", str(taken.getsockname()[1]))
    assert result.returncode == 2
    assert "already in use" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_faults_and_options_reach_the_served_mock() -> None:
    process = subprocess.Popen(
        [
            sys.executable, "-m", "conformance.mock", "--port", "0", "--token", "t0k",
            "--sender", "15550001111", "--fault", "to_as_string,type_unknown", "--success-status", "201",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert url is not None, first
        params = {"FROM": "15550001111", "TO": "14155550100", "Message": "hi"}
        response = httpx.post(f"{url.group(0)}/rest/sms", params=params, headers={"X-Auth-Token": "t0k"})
        assert response.status_code == 201
        assert response.json()["payload"]["to"] == "14155550100"
        assert response.json()["payload"]["type"] == "sms"
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=5)
    assert process.returncode == 0
