"""`token_exposure`, `internal_details` (D61), `cors_policy`, `shared_cache` (D62) on hand-built exchanges.

Each check fires for every member of its class (every form of the token, every kind of trace, each
permissive CORS or cache header) and stays silent on the near misses a faithful server sends: the
client's own text echoed back, a cookie the server issued, a specific CORS origin, ``no-store``.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.checks import CheckContext, run_checks
from conformance.checks.exposure import INTERNAL_DETAILS
from conformance.checks.response_text import body_places, body_texts
from conformance.contract.schemas import load_contract
from conformance.model.cases import Case, Expectation
from conformance.model.deviations import Deviation, Severity
from conformance.model.exchange import Exchange, RecordedRequest, RecordedResponse

TOKEN = "Tok3n-5ecret-b16c0ffee"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
CTX = CheckContext(contract=load_contract(), secrets=(TOKEN,))
PARAMS = {"FROM": "12017771234", "TO": "14155550100", "Message": "Hello"}
PAYLOAD = {
    "uuid": "1c1f3e3a-9d1e-4a55-8f52-2f9d2c1b7e10",
    "from": "12017771234",
    "to": 14155550100,
    "message": "Hello",
}
CHECKS = ["token_exposure", "internal_details", "cors_policy", "shared_cache"]


def exchange(
    status: int = 200,
    body: Any = None,
    headers: dict[str, str] | None = None,
    *,
    params: dict[str, str] | None = None,
    request_headers: tuple[tuple[str, str], ...] = (("X-Auth-Token", TOKEN),),
) -> Exchange:
    case = Case(id="c-1", phase="unit", kind="unit", expectation=Expectation.SUCCESS, params=params or PARAMS)
    request = RecordedRequest(
        "POST", "http://127.0.0.1:1", "/rest/sms", tuple((params or PARAMS).items()), request_headers
    )
    if body is None:
        body = {"success": True, "payload": PAYLOAD} if status < 300 else {"success": False, "status": status}
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = RecordedResponse(status, {"content-type": "application/json", **(headers or {})}, content, 3.0)
    return Exchange(case, request, response, sent_at=datetime(2026, 11, 24, 10, 0, 1, tzinfo=UTC))


def fired(ex: Exchange, ctx: CheckContext = CTX) -> list[Deviation]:
    deviations, crashes = run_checks(ctx, ex, CHECKS)
    assert crashes == []
    return deviations


def shown(deviation: Deviation) -> str:
    return json.dumps(dataclasses.asdict(deviation), ensure_ascii=False, default=str)


def b64(data: str, prefix: str = "") -> str:
    return base64.b64encode((prefix + data).encode()).decode()


@pytest.mark.parametrize(
    ("header", "value", "form"),
    [
        ("x-request-context", f"caller={TOKEN}", "raw"),
        ("x-debug", TOKEN.upper(), "case changed"),
        ("x-debug", "".join(f"%{b:02X}" for b in TOKEN.encode()), "percent-encoded"),
        ("x-debug", b64(TOKEN, "user:"), "base64"),
        ("x-debug", base64.urlsafe_b64encode(b"??>" + TOKEN.encode()).decode(), "base64url"),
        ("x-debug", TOKEN.encode().hex(), "hex"),
        ("link", f"</rest/sms?jwt={TOKEN}>; rel=self", "raw"),
    ],
)
def test_the_token_in_a_header_is_an_error_naming_the_header_and_form_not_the_value(
    header: str, value: str, form: str
) -> None:
    [deviation] = fired(exchange(headers={header: value}))
    assert (deviation.check, deviation.severity, deviation.path) == (
        "token_exposure",
        Severity.ERROR,
        f"header {header}",
    )
    assert form in deviation.detail and form in deviation.actual
    assert TOKEN not in shown(deviation) and TOKEN.lower() not in shown(deviation).lower()
    assert value not in shown(deviation)


@pytest.mark.parametrize(
    ("body", "where", "form"),
    [
        ({"success": False, "status": 401, "message": f"token {TOKEN} is invalid"}, "body /message", "raw"),
        ({"success": True, "payload": {**PAYLOAD, "ref": b64(TOKEN, "c:")}}, "body /payload/ref", "base64"),
        (
            {"success": True, "payload": {**PAYLOAD, "seen": [{"a/b": TOKEN.encode().hex()}]}},
            "body /payload/seen/0/a~1b",
            "hex",
        ),
        ({TOKEN: 1}, f"body /{TOKEN} (the member's name)", "raw"),
    ],
)
def test_the_token_in_a_json_body_names_its_pointer(body: Any, where: str, form: str) -> None:
    [deviation] = [d for d in fired(exchange(200, body)) if d.check == "token_exposure"]
    assert deviation.path == where.replace(TOKEN, "***REDACTED***")
    assert form in deviation.detail
    assert TOKEN not in shown(deviation)


def test_the_token_in_a_body_that_is_not_json_names_its_byte_offset() -> None:
    body = f"<html>é {TOKEN}</html>".encode()
    [deviation] = fired(exchange(500, body, {"content-type": "text/html"}))
    assert deviation.path == "body at byte 9"  # "<html>é " is 9 bytes: é is two
    assert TOKEN not in shown(deviation)


def test_the_signature_of_a_jwt_alone_is_found_and_kept_out_of_the_evidence() -> None:
    signature = JWT.rsplit(".", 1)[1]
    ex = exchange(
        401,
        {"success": False, "status": 401, "message": f"bad signature {signature}"},
        request_headers=(("Authorization", f"Bearer {JWT}"),),
    )
    [deviation] = fired(ex, CheckContext(contract=load_contract()))
    assert "JWT signature alone" in deviation.detail
    assert signature not in shown(deviation)


def test_nothing_fires_on_a_clean_answer_or_a_token_too_short_to_tell_from_words() -> None:
    assert fired(exchange()) == []
    assert fired(exchange(401)) == []
    short = exchange(
        401,
        {"success": False, "status": 401, "message": "token abc12 refused"},
        request_headers=(("X-Auth-Token", "abc12"),),
    )
    assert fired(short, CheckContext(contract=load_contract())) == []


def test_the_clients_own_text_echoed_is_not_an_exposure() -> None:
    """A message that happens to hold the token's spelling, echoed as the documented payload.message."""
    params = {**PARAMS, "Message": f"my code is {TOKEN}"}
    body = {"success": True, "payload": {**PAYLOAD, "message": params["Message"]}}
    assert fired(exchange(200, body, params=params)) == []


