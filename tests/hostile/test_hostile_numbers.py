"""Numbers a hostile target writes never crash a check: a 5,000-digit ``to`` (``int()`` refuses more than
4,300 digits) is a deviation of the target, on a real loopback socket and on hand-built exchanges."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from engine.test_checks_unit import CTX, SENT, exchange, payload
from support import LoopbackHandler, LoopbackHTTPServer, run_cli

from conformance.checks import run_checks, run_run_checks
from conformance.engine.sending.client import parse_retry_after

pytestmark = pytest.mark.slow  # starts the CLI or the embedded mock as processes

ENV = "HOSTILE_NUMBERS_TOKEN"
HUGE = "9" * 5000


class _Echo(LoopbackHandler):
    """Answers every POST with a documented-looking 200 whose ``payload.to`` is ``server.to`` (or TO)."""

    def do_POST(self) -> None:
        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        to = self.server.to or query.get("TO", "")  # type: ignore[attr-defined]
        body = payload(to=to, **{"from": query.get("FROM", "12017771234")})
        body["payload"]["message"] = query.get("Message", "")
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: Any) -> None:
        return


@contextmanager
def echoing(to: object) -> Iterator[str]:
    with LoopbackHTTPServer(("127.0.0.1", 0), _Echo) as server:
        server.to = to  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


def _run(tmp_path: Path, url: str) -> dict[str, Any]:
    profile = tmp_path / "echo.yaml"
    profile.write_text(
        f"name: echo\nbase_url: {url}\nauth: {{method: header, token_env: {ENV}}}\n"
        "senders: ['12017771234']\nmax_sends: 100\ntimeout_s: 10\n",
        encoding="utf-8",
    )
    done = run_cli(
        "run", "--profile", str(profile), "--phase", "examples", "--check", "semantic_echo",
        "--report-dir", "out", "--quiet", cwd=tmp_path, env={ENV: "echo-token-0123"},
    )
    results: dict[str, Any] = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    results["exit"] = done.returncode
    return results


def test_a_target_echoing_a_5000_digit_to_gets_a_deviation_not_a_crash(tmp_path: Path) -> None:
    with echoing(HUGE) as url:
        results = _run(tmp_path, url)
    assert results["crashes"] == []
    titles = {d["title"] for d in results["deviations"]}
    assert "payload.to is not the destination that was sent" in titles
    assert results["exit"] == 1


def test_a_target_echoing_the_destination_stays_clean(tmp_path: Path) -> None:
    with echoing(None) as url:
        results = _run(tmp_path, url)
    assert results["crashes"] == []
    assert [d for d in results["deviations"] if d["path"] == "$.payload.to"] == []


HOSTILE_VALUES: list[object] = [
    HUGE, "0" * 5000 + "14155550100", "١٤١٥٥٥٥٠١٠٠", "²", -14155550100, 1e308, "", None, [], {},
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "x" * 100_000,
]


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=lambda v: repr(v)[:24])
@pytest.mark.parametrize("member", ["to", "from", "tn", "created_on", "modified_on", "uuid", "thread"])
def test_no_check_crashes_on_a_hostile_member(member: str, value: object) -> None:
    changed = {"tn": {"tn": value, "created_on": value}} if member == "tn" else {member: value}
    sent = exchange(200, payload(**changed))
    deviations, crashes = run_checks(CTX, sent)
    found, run_crashes = run_run_checks(CTX, [sent, sent])
    assert crashes == [] and run_crashes == []
    assert isinstance(deviations, list) and isinstance(found, list)


@pytest.mark.parametrize(
    "sent_from", ["9" * 5000, "sender", "", "١٢٠١٧٧٧١٢٣٤"], ids=["5000 digits", "letters", "empty", "arabic"]
)
def test_an_unusable_sent_sender_beside_a_wrong_tn_is_a_deviation(sent_from: str) -> None:
    sent = exchange(200, payload(tn={"tn": 15555550100}), params={**SENT, "FROM": sent_from})
    deviations, crashes = run_checks(CTX, sent, ["semantic_echo"])
    assert crashes == []
    assert "payload.tn.tn is not the sender" in {d.title for d in deviations}


def test_the_documented_echo_is_clean() -> None:
    deviations, crashes = run_checks(CTX, exchange(200, payload()), ["semantic_echo"])
    assert crashes == [] and deviations == []


@pytest.mark.parametrize("value", ["²", "٣", "１２", "9" * 5000, "1e3", "-5"])
def test_a_hostile_retry_after_never_raises(value: str) -> None:
    wait = parse_retry_after(value)
    assert wait is None or wait > 1e300  # not a delay in seconds: none, or far above the client's cap


def test_a_plain_retry_after_is_read() -> None:
    assert parse_retry_after(" 7 ") == 7.0
