"""Every credential carrier (D54) is redacted in every artefact and on the console.

Each carrier of ``credential_target.CARRIERS`` is sent to a loopback target that echoes it back (raw,
percent-encoded, base64) and sets a session cookie. ``check-traffic`` reads a HAR of that traffic and
``run`` checks the target itself; results.json, report.html, junit.xml, stdout and stderr hold no form
of any secret, while the carriers' names (and an Authorization scheme, the cookie names) stay visible.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from credential_target import BODY_SECRET, CARRIERS, QUERY, SENDER, SET_COOKIE_SECRET, echoing, leaks
from hypothesis import given, settings
from hypothesis import strategies as st
from observed.wire import as_observed, to_har
from support import run_cli

from conformance.engine.traffic.observed import ObservedExchange
from conformance.model import credentials
from conformance.model.redaction import REDACTED

PROFILE_TOKEN = "Profile-T0ken-1a2b3c4d5e6f"
TOKEN_ENV = "CARRIER_TEST_TOKEN"
ARTEFACTS = ("results.json", "report.html", "junit.xml")


@pytest.mark.parametrize(
    "name",
    [
        "X-Auth-Token",
        "authorization",
        "Proxy-Authorization",
        "Cookie",
        "Set-Cookie",
        "X-Api-Key",
        "api-key",
        "jwt",
        "bearer",
        "access_token",
        "api_key",
        "apikey",
        "token",
        "key",
        "secret",
        "X-Session-Token",
        "password",
        "X-Signature",
        "sig",
        "client_secret",
    ],
)
def test_a_name_that_says_credential_is_a_carrier(name: str) -> None:
    assert credentials.is_carrier(name)
    assert credentials.header_value(name, "Zq9xW2vB7k") == REDACTED


@pytest.mark.parametrize(
    "name", ["Content-Type", "FROM", "TO", "Message", "tn", "WWW-Authenticate", "Location", "Retry-After"]
)
def test_an_ordinary_name_is_no_carrier_and_its_value_stays(name: str) -> None:
    assert not credentials.is_carrier(name)
    assert credentials.header_value(name, "Bearer realm=x") == "Bearer realm=x"


def test_the_carrier_keeps_what_makes_evidence_readable() -> None:
    assert credentials.header_value("Authorization", "Bearer abc.def") == f"Bearer {REDACTED}"
    assert credentials.header_value("Cookie", "theme=dark; sid=Zq9") == f"theme={REDACTED}; sid={REDACTED}"
    set_cookie = "session=Zq9x; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly, b=Yw8; Secure"
    assert credentials.header_value("Set-Cookie", set_cookie) == (
        f"session={REDACTED}; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly, b={REDACTED}; Secure"
    )
    assert credentials.query_string([("FROM", "1"), ("bearer", "Zq/9")]) == f"FROM=1&bearer={REDACTED}"
    # S1's error bodies name the refused field under "key": a body member "key" is no carrier
    body = '{"fields": {"key": "params.to"}, "token": "Zq\\"9", "n": 1}'
    assert (
        credentials.body_text(body) == f'{{"fields": {{"key": "params.to"}}, "token": "{REDACTED}", "n": 1}}'
    )
    assert credentials.body_text("a=1&api_key=Zq%2B9") == f"a=1&api_key={REDACTED}"


# the carrier words in any case, with the letters re's IGNORECASE also takes for i, k and s (ı İ K ſ)
_ODD_LETTERS = {"i": "iIıİ", "k": "kKK", "s": "sSſ"}
_PLAIN = st.characters(exclude_categories=["Cc", "Cs"], exclude_characters='"\\')  # JSON writes as is


@st.composite
def _carrier_names(draw: st.DrawFn) -> str:
    words = ["token", "api_key", "secret", "session", "auth", "passw", "signature", "bearer", "jwt"]
    words += ["cookie", "credential", "sig", "pwd", "pass", "sid"]
    word = draw(st.sampled_from(words))
    letters = [draw(st.sampled_from(_ODD_LETTERS.get(c, c + c.upper()))) for c in word]
    around = st.just("") | st.text(_PLAIN, max_size=6)  # the short names (sid, pwd) count alone
    return draw(around) + "".join(letters) + draw(around)


@settings(max_examples=200)
@given(_carrier_names(), st.text(_PLAIN, min_size=1, max_size=12))
def test_a_body_member_named_as_a_carrier_in_any_case_is_redacted(name: str, value: str) -> None:
    """A body is passed over quickly when it names no carrier; whatever case and letters a carrier's
    name is written in, its value is still redacted (and every other member is left as it was)."""
    body = json.dumps({"n": 1, name: value, "m": "x"}, ensure_ascii=False)
    redacted = credentials.body_text(body)
    if credentials.is_carrier(name, body=True):
        assert json.loads(redacted) == {"n": 1, name: REDACTED, "m": "x"}
    else:
        assert redacted == body


def test_every_carried_value_long_enough_is_learned_as_a_secret() -> None:
    learned = credentials.exchange_secrets(
        [("Authorization", "Bearer Zq9xW2vB7k"), ("Cookie", "theme=dark; s=Yw8uV1cX6j")],
        [("FROM", SENDER), ("jwt", "eyJhbGciOi")],
        ['{"secret": "s3cr\\u0065t!"}'],
    )
    # "dark" is too short: as a known secret it would blank every "dark" of every artefact
    assert learned == ("Zq9xW2vB7k", "Yw8uV1cX6j", "eyJhbGciOi", "s3cr\\u0065t!", "s3cret!")


def _observed(client: httpx.Client) -> list[ObservedExchange]:
    return [
        as_observed(
            client.post(
                "/rest/sms", params=[*QUERY, *carrier.query], headers=carrier.headers, content=carrier.body
            ),
            datetime.now(UTC),
        )
        for carrier in CARRIERS
    ]


def _texts(report_dir: Path, stdout: str, stderr: str) -> dict[str, str]:
    texts = {name: (report_dir / name).read_text(encoding="utf-8") for name in ARTEFACTS}
    return {**texts, "stdout": stdout, "stderr": stderr}


def _every_secret() -> dict[str, str]:
    return {
        **{carrier.label: carrier.secret for carrier in CARRIERS},
        "Set-Cookie": SET_COOKIE_SECRET,
        "body access_token": BODY_SECRET,
    }


@pytest.mark.slow  # starts the CLI
def test_check_traffic_writes_and_prints_no_form_of_any_carried_credential(tmp_path: Path) -> None:
    with echoing() as url, httpx.Client(base_url=url, timeout=10.0) as client:
        seen = _observed(client)
    document = to_har(seen)
    for entry, exchange in zip(document["log"]["entries"], seen, strict=True):  # type: ignore[index]
        if exchange.request_body:  # as a recorder keeps a request body
            text = exchange.request_body.decode()
            entry["request"]["postData"] = {"mimeType": "application/json", "text": text}
    har = tmp_path / "app.har"
    har.write_text(json.dumps(document), encoding="utf-8")
    # the HAR itself holds every secret: the test can fail
    assert leaks({"har": har.read_text(encoding="utf-8")}, _every_secret()).keys() == _every_secret().keys()
    done = run_cli("check-traffic", str(har), "--report-dir", "out", cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    texts = _texts(tmp_path / "out", done.stdout, done.stderr)
    found = leaks(texts, _every_secret())
    print(f"check-traffic: {len(seen)} carriers; forms found: {found or 0}")
    assert found == {}
    results = texts["results.json"]
    assert json.loads(results)["stats"]["observed"] == len(CARRIERS)
    hidden = [carrier.label for carrier in CARRIERS if carrier.shown.lower() not in results.lower()]
    assert hidden == []  # every carrier's name (and scheme, cookie name) stays readable
    for name in ARTEFACTS[1:]:
        assert f"session={REDACTED}" in texts[name], name  # meaningful_headers' Set-Cookie evidence


@pytest.mark.slow  # starts the CLI
def test_run_writes_and_prints_no_form_of_a_set_cookie_or_token_member(tmp_path: Path) -> None:
    report_dir = tmp_path / "out"
    with echoing() as url:
        profile = tmp_path / "echo.yaml"
        profile.write_text(
            f"name: echo\nbase_url: {url}\nauth: {{method: header, token_env: {TOKEN_ENV}}}\n"
            f"senders: ['{SENDER}']\nmax_sends: 1000\ntimeout_s: 10\n",
            encoding="utf-8",
        )
        done = run_cli(
            "run",
            "--profile",
            str(profile),
            "--max-examples",
            "3",
            "--report-dir",
            str(report_dir),
            cwd=tmp_path,
            env={TOKEN_ENV: PROFILE_TOKEN},
        )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    texts = _texts(report_dir, done.stdout, done.stderr)
    secrets = {"Set-Cookie": SET_COOKIE_SECRET, "body access_token": BODY_SECRET, "profile": PROFILE_TOKEN}
    found = leaks(texts, secrets)
    print(f"run: forms found: {found or 0}")
    assert found == {}
    for name in ARTEFACTS:
        assert f"session={REDACTED}" in texts[name], name  # the evidence still names the cookie
    assert '\\"access_token\\": \\"***REDACTED***\\"' in texts["results.json"]