def test_a_credential_the_server_issues_or_renews_is_not_the_callers_token() -> None:
    issued = exchange(headers={"set-cookie": "session=srv-issued-0123456789; Path=/; HttpOnly"})
    assert (
        fired(issued, CheckContext(contract=load_contract(), secrets=(TOKEN, "srv-issued-0123456789"))) == []
    )
    renewed = exchange(
        headers={"set-cookie": "session=renewed-0123456789; Path=/"},
        request_headers=(("X-Auth-Token", TOKEN), ("Cookie", "session=renewed-0123456789")),
    )
    assert fired(renewed) == []
    echoed = exchange(headers={"set-cookie": f"auth={TOKEN}"})  # the caller's token stored in a cookie
    assert [d.path for d in fired(echoed)] == ["header set-cookie"]


TRACES = {
    "Python traceback": 'Traceback (most recent call last):\n  File "/srv/app/sms.py", line 88, in send',
    "Java stack trace": "java.lang.NumberFormatException\n\tat com.opentact.sms.Send.parse(Send.java:42)",
    ".NET stack trace": "at Opentact.Sms.Send(String to) in D:\\build\\Sms\\Send.cs:line 42",
    "Node.js stack trace": "TypeError: x is undefined\n    at send (/opt/api/routes/sms.js:10:5)",
    "PHP error": "Fatal error: Uncaught TypeError in /var/www/html/sms.php on line 12",
    "Go panic": "panic: runtime error\n\ngoroutine 7 [running]:\nmain.send()",
    "Ruby backtrace": "app/controllers/sms_controller.rb:12:in `create'",
    "server file path": "could not open /home/deploy/config.yml",
    "SQL error text": "SQLSTATE[42000]: Syntax error or access violation",
}


@pytest.mark.parametrize("kind", list(TRACES))
def test_each_kind_of_server_internals_in_an_error_body_is_a_warning(kind: str) -> None:
    body = {"success": False, "status": 500, "message": TRACES[kind]}
    found = {(d.title, d.severity) for d in fired(exchange(500, body)) if d.check == "internal_details"}
    assert (f"{kind} in the response", Severity.WARNING) in found
    assert {severity for _, severity in found} == {Severity.WARNING}


def test_windows_paths_and_sql_text_are_found_in_json_strings_and_plain_bodies() -> None:
    body = {"success": False, "status": 500, "message": "C:\\inetpub\\wwwroot\\api\\web.config missing"}
    assert [d.path for d in fired(exchange(500, body))] == ["body /message"]
    plain = exchange(500, b'ERROR: syntax error at or near "FROM"', {"content-type": "text/plain"})
    assert [d.title for d in fired(plain)] == ["SQL error text in the response"]


@pytest.mark.parametrize(
    "message",
    [
        "see /home/alice/notes and C:\\Users\\me\\x.txt",
        'Traceback (most recent call last): File "/srv/x.py", line 1',
        "SQLSTATE[42000] at com.example.A.b(A.java:1)",
    ],
)
def test_internals_the_client_wrote_itself_and_the_server_echoes_do_not_fire(message: str) -> None:
    params = {**PARAMS, "Message": message}
    accepted = {"success": True, "payload": {**PAYLOAD, "message": message}}
    refused = {"success": False, "status": 400, "fields": {"params.message": {"value": message[:40]}}}
    assert fired(exchange(200, accepted, params=params)) == []
    assert fired(exchange(400, refused, params=params)) == []


def test_documented_bodies_and_api_paths_do_not_look_like_internals() -> None:
    body = {
        "success": False,
        "status": 404,
        "message": "TNLease and SMSCampaign not found",
        "see": "https://api.opentact.org/rest/sms/outbound/1c1f and /rest/sms",
    }
    assert fired(exchange(404, body)) == []


