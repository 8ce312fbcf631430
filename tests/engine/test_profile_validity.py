"""A profile is read through the fast test of its schema: it must agree with jsonschema on every
profile, valid or not (jsonschema still writes the message of an invalid one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.engine.profiles import PROFILE_SCHEMA, _profile_validity

ROOT_PROFILES = Path(__file__).resolve().parents[2] / "profiles"
_JSONSCHEMA = jsonschema.Draft202012Validator(PROFILE_SCHEMA)
_KEYS = sorted(PROFILE_SCHEMA["properties"])
_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 700)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["header", "jwt-query", "12017771234", "http://127.0.0.1:8", "OPENTACT_TOKEN", "5/s"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["method", "token_env", "x"]), inner)
    ),
    max_leaves=6,
)


def _examples() -> list[dict[str, Any]]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(ROOT_PROFILES.glob("*.yaml"))]


def test_the_shipped_example_profiles_pass_the_fast_test_as_they_pass_jsonschema() -> None:
    examples = _examples()
    assert examples
    for data in examples:
        assert _profile_validity().proves_valid(data) is _JSONSCHEMA.is_valid(data) is True


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(
    base=st.sampled_from(range(2)),
    changes=st.dictionaries(st.sampled_from([*_KEYS, "extra"]), _VALUES, max_size=3),
)
def test_the_fast_test_agrees_with_jsonschema_on_changed_profiles(base: int, changes: dict[str, Any]) -> None:
    data = {**_examples()[base % len(_examples())], **changes}
    assert _profile_validity().proves_valid(data) == _JSONSCHEMA.is_valid(data)
