"""Profiles are validated by jsonschema against PROFILE_SCHEMA: the shipped examples pass, and an
example with one bad value is refused with a message naming the field and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.engine.profiles import ProfileError, load_profile, profile_from_mapping

ROOT_PROFILES = Path(__file__).resolve().parents[2] / "profiles"
SANDBOX = ROOT_PROFILES / "sandbox.example.yaml"


def test_the_shipped_example_profiles_load() -> None:
    paths = sorted(ROOT_PROFILES.glob("*.example.yaml"))
    assert [path.name for path in paths] == ["production.example.yaml", "sandbox.example.yaml"]
    for path in paths:
        profile = load_profile(str(path))
        assert profile.source == str(path)
        assert profile.senders and profile.auth.method in ("header", "jwt-query")


@pytest.mark.parametrize(
    ("change", "field", "fix"),
    [
        ({"senders": ["+12017771234"]}, "senders.0", "write numbers as 3-15 ASCII digits"),
        ({"auth": {"method": "basic", "token_env": "T"}}, "auth.method", "expected: one of header, jwt"),
        ({"extra": 1}, "extra", "remove it or check its spelling"),
        ({"name": 5}, "name", "expected: a string"),
    ],
    ids=["pattern", "enum", "additional", "type"],
)
def test_an_example_with_one_bad_value_is_refused_naming_the_field_and_the_fix(
    change: dict[str, Any], field: str, fix: str
) -> None:
    data = {**yaml.safe_load(SANDBOX.read_text(encoding="utf-8")), **change}
    with pytest.raises(ProfileError) as raised:
        profile_from_mapping(data, source="p.yaml")
    message = str(raised.value)
    assert message.startswith(f"profile p.yaml: field '{field}' is invalid: ")
    assert f"Fix: {fix}" in message


def test_a_missing_required_key_is_named_with_add_it() -> None:
    data = yaml.safe_load(SANDBOX.read_text(encoding="utf-8"))
    del data["senders"]
    with pytest.raises(ProfileError) as raised:
        profile_from_mapping(data, source="p.yaml")
    assert "field 'senders' is invalid: 'senders' is a required property. Fix: add it." in str(raised.value)