@pytest.mark.parametrize(
    ("allow_origin", "origin"),
    [("*", ""), ("null", ""), ("https://evil.example", "https://evil.example")],
    ids=["wildcard", "null", "reflected"],
)
def test_credentialed_cors_for_any_origin_is_a_warning(allow_origin: str, origin: str) -> None:
    headers = {"access-control-allow-origin": allow_origin, "access-control-allow-credentials": "true"}
    request_headers = (("X-Auth-Token", TOKEN), *((("Origin", origin),) if origin else ()))
    for status in (200, 400):
        [deviation] = fired(exchange(status, headers=headers, request_headers=request_headers))
        assert (deviation.check, deviation.severity) == ("cors_policy", Severity.WARNING)


@pytest.mark.parametrize(
    "headers",
    [
        {"access-control-allow-origin": "*"},
        {"access-control-allow-origin": "https://app.example", "access-control-allow-credentials": "true"},
        {"access-control-allow-credentials": "false", "access-control-allow-origin": "*"},
    ],
    ids=["wildcard-without-credentials", "a-fixed-origin", "credentials-false"],
)
def test_cors_that_admits_no_foreign_credentialed_reader_is_silent(headers: dict[str, str]) -> None:
    assert (
        fired(
            exchange(
                headers=headers, request_headers=(("X-Auth-Token", TOKEN), ("Origin", "https://o.example"))
            )
        )
        == []
    )


@pytest.mark.parametrize(
    ("cache_control", "extra"),
    [
        ("public", {}),
        ("max-age=300", {}),
        ("s-maxage=60", {}),
        ("", {"expires": "Wed, 01 Jan 2031 00:00:00 GMT"}),
    ],
)
def test_a_send_answer_a_shared_cache_may_store_is_a_warning(
    cache_control: str, extra: dict[str, str]
) -> None:
    headers = {**({"cache-control": cache_control} if cache_control else {}), **extra}
    [deviation] = fired(exchange(200, headers=headers))
    assert (deviation.check, deviation.severity) == ("shared_cache", Severity.WARNING)


@pytest.mark.parametrize(
    ("status", "cache_control"),
    [
        (200, "no-store"),
        (200, "private, max-age=300"),
        (200, "public, no-store"),
        (200, "no-cache"),
        (200, "max-age=0"),
        (400, "public"),
    ],
)
def test_answers_no_shared_cache_may_keep_are_silent(status: int, cache_control: str) -> None:
    assert fired(exchange(status, headers={"cache-control": cache_control})) == []


@pytest.mark.parametrize(
    ("kind", "inside", "found"),
    [
        ("Java stack trace", "at com.acme.Sms.send(Sms.java:42)", True),
        ("Java stack trace", "chat com.acme.Sms.send(Sms.java:42)", False),
        (".NET stack trace", "System.InvalidOperationException", True),
        (".NET stack trace", "MySystem.InvalidOperationException", False),
        ("PHP error", "in /srv/app/index.php on line 7", True),
        ("PHP error", "login /srv/app/index.php on line 7", False),
        ("Go panic", "goroutine 1 [running]:", True),
        ("Go panic", "nogoroutine 1 [running]:", False),
        ("SQL error text", "ORA-00942", True),
        ("SQL error text", "FLORA-00942", False),
        ("server file path", "/home/deploy/app.py", True),
        ("server file path", "see https://x.test/home/deploy", False),
        ("server file path", r"C:\inetpub\wwwroot\app.dll", True),
        ("server file path", r"ABC:\inetpub\wwwroot\app.dll", False),
    ],
)
def test_a_word_boundary_written_after_the_first_character_still_holds(
    kind: str, inside: str, found: bool
) -> None:
    """`_word` moves ``\\b`` behind the first character for speed; what matches is unchanged."""
    detail = next(d for d in INTERNAL_DETAILS if d.kind == kind)
    assert (detail.pattern.search(f'{{"meta": "{inside}"}}') is not None) is found


_JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
_DOCUMENTS = st.recursive(
    _JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150)
@given(_DOCUMENTS)
def test_the_texts_searched_first_are_the_texts_of_the_places_reported(document: Any) -> None:
    """``internal_details`` searches every text of a body at once before it names places: the same texts."""
    response = exchange(200, {"wrapper": document}).response
    assert response is not None
    assert sorted(body_texts(response)) == sorted(place.text for place in body_places(response))


@settings(max_examples=60)
@given(_DOCUMENTS, st.data())
def test_a_trace_is_found_wherever_it_sits_in_the_body(document: Any, data: st.DataObject) -> None:
    trace = TRACES["Python traceback"]
    in_name = data.draw(st.booleans())
    body = {"success": False, "status": 500, "detail": {trace: document} if in_name else [document, trace]}
    found = {d.title: d.path for d in fired(exchange(500, body)) if d.check == "internal_details"}
    assert found["Python traceback in the response"].startswith("body /detail/")
