"""The severity rules of D23 and D25 on hand-built exchanges: each fires, and stays silent when it should."""

from __future__ import annotations

from typing import Any

from conformance.checks import run_checks
from conformance.contract.classify import classify_params, strongest
from conformance.contract.schemas import load_contract
from conformance.contract.variants import response_variants
from conformance.model.cases import Expectation
from conformance.model.deviations import Deviation, Severity
from tests.engine.test_checks_unit import CTX, SENT, exchange, payload

AUTH_ERROR = {"success": False, "status": 401, "message": "Invalid token"}


def schema(body: Any, status: int = 200) -> dict[str, tuple[str, str | None]]:
    found, crashes = run_checks(CTX, exchange(status, body), ["response_schema"])
    assert crashes == []
    return {d.path: (d.severity.value, d.evidence.variant) for d in found}


def without(body: dict[str, Any], *members: str) -> dict[str, Any]:
    for member in members:
        node = body["payload"]
        *parents, last = member.split(".")
        for part in parents:
            node = node[part]
        del node[last]
    return body


def test_a_missing_member_is_a_violation_at_its_own_path() -> None:
    problems = list(load_contract().validate(200, without(payload(), "thread", "automated")))
    assert {(p.path, p.validator) for p in problems} == {
        ("$.payload.thread", "required"),
        ("$.payload.automated", "required"),
    }


def test_to_as_a_string_stays_a_warning_beside_an_unrelated_error() -> None:
    body = without(payload(to="14155550100"), "thread")
    assert schema(body) == {
        "$.payload.to": ("warning", "response-string-numbers"),
        "$.payload.thread": ("error", None),
    }


def test_a_missing_type_names_response_s2_and_a_missing_tn_member_beside_it_stays_an_error() -> None:
    assert schema(without(payload(), "type")) == {"$.payload.type": ("warning", "response-s2")}
    assert schema(without(payload(), "tn.deleted_on")) == {"$.payload.tn.deleted_on": ("error", None)}
    assert schema(without(payload(), "type", "tn.deleted_on")) == {
        "$.payload.type": ("warning", "response-s2"),
        "$.payload.tn.deleted_on": ("error", None),
    }


def test_a_body_that_shows_s2_members_has_its_tn_explained_by_s2() -> None:
    body = without(
        payload(tn_lease={"uuid": "90c2e069-44c1-4f1a-9619-540432378122"}), "type", "tn.deleted_on"
    )
    assert schema(body) == {
        "$.payload.type": ("warning", "response-s2"),
        "$.payload.tn.deleted_on": ("warning", "response-s2"),
    }


def test_a_missing_from_is_an_error_unless_the_body_shows_s3() -> None:
    assert schema(without(payload(to="14155550100"), "from"))["$.payload.from"] == ("error", None)
    s3 = without(payload(to="14155550100", reference_id=None), "from")
    assert schema(s3)["$.payload.from"] == ("warning", "response-s3")


def test_a_to_that_is_not_digits_is_explained_by_s3_only() -> None:
    assert schema(payload(to="J Smith")) == {"$.payload.to": ("warning", "response-s3")}
    assert schema(payload(to=True)) == {"$.payload.to": ("error", None)}


def test_every_distinguishing_member_is_a_member_its_variant_changes() -> None:
    for variant in response_variants():
        assert variant.marks, f"{variant.variant.id} has no distinguishing members"
        overlay = str(variant.variant.data["overlay"])
        for mark in variant.marks:
            assert mark.path.rsplit(".", 1)[-1] in overlay or mark.kind == "absent", (
                variant.variant.id,
                mark,
            )


def fired(status: int, body: Any, expectation: Expectation, **extra: Any) -> list[Deviation]:
    found, crashes = run_checks(CTX, exchange(status, body, expectation=expectation, **extra))
    assert crashes == []
    return found


def severities(found: list[Deviation]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for d in found:
        out.setdefault(d.check, set()).add(d.severity.value)
    return out


def test_an_empty_or_html_401_is_a_warning_but_an_empty_400_an_error() -> None:
    assert severities(fired(401, b"", Expectation.AUTH)) == {"json_body": {"warning"}}
    html = fired(401, b"<html>no</html>", Expectation.AUTH, content_type="text/html")
    assert severities(html) == {"json_body": {"warning"}, "content_type": {"warning"}}
    bad = {**SENT, "TO": "abc"}
    empty_400 = fired(400, b"", Expectation.VALIDATION, params=bad, invalid=("TO",))
    assert severities(empty_400)["json_body"] == {"error"}


def test_a_401_envelope_fault_is_a_warning_on_the_inferred_body() -> None:
    found = fired(401, {**AUTH_ERROR, "success": True}, Expectation.AUTH)
    assert severities(found) == {"error_envelope": {"warning"}, "response_schema": {"warning"}}
    assert severities(fired(401, AUTH_ERROR, Expectation.AUTH)) == {}


def test_a_403_refusal_is_judged_once_by_rejection_status() -> None:
    forbidden = {**AUTH_ERROR, "status": 403}
    assert severities(fired(403, forbidden, Expectation.AUTH)) == {"rejection_status": {"warning"}}
    refused_valid = severities(fired(403, forbidden, Expectation.SUCCESS))
    assert refused_valid["status_documented"] == {"error"} and refused_valid["valid_data_rejected"] == {
        "error"
    }


def test_automated_true_is_a_warning_and_false_is_silent() -> None:
    assert severities(fired(200, payload(automated=True), Expectation.SUCCESS)) == {
        "message_state": {"warning"}
    }
    assert fired(200, payload(), Expectation.SUCCESS) == []


def test_a_plus_prefixed_number_is_the_d4_warning_and_letters_the_error() -> None:
    for to, expected in (("+14155550100", Severity.WARNING), ("14155550100abc", Severity.ERROR)):
        assert strongest(classify_params({**SENT, "TO": to})) is expected, to
