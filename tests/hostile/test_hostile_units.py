"""The parts behind the hostile-target guarantees, each proven on a fault and on clean input:
the Redactor, the redacting console stream, bounded JSON, the header caps and the checks on them."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import msgspec
import pytest
from engine.test_checks_unit import CTX, exchange, payload

from conformance.checks import run_checks
from conformance.engine.sending.client import MAX_HEADERS_KEPT, kept_headers
from conformance.model.jsontext import MAX_JSON_DEPTH, JSONTooDeepError, loads_bounded
from conformance.model.redaction import REDACTED, KnownSecrets, RedactingStream, Redactor
from conformance.model.results import ResultsError, load_results
from reports.examples import build_example

SECRET = "Sk-Live_9aF3/xY+z=Qw"


def encoded_forms(secret: str) -> dict[str, str]:
    raw = secret.encode()
    return {
        "raw": secret,
        "lower": secret.lower(),
        "upper": secret.upper(),
        "quote": quote(secret, safe=""),
        "quote_lower_hex": "".join(f"%{b:02x}" for b in raw),
        "quote_plus": quote_plus(secret),
        "json_ensure_ascii_all": "".join(f"\\u{ord(c):04X}" for c in secret),
        "json_dumps": json.dumps(secret)[1:-1],
        "html_decimal": "".join(f"&#{ord(c)};" for c in secret),
        "html_hex": "".join(f"&#x{ord(c):x};" for c in secret),
        "base64": base64.b64encode(raw).decode(),
        "base64_in_basic_auth": base64.b64encode(b"user:" + raw).decode(),
        "base64_offset_1": base64.b64encode(b"a" + raw + b"b").decode(),
        "base64url": base64.urlsafe_b64encode(b"ab" + raw).decode(),
        "hex": raw.hex(),
        "hex_upper": raw.hex().upper(),
    }


@pytest.mark.parametrize("form", sorted(encoded_forms(SECRET)))
def test_the_redactor_removes_every_form_of_the_secret(form: str) -> None:
    value = encoded_forms(SECRET)[form]
    out = Redactor([SECRET]).text(f"before {value} after")
    assert REDACTED in out and value not in out
    assert out.startswith("before ") and out.endswith(" after")


def test_the_redactor_leaves_ordinary_text_alone() -> None:
    text = 'HTTP 400 {"success": false, "fields": {"params.to": ["bad"]}} c2VjcmV0 736b2d6c697665 %41'
    assert Redactor([SECRET]).text(text) == text
    assert Redactor([]).text(text) == text


def test_the_redactor_walks_keys_and_values_of_any_depth_without_recursion() -> None:
    value: object = {SECRET: [f"x{SECRET.lower()}y", 3, None, {"k": quote(SECRET, safe="")}]}
    for _ in range(50_000):
        value = [value]
    out = Redactor([SECRET]).data(value)
    for _ in range(50_000):
        out = out[0]
    assert out == {REDACTED: [f"x{REDACTED}y", 3, None, {"k": REDACTED}]}


def test_the_console_stream_catches_a_secret_split_over_writes() -> None:
    target = io.StringIO()
    stream = RedactingStream(target, secrets=[SECRET])
    stream.write("token: " + SECRET[:5])
    stream.flush()
    assert target.getvalue() == ""  # a partial line waits for its end
    stream.write(SECRET[5:] + " end\nnext ")
    stream.drain()
    assert target.getvalue() == f"token: {REDACTED} end\nnext "


def test_the_console_is_redacted_of_a_secret_from_the_line_after_the_command_met_it() -> None:
    known = KnownSecrets()
    target = io.StringIO()
    stream = RedactingStream(target, known)
    stream.write(f"before: {SECRET}\n")  # not yet met: written as it is
    known.add(SECRET)
    stream.write(f"after: {SECRET}\n")
    assert target.getvalue() == f"before: {SECRET}\nafter: {REDACTED}\n"


def test_the_secrets_of_one_command_are_not_another_s() -> None:
    first, second = KnownSecrets([SECRET]), KnownSecrets()
    second.add("another-token-3c9d", "")
    assert first.secrets() == (SECRET,)
    assert second.secrets() == ("another-token-3c9d",)
    target = io.StringIO()
    RedactingStream(target, second).write(f"{SECRET} another-token-3c9d\n")
    assert target.getvalue() == f"{SECRET} {REDACTED}\n"


def test_bounded_json_parses_up_to_the_limit_and_refuses_beyond() -> None:
    assert loads_bounded("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH).value is not None
    assert loads_bounded('["[[[[' + "[" * 500 + '"]').value == ["[[[[" + "[" * 500]  # brackets in strings
    with pytest.raises(JSONTooDeepError):
        loads_bounded("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    with pytest.raises(JSONTooDeepError):
        loads_bounded("[" * 100_000 + "]" * 100_000)


def test_bounded_json_replaces_lone_surrogates_and_keeps_pairs() -> None:
    parsed = loads_bounded('{"k\\ud800": ["v\\udfff", "\\ud83d\\ude00", "\\\\ud800"]}')
    assert parsed.lone_surrogates == 2
    assert parsed.value == {"k\ufffd": ["v\ufffd", "\U0001f600", "\\ud800"]}
    assert loads_bounded('{"k": "v"}').lone_surrogates == 0


def _with_body(body: bytes, status: int = 200) -> list[tuple[str, str]]:
    ex = exchange(status, body)
    deviations, crashes = run_checks(CTX, ex)
    assert crashes == []
    for deviation in deviations:  # every deviation renders and serialises
        msgspec.json.encode(deviation)
        build_example(deviation)
    return [(d.check, d.title) for d in deviations]


def test_a_body_nested_past_the_limit_is_one_json_body_deviation() -> None:
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    assert ("json_body", "Response body nested too deep to check") in _with_body(deep)
    inner = '{"a":' * 100_000 + "1" + "}" * 100_000
    envelope = '{"success": false, "status": 400, "message": "x", "fields": {"params.to": ' + inner + "}}"
    assert ("json_body", "Response body nested too deep to check") in _with_body(envelope.encode(), 400)


def test_a_body_at_the_limit_runs_every_check_without_a_crash_or_a_depth_deviation() -> None:
    body = payload()
    nested: object = "x"
    for _ in range(MAX_JSON_DEPTH - 3):
        nested = {"a": nested}
    body["payload"]["extra"] = nested
    found = _with_body(json.dumps(body).encode())
    assert not [title for check, title in found if check == "json_body"]


def test_lone_surrogates_are_a_warning_and_nothing_downstream_sees_them() -> None:
    body = json.dumps(payload()).replace('"smso"', '"smso\\ud800"').replace('"state"', '"st\\udc00ate"')
    found = _with_body(body.encode())
    assert ("json_body", "Response body holds unpaired UTF-16 surrogates") in found
    assert ("json_body", "Response body holds unpaired UTF-16 surrogates") not in _with_body(
        json.dumps(payload()).encode()
    )


def test_header_caps_keep_what_checks_read_and_count_the_rest() -> None:
    many = [(f"x-{i}", "v") for i in range(10_000)] + [("Content-Type", "application/json")]
    kept, dropped = kept_headers(many)
    assert len(kept) == MAX_HEADERS_KEPT and kept["content-type"] == "application/json"
    assert dropped == 10_001 - MAX_HEADERS_KEPT
    few = [("Content-Type", "application/json"), ("Set-Cookie", "a=1"), ("set-cookie", "b=2")]
    assert kept_headers(few) == ({"content-type": "application/json", "set-cookie": "a=1, b=2"}, 0)


def test_a_results_file_nested_too_deep_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text('{"schema_version": 1, "run": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ResultsError, match="nested"):
        load_results(path)



def test_redacting_results_never_breaks_them_even_for_a_one_letter_token() -> None:
    from conformance.model.deviations import Severity
    from conformance.model.results import RunResults, TargetInfo

    deviations, _ = run_checks(CTX, exchange(500, b"<html>oops</html>", content_type="text/html"))
    assert deviations
    results = RunResults(
        target=TargetInfo("t", "http://127.0.0.1:1"), spec={}, seed=1, started_at="", finished_at="",
        duration_s=0.0, fail_on=Severity.WARNING, deviations=tuple(deviations),
    )
    for token in ("r", "e", "o", "n"):  # letters of "error", "warning", "info"
        redacted = results.redacted(Redactor([token]))
        assert [d.severity for d in redacted.deviations] == [d.severity for d in deviations]
        assert redacted.fail_on is Severity.WARNING
        for deviation in redacted.deviations:
            assert token not in deviation.detail.lower().replace(REDACTED.lower(), "")
