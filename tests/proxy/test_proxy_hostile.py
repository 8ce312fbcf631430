"""A hostile upstream (the hostile-target servers) and a hostile client: the proxy survives, keeps
serving, and no form of the token reaches results.json, report.html, junit.xml or the console."""

from __future__ import annotations

import re
import socket
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from hostile_server import BEHAVIOURS, hostile, token_forms

pytestmark = pytest.mark.slow

TOKEN = "Canary-Tok3n-9f8e7d6c5b4a"
SENDER = "12017771234"
VALID = {"FROM": SENDER, "TO": "14155550100", "Message": "hi"}
TOKEN_ENV = "PROXY_HOSTILE_TOKEN"


def _occurrences(texts: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for where, text in texts.items():
        for form, value in token_forms(TOKEN).items():
            flags = re.IGNORECASE if form in ("raw", "lower", "upper", "swapcase", "url", "hex") else 0
            count = len(re.findall(re.escape(value), text, flags))
            if count:
                found[f"{where}/{form}"] = count
    return found


def _hostile_client(port: int) -> None:
    """Garbage, a request cut off mid-body, and a connection opened and dropped."""
    for data in (
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS hello to a plain port
        f"POST /rest/sms?jwt={TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\npart".encode(),
        b"",
    ):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(data)


@pytest.mark.parametrize("behaviour", [b for b in BEHAVIOURS if b != "counting"])
def test_a_hostile_upstream_and_client_leave_the_proxy_serving_and_no_token_in_any_artefact(
    behaviour: str, tmp_path: Path, start_proxy
) -> None:
    profile = tmp_path / "p.yaml"
    report = tmp_path / "report"
    with hostile(behaviour, token=TOKEN) as server:
        profile.write_text(
            f"name: hostile\nbase_url: {server.url}\nauth: {{method: header, token_env: {TOKEN_ENV}}}\n"
            f"senders: ['{SENDER}']\ntimeout_s: 10\n",
            encoding="utf-8",
        )
        proxy = start_proxy(
            "--upstream",
            server.url,
            "--port",
            "0",
            "--profile",
            str(profile),
            "--report-dir",
            str(report),
            "--max-exchanges",
            "6",  # the client's six; the one it cut off is never forwarded (its body did not end)
            env={TOKEN_ENV: TOKEN},
        )
        port = int(proxy.url.rsplit(":", 1)[1])
        statuses = []
        with httpx.Client(base_url=proxy.url, timeout=30) as client:
            for index in range(6):
                if index == 2:
                    _hostile_client(port)
                headers = {"X-Auth-Token": TOKEN} if index % 2 else {"Authorization": f"Bearer {TOKEN}"}
                params = {**VALID, "jwt": TOKEN} if index == 3 else VALID
                statuses.append(client.post("/rest/sms", params=params, headers=headers).status_code)
        code = proxy.wait()
        assert server.requests == 6  # the client's six, nothing added; the garbage never went upstream
    assert all(100 <= status < 600 for status in statuses)
    assert code in (0, 1), proxy.stderr()
    texts = {
        name: (report / name).read_text(encoding="utf-8")
        for name in ("results.json", "report.html", "junit.xml")
    }
    texts.update(stdout=proxy.stdout(), stderr=proxy.stderr())
    assert _occurrences(texts) == {}
    assert '"observed": 6' in texts["results.json"]
