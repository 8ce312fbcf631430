"""An https upstream on loopback: verified against --ca-bundle; refused at start-up without it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from proxy_support import TOKEN_HEADERS
from tls_mock import tls_mock

from conformance.commands.exit_codes import EXIT_USAGE

pytestmark = pytest.mark.slow

VALID = {"FROM": "12017771234", "TO": "14155550100", "Message": "over tls"}


def test_an_https_upstream_works_with_its_ca_given(tmp_path: Path, start_proxy) -> None:
    with tls_mock(tmp_path) as (url, ca, app):
        report = tmp_path / "report"
        proxy = start_proxy(
            "--upstream",
            url,
            "--port",
            "0",
            "--ca-bundle",
            str(ca),
            "--report-dir",
            str(report),
            "--max-exchanges",
            "1",
        )
        with httpx.Client(base_url=proxy.url, timeout=20) as client:
            answer = client.post("/rest/sms", params=VALID, headers=TOKEN_HEADERS)
        code = proxy.wait()
    assert answer.status_code == 200 and answer.json()["payload"]["message"] == "over tls"
    assert len(app.api_requests()) == 1
    assert code == 0, proxy.stderr()
    assert '"observed": 1' in (report / "results.json").read_text(encoding="utf-8")


def test_an_https_upstream_is_refused_without_its_ca_with_exit_2_and_nothing_sent(
    tmp_path: Path,
    start_proxy,
) -> None:
    with tls_mock(tmp_path) as (url, _, app):
        proxy = start_proxy(
            "--upstream", url, "--port", "0", "--report-dir", str(tmp_path / "r"), listen=False
        )
        code = proxy.wait(60)
        assert app.seen == []
    err = proxy.stderr()
    assert code == EXIT_USAGE
    assert "cannot be verified" in err and "--ca-bundle" in err and "Nothing was sent" in err
    assert "Traceback" not in err and "listening on" not in proxy.stdout()
