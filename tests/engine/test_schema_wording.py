"""Schema violations in plain words, located at the member itself (checked against the real contract)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from conformance.checks.schema_wording import ABSENT, word_problem
from conformance.contract.schemas import SchemaProblem, load_contract


@pytest.fixture
def success_body() -> dict[str, Any]:
    """A fresh copy of the documented 200 example: valid against the contract."""
    contract = load_contract()
    body = next(value for status, _, value in contract.examples() if status == 200)
    assert not list(contract.validate(200, body))
    return copy.deepcopy(body)


def _words(body: Any, status: int = 200) -> list[tuple[str, str, str, str]]:
    problems = list(load_contract().validate(status, body))
    assert problems, "the body must break the contract"
    return [(w.title, w.path, w.expected, w.actual) for w in (word_problem(p, body) for p in problems)]


def test_a_missing_member_is_reported_at_its_own_path(success_body: dict[str, Any]) -> None:
    del success_body["payload"]["thread"]
    assert _words(success_body) == [
        ("`payload.thread` is missing", "$.payload.thread", "`thread` is a required member", ABSENT)
    ]


def test_a_wrong_type_names_both_types_and_shows_the_value_only(success_body: dict[str, Any]) -> None:
    success_body["payload"]["to"] = str(success_body["payload"]["to"])
    ((title, path, expected, actual),) = _words(success_body)
    assert title == "`payload.to` is a string, the docs show an integer"
    assert (path, expected) == ("$.payload.to", "an integer")
    assert actual == f'"{success_body["payload"]["to"]}"'


def test_enum_and_format_violations_are_worded_without_schema_jargon(success_body: dict[str, Any]) -> None:
    success_body["payload"]["type"] = "sms"
    success_body["payload"]["uuid"] = "not-a-uuid"
    titles = {title for title, *_ in _words(success_body)}
    assert "`payload.type` is not a documented value" in titles
    assert "`payload.uuid` is not a valid uuid" in titles
    assert "`payload.uuid` does not have the documented form" in titles
    assert not any("per properties" in t or "required per" in t for t in titles)


def test_titles_do_not_carry_the_values_so_many_responses_fold_together(success_body: dict[str, Any]) -> None:
    first, second = copy.deepcopy(success_body), copy.deepcopy(success_body)
    first["payload"]["to"], second["payload"]["to"] = "14155550100", "19995550123"
    assert _words(first)[0][0] == _words(second)[0][0]
    assert _words(first)[0][3] != _words(second)[0][3]


def test_an_unknown_keyword_falls_back_to_a_plain_sentence_with_the_keyword() -> None:
    problem = SchemaProblem("$.payload.tn", "x is not valid", "dependentRequired", "p", {"a": ["b"]})
    words = word_problem(problem, {"payload": {"tn": {"a": 1}}})
    assert words.title == "`payload.tn` does not fit the documented schema (dependentRequired)"
    assert words.path == "$.payload.tn" and words.actual == '{"a": 1}'


def test_indices_are_folded_in_titles_and_the_root_is_named_the_body() -> None:
    problem = SchemaProblem("$.fields[3].message", "3 is not of type 'string'", "type", "p", "string")
    words = word_problem(problem, {"fields": [{}, {}, {}, {"message": 3}]})
    assert words.title == "`fields[*].message` is an integer, the docs show a string"
    root = word_problem(SchemaProblem("$", "[] is not of type 'object'", "type", "p", "object"), [])
    assert root.title == "the body is an array, the docs show an object"
