"""The reference server itself, over real loopback sockets: documented behaviour, lenient mode, and that
every deviation in its catalogue really changes what it answers. Plus: it imports nothing of the suite."""

from __future__ import annotations

import ast
import sys
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from reference.wire import DEST, SENDER, TOKEN, payload, send, served

TARGET_DIR = Path(__file__).parent / "target"


# --- imports: the server is written from the docs, not from the suite -------------------------------


def foreign_imports(source: str) -> list[str]:
    """Modules imported (anywhere in the file) that are neither the standard library nor reference.target."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and not name.startswith("reference.target"):
                found.append(name)
    return found


def test_reference_target_imports_only_the_standard_library_and_itself() -> None:
    files = sorted(TARGET_DIR.glob("*.py"))
    assert len(files) >= 5
    offending = {f.name: foreign_imports(f.read_text(encoding="utf-8")) for f in files}
    assert {name: mods for name, mods in offending.items() if mods} == {}


@pytest.mark.parametrize(
    "source",
    [
        "from conformance.mock import app",
        "import conformance.model.cases",
        "def f():\n    from conformance import engine\n",
        "import starlette",
        "from reference.gate import gate_run",
    ],
)
def test_import_scan_flags_the_suite_and_third_party_modules(source: str) -> None:
    assert foreign_imports(source) != []


# --- faithful: the documented behaviour -------------------------------------------------------------


def test_faithful_send_answers_the_s1_payload_with_echoed_values() -> None:
    text = "Hi + there & <b> \u00e9\u0301 \U0001f44b\r\n"
    with served() as client:
        response = send(client, Message=text)
        body = payload(response)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert set(body) == {
        "uuid",
        "type",
        "state",
        "from",
        "to",
        "message",
        "thread",
        "delivered",
        "automated",
        "tn",
        "created_on",
        "modified_on",
    }
    assert (body["type"], body["state"], body["delivered"], body["automated"]) == (
        "smso",
        "created",
        False,
        False,
    )
    assert (body["from"], body["to"], body["message"]) == (SENDER, int(DEST), text)
    assert body["tn"]["tn"] == int(SENDER) and body["tn"]["deleted_on"] is None
    assert body["tn"]["created_on"] < body["created_on"] == body["modified_on"]
    date = parsedate_to_datetime(response.headers["date"])
    created = datetime.strptime(body["created_on"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs((created - date).total_seconds()) < 5


def test_faithful_ids_are_unique_per_send_and_thread_is_per_pair() -> None:
    with served() as client:
        first, second = payload(send(client)), payload(send(client))
        other = payload(send(client, TO="14155550101"))
    assert first["uuid"] != second["uuid"]
    assert first["thread"] == second["thread"] != other["thread"]


FULLWIDTH = "\uff11\uff14\uff11\uff15\uff15\uff15\uff15\uff10\uff11\uff10\uff10"  # 14155550100


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"TO": "qwerty123456789"}, {"params.to": "qwerty123456789"}),
        ({"TO": "0"}, {"params.to": "0"}),
        ({"TO": " 14155550100"}, {"params.to": " 14155550100"}),
        ({"TO": FULLWIDTH}, {"params.to": FULLWIDTH}),
        ({"TO": "+14155550100"}, {"params.to": "+14155550100"}),
        ({"TO": "1234567890123456"}, {"params.to": "1234567890123456"}),
        ({"TO": "14155550100abc"}, {"params.to": "14155550100abc"}),
        ({"FROM": None, "TO": ""}, {"params.from": None, "params.to": ""}),
        ({"Message": ""}, {"params.message": ""}),
        ({"Message": "x" * 919}, {"params.message": "x" * 919}),
        ({"Message": None}, {"params.message": None}),
    ],
)
def test_faithful_validation_names_every_rejected_parameter_with_its_value(
    params: dict[str, str | None], fields: dict[str, str | None]
) -> None:
    with served() as client:
        response = send(client, **params)
    body = response.json()
    assert (response.status_code, body["status"], body["success"]) == (400, 400, False)
    assert {key: entry["value"] for key, entry in body["fields"].items()} == fields


def test_faithful_rejects_a_parameter_given_twice() -> None:
    with served() as client:
        response = client.post(
            "/rest/sms",
            params=[("FROM", SENDER), ("TO", DEST), ("TO", "14155550101"), ("Message", "hi")],
            headers={"X-Auth-Token": TOKEN},
        )
    assert response.status_code == 400
    assert response.json()["fields"]["params.to"]["value"] == [DEST, "14155550101"]


def test_faithful_names_a_parameter_that_is_not_utf8() -> None:
    with served() as client:
        response = client.post(
            f"/rest/sms?FROM={SENDER}&TO={DEST}&Message=caf%E9", headers={"X-Auth-Token": TOKEN}
        )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "params.message": {"message": "is not valid UTF-8", "value": "caf%E9"}
    }


def test_faithful_accepts_918_astral_characters_and_counts_code_points() -> None:
    with served() as client:
        assert send(client, Message="\U0001f600" * 918).status_code == 200
        assert send(client, Message="\U0001f600" * 919).status_code == 400


def test_faithful_unleased_sender_gets_the_documented_404() -> None:
    with served() as client:
        response = send(client, FROM="15555550100")
    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "status": 404,
        "message": "TNLease and SMSCampaign not found",
        "meta": None,
    }


@pytest.mark.parametrize(
    ("headers", "query", "status"),
    [
        ({}, {}, 401),
        ({"X-Auth-Token": "wrong"}, {}, 401),
        ({"X-Auth-Token": ""}, {}, 401),
        ({"x-auth-token": TOKEN}, {}, 200),
        ({}, {"jwt": TOKEN}, 200),
        ({"Authorization": f"Bearer {TOKEN}"}, {}, 200),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, {}, 401),
        ({"X-Auth-Token": TOKEN}, {"jwt": "wrong"}, 401),
    ],
)
def test_faithful_auth_accepts_the_documented_placements_only(
    headers: dict[str, str], query: dict[str, str], status: int
) -> None:
    with served() as client:
        response = client.post(
            "/rest/sms", params={"FROM": SENDER, "TO": DEST, "Message": "auth", **query}, headers=headers
        )
    assert response.status_code == status
    if status == 401:
        assert response.json()["status"] == 401 and response.json()["success"] is False


def test_faithful_reads_the_s3_json_body_when_the_query_has_no_parameters() -> None:
    with served() as client:
        response = client.post(
            "/rest/sms",
            json={"to": DEST, "tn": int(SENDER), "message": "from a body"},
            headers={"X-Auth-Token": TOKEN},
        )
    assert payload(response)["message"] == "from a body"


# --- lenient numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "echoed"),
    [("0", 0), (" 14155550100\t", 14155550100), (FULLWIDTH, 14155550100), ("+14155550100", 14155550100)],
)
def test_lenient_reads_numbers_like_int(to: str, echoed: int) -> None:
    with served(lenient=True) as client:
        assert payload(send(client, TO=to))["to"] == echoed


@pytest.mark.parametrize("to", ["14155550100abc", "1_4155550100", "-14155550100", "", "1e10"])
def test_lenient_still_rejects_what_int_refuses_or_no_number_is(to: str) -> None:
    with served(lenient=True) as client:
        assert send(client, TO=to).status_code == 400
