"""Through the proxy, every credential carrier (D54) is redacted in every artefact and on the console.

A client sends each carrier of ``credential_target.CARRIERS`` through the proxy to a loopback target
that echoes it back and sets a session cookie; no form of any secret reaches results.json,
report.html, junit.xml, stdout or stderr, and the carriers' names stay readable.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from credential_target import BODY_SECRET, CARRIERS, QUERY, SENDER, SET_COOKIE_SECRET, echoing, leaks

from conformance.model.redaction import REDACTED

TOKEN_ENV = "PROXY_CARRIER_TOKEN"
PROFILE_TOKEN = "Profile-T0ken-9z8y7x6w5v4u"


def test_the_proxy_writes_and_prints_no_form_of_any_carried_credential(tmp_path: Path, start_proxy) -> None:
    profile = tmp_path / "p.yaml"
    report = tmp_path / "report"
    with echoing() as url:
        profile.write_text(
            f"name: echo\nbase_url: {url}\nauth: {{method: header, token_env: {TOKEN_ENV}}}\n"
            f"senders: ['{SENDER}']\ntimeout_s: 10\n",
            encoding="utf-8",
        )
        proxy = start_proxy(
            "--upstream",
            url,
            "--port",
            "0",
            "--profile",
            str(profile),
            "--report-dir",
            str(report),
            "--max-exchanges",
            str(len(CARRIERS)),
            env={TOKEN_ENV: PROFILE_TOKEN},
        )
        with httpx.Client(base_url=proxy.url, timeout=30) as client:
            statuses = [
                client.post(
                    "/rest/sms",
                    params=[*QUERY, *carrier.query],
                    headers=carrier.headers,
                    content=carrier.body,
                ).status_code
                for carrier in CARRIERS
            ]
        code = proxy.wait()
    assert statuses == [200] * len(CARRIERS)
    assert code == 1, proxy.stderr()
    texts = {
        name: (report / name).read_text(encoding="utf-8")
        for name in ("results.json", "report.html", "junit.xml")
    }
    texts.update(stdout=proxy.stdout(), stderr=proxy.stderr())
    secrets = {
        **{carrier.label: carrier.secret for carrier in CARRIERS},
        "Set-Cookie": SET_COOKIE_SECRET,
        "body access_token": BODY_SECRET,
        "profile": PROFILE_TOKEN,
    }
    found = leaks(texts, secrets)
    print(f"proxy: {len(CARRIERS)} carriers; forms found: {found or 0}")
    assert found == {}
    results = texts["results.json"].lower()
    assert f'"observed": {len(CARRIERS)}' in results
    hidden = [carrier.label for carrier in CARRIERS if carrier.shown.lower() not in results]
    # every carrier's name (and scheme, cookie name) stays readable; Proxy-Authorization is addressed to
    # the proxy itself (RFC 9110 §11.7.2): it keeps no record of it
    assert hidden == ["Proxy-Authorization"]
    for name in ("report.html", "junit.xml"):
        assert f"session={REDACTED}" in texts[name], name  # meaningful_headers' Set-Cookie evidence
