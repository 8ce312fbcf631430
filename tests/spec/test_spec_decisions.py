"""DECISIONS.md: one complete entry per §7 ambiguity, and every citation of a decision resolves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

SECTION_7_IDS = [f"D{n}" for n in range(1, 17)]
PARTS = ("**Question.**", "**Decision.**", "**Evidence.**", "**Suite treatment.**")
SEVERITY_WORD = re.compile(r"\b(error|warning|info)\b", re.IGNORECASE)
SOURCE_ID = re.compile(r"\bS(?:[1-9]|1[0-9]|2[0-2])\b")
VARIANT_LIKE = re.compile(r"`((?:query|json-body|auth-bearer|response|validation-as)-[a-z0-9-]+)`")

#: where the spec cites a decision, and the subject that entry must be about (guards renumbering)
EXPECTED_CITATIONS = {
    "/paths/~1rest~1sms/post": ("D1", "path"),
    "/components/parameters/From": ("D3", "name"),
    "/components/parameters/To": ("D3", "name"),
    "/components/schemas/PhoneDigits": ("D4", "number format"),
    "/components/schemas/MessageText": ("D5", "message length"),
    "/paths/~1rest~1sms/post/responses/200": ("D6", "success status"),
    "/paths/~1rest~1sms/post/responses/201": ("D6", "success status"),
    "/components/schemas/SmsPayload/properties/from": ("D7", "output types"),
    "/components/schemas/SmsPayload/properties/to": ("D7", "output types"),
    "/components/schemas/SmsPayload/properties/state": ("D9", "state"),
    "/paths/~1rest~1sms/post/responses/400": ("D11", "error statuses"),
    "/paths/~1rest~1sms/post/responses/404": ("D11", "error statuses"),
    "/paths/~1rest~1sms/post/responses/401": ("D12", "auth"),
}


def decision_citations(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """(JSON pointer, decision id) for every ``x-opentact-decision`` in a document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "x-opentact-decision":
                yield pointer, str(value)
            else:
                yield from decision_citations(
                    value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
                )
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from decision_citations(item, f"{pointer}/{index}")


def test_decisions_has_entries_d1_to_d16_in_order_then_later_ones_ascending(
    decisions: dict[str, tuple[str, str]],
) -> None:
    ids = list(decisions)
    assert ids[:16] == SECTION_7_IDS
    later = [int(entry_id[1:]) for entry_id in ids[16:]]
    assert later == sorted(later) and all(number > 16 for number in later)  # numbers are allotted per issue


def test_entry_has_question_decision_evidence_and_treatment(decisions: dict[str, tuple[str, str]]) -> None:
    for entry_id in decisions:
        _check_entry(entry_id, decisions)


def _check_entry(entry_id: str, decisions: dict[str, tuple[str, str]]) -> None:
    _, body = decisions[entry_id]
    positions = [body.find(part) for part in PARTS]
    assert -1 not in positions, (
        f"{entry_id} lacks {[p for p, at in zip(PARTS, positions, strict=True) if at < 0]}"
    )
    assert positions == sorted(positions), f"{entry_id}: parts out of order"
    evidence = body[positions[2] : positions[3]]
    treatment = body[positions[3] :]
    assert SOURCE_ID.search(evidence), f"{entry_id}: the evidence cites no source page (S1…S22)"
    assert SEVERITY_WORD.search(treatment), f"{entry_id}: the suite treatment names no severity"


def test_summary_table_maps_each_section_7_item_to_its_decision(decisions_text: str) -> None:
    rows = re.findall(r"^\| (\d+) [^|]+\| (D\d+) \|", decisions_text, re.MULTILINE)
    assert rows == [(str(n), f"D{n}") for n in range(1, 17)]


def test_preamble_defines_the_three_severities(decisions_text: str) -> None:
    preamble = decisions_text.split("## D1:", 1)[0]
    for word in ("**error**", "**warning**", "**info**"):
        assert word in preamble


def test_every_decision_cited_in_the_spec_exists(
    spec_document: dict[str, Any], decisions: dict[str, tuple[str, str]]
) -> None:
    cited = {decision for _, decision in decision_citations(spec_document)}
    assert cited, "the spec cites no decisions"
    assert cited - set(decisions) == set()


@pytest.mark.parametrize(("pointer", "expected"), sorted(EXPECTED_CITATIONS.items()))
def test_spec_cites_the_decision_about_that_subject(
    pointer: str,
    expected: tuple[str, str],
    spec_document: dict[str, Any],
    decisions: dict[str, tuple[str, str]],
) -> None:
    decision_id, subject = expected
    assert dict(decision_citations(spec_document)).get(pointer) == decision_id
    title, _ = decisions[decision_id]
    assert subject in title.lower(), f"{decision_id} is titled {title!r}, expected it to be about {subject}"


def test_every_variant_cites_an_existing_decision(
    variants: dict[str, dict[str, Any]], decisions: dict[str, tuple[str, str]]
) -> None:
    assert {vid: v.get("decision") for vid, v in variants.items() if v.get("decision") not in decisions} == {}


def test_every_variant_id_named_in_decisions_has_a_file(
    decisions_text: str, variants: dict[str, dict[str, Any]]
) -> None:
    named = set(VARIANT_LIKE.findall(decisions_text))
    assert named - set(variants) == set()


def test_every_variant_is_named_in_its_decision_entry(
    variants: dict[str, dict[str, Any]], decisions: dict[str, tuple[str, str]]
) -> None:
    missing = [vid for vid, v in variants.items() if f"`{vid}`" not in decisions[v["decision"]][1]]
    assert missing == []
