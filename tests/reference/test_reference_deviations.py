"""Every deviation of the reference catalogue really changes the server's answers: for each, one
observation that reads one value on the faithful server and another with the deviation switched on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from reference.target import CATALOGUE, ReferenceConfig, UnknownDeviationError
from reference.wire import SENDER, TOKEN, payload, send, served

Observation = Callable[[httpx.Client], Any]


def echo(text: str) -> Observation:
    return lambda client: payload(send(client, Message=text))["message"]


def status(**params: str | None) -> Observation:
    return lambda client: send(client, **params).status_code


def member(name: str) -> Observation:
    return lambda client: payload(send(client))[name]


def same_pair_twice(name: str) -> Observation:
    return lambda client: payload(send(client))[name] == payload(send(client))[name]


def statuses(count: int) -> Observation:
    return lambda client: [send(client).status_code for _ in range(count)]


def offset_from_date_header(client: httpx.Client) -> int:
    response = send(client)
    created = datetime.strptime(payload(response)["created_on"][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return round((created - parsedate_to_datetime(response.headers["date"])).total_seconds() / 3600)


def throttled_25th(client: httpx.Client) -> tuple[int, bool]:
    last = [send(client) for _ in range(25)][-1]
    return last.status_code, "retry-after" in last.headers


def auth_statuses(client: httpx.Client) -> tuple[int, int]:
    return send(client, token="wrong").status_code, send(client, token=None).status_code


def empty_401(client: httpx.Client) -> tuple[int, bool, bool]:
    response = send(client, token=None)
    return response.status_code, bool(response.content), "content-type" in response.headers


def field_entry(client: httpx.Client) -> dict[str, Any]:
    return dict(send(client, TO="abc").json()["fields"])


def status_and_type(client: httpx.Client) -> tuple[int, str]:
    response = send(client)
    return response.status_code, payload(response)["type"]


# name -> (observation, value on the faithful server, value with the deviation on)
OBSERVATIONS: dict[str, tuple[Observation, Any, Any]] = {
    "echo_html_escaped": (echo("a & b <c>"), "a & b <c>", "a &amp; b &lt;c&gt;"),
    "echo_trims_whitespace": (echo(" hi\t"), " hi\t", "hi"),
    "echo_drops_cr": (echo("a\r\nb"), "a\r\nb", "a\nb"),
    "echo_plus_as_space": (echo("1+1=2"), "1+1=2", "1 1=2"),
    "echo_nfc_normalised": (echo("cafe\u0301"), "cafe\u0301", "caf\u00e9"),
    "echo_strips_zero_width": (
        echo("\U0001f469\u200d\U0001f52c"),
        "\U0001f469\u200d\U0001f52c",
        "\U0001f469\U0001f52c",
    ),
    "gsm_extension_counted_double": (status(Message="{" * 918), 200, 400),
    "url_limit_414": (status(Message="\U0001f600" * 918), 200, 414),
    "token_case_insensitive": (lambda c: send(c, token=TOKEN.upper()).status_code, 401, 200),
    "length_in_utf8_bytes": (status(Message="\u00e9" * 918), 200, 400),
    "length_in_utf16_units": (status(Message="\U0001f600" * 918), 200, 400),
    "rejects_control_chars": (status(Message="line\nbreak"), 200, 400),
    "no_length_limit": (status(Message="x" * 919), 400, 200),
    "to_parse_int_prefix": (status(TO="14155550100abc"), 400, 200),
    "accepts_plus_prefix": (status(TO="+14155550100"), 400, 200),
    "missing_from_uses_pool": (status(FROM=None), 400, 200),
    "uuid_from_pair": (same_pair_twice("uuid"), False, True),
    "thread_per_send": (same_pair_twice("thread"), True, False),
    "intermittent_500": (statuses(7), [200] * 7, [200] * 6 + [500]),
    "throttle_without_retry_after": (throttled_25th, (200, False), (429, False)),
    "local_time_labelled_z": (offset_from_date_header, 0, -5),
    "timestamp_offset_not_z": (lambda c: member("created_on")(c)[23:], "Z", "+00:00"),
    "automated_true": (member("automated"), False, True),
    "deleted_on_set": (lambda c: member("tn")(c)["deleted_on"] is None, True, False),
    "from_as_integer": (member("from"), SENDER, int(SENDER)),
    "success_201_smso": (status_and_type, (200, "smso"), (201, "smso")),
    "validation_422": (status(TO="abc"), 400, 422),
    "wrong_token_403": (auth_statuses, (401, 401), (403, 401)),
    "auth_401_empty_body": (empty_401, (401, True, True), (401, False, False)),
    "field_value_null": (
        field_entry,
        {"params.to": {"message": "invalid integer number", "value": "abc"}},
        {"params.to": {"message": "invalid integer number", "value": None}},
    ),
    "meta_as_object": (lambda c: send(c, FROM="15555550100").json()["meta"], None, {}),
    "fields_unprefixed_keys": (lambda c: sorted(field_entry(c)), ["params.to"], ["to"]),
    "location_header": (
        lambda c: send(c).headers.get("location", "").startswith("/rest/sms/outbound/"),
        False,
        True,
    ),
}


def test_the_catalogue_has_at_least_15_deviations_each_with_an_observation() -> None:
    assert len(CATALOGUE) >= 15
    assert sorted(OBSERVATIONS) == sorted(CATALOGUE)
    for entry in CATALOGUE.values():
        assert entry.description and entry.basis.startswith(("D", "DECISIONS")), entry


@pytest.mark.parametrize("name", sorted(OBSERVATIONS))
def test_deviation_changes_the_answer_from_the_faithful_one(name: str) -> None:
    observe, faithful, deviant = OBSERVATIONS[name]
    assert faithful != deviant
    with served() as client:
        assert observe(client) == faithful
    with served(name) as client:
        assert observe(client) == deviant


def test_an_unknown_deviation_name_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(UnknownDeviationError, match="echo_html_escaped"):
        ReferenceConfig(token=TOKEN, deviations=frozenset({"no_such_thing"}))
