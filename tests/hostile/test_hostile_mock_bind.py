"""`opentact-conformance mock` on an interface other than loopback warns first (one paragraph on stderr,
naming the exposure and how to set a token); on loopback it says nothing. No test binds anything but
loopback: the non-loopback address used is TEST-NET-1 (192.0.2.1, RFC 5737), which no machine holds."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.mock.command import exposure_warning

pytestmark = pytest.mark.slow  # starts the CLI or the embedded mock as processes

ROOT = Path(__file__).resolve().parents[2]
UNHELD = "192.0.2.1"


def _mock(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "conformance.mock", "--port", "0", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
    )


def test_a_non_loopback_host_is_warned_about_before_the_bind() -> None:
    done = _mock("--host", UNHELD)
    stdout, stderr = done.communicate(timeout=60)
    lines = stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 2, stderr  # the warning, then the bind error
    warning, error = lines
    assert warning.startswith("opentact-conformance mock: warning: --host 192.0.2.1 binds 192.0.2.1")
    assert "well-known default token" in warning and "--token" in warning
    assert "cannot listen on 192.0.2.1" in error and "Traceback" not in stderr and stdout == ""


def test_a_token_of_ones_own_still_gets_the_warning_without_the_default_token_part() -> None:
    done = _mock("--host", UNHELD, "--token", "my-own-token-5c1d")
    _, stderr = done.communicate(timeout=60)
    assert done.returncode == 2 and "not only loopback" in stderr, stderr
    assert "default token" not in stderr and "my-own-token-5c1d" not in stderr


def test_the_default_loopback_bind_says_nothing_on_stderr() -> None:
    process = _mock()
    assert process.stdout is not None
    try:
        first = process.stdout.readline()
        assert first.startswith("Opentact mock listening on http://127.0.0.1:"), first
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0 and stderr.strip() == "mock stopped", stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "10.0.0.5", "example.org", "[::]"])
def test_every_other_interface_is_named_as_exposed(host: str) -> None:
    text = exposure_warning(host, default_token=True)
    assert "not only loopback" in text and "--token" in text and "\n" not in text
    if host in ("0.0.0.0", "::", ""):
        assert "every interface of this machine" in text


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_addresses_get_no_warning(host: str) -> None:
    assert exposure_warning(host, default_token=True) == ""
