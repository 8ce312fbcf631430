"""Fixtures of the report self-tests; the results fixtures are swappable for a real engine run."""

from __future__ import annotations

import pytest
from builders import clean_results, faulty_results

from conformance.model.results import RunResults


@pytest.fixture
def faulty() -> RunResults:
    """A run with several faults on (hand-built; see builders.py)."""
    return faulty_results()


@pytest.fixture
def clean() -> RunResults:
    return clean_results()
