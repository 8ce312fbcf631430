"""Hypothesis strategies built on the seeded value functions, so the two can never draw differently.

Every value kind is written once, as a function of a ``random.Random`` (``valid_nanp(rng)``,
``text_of_length(rng, 70, "ucs2")``...): the engine calls it with a Random its run owns. The public
strategy hands the same function hypothesis' own Random (``st.randoms(use_true_random=False)``), whose
every call is a hypothesis choice: the values replay, explore and shrink like any strategy's, a
``choice`` towards the first entry, a ``randint`` towards its low end.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

from hypothesis import strategies as st

__all__ = ["from_random"]

T = TypeVar("T")


def from_random(build: Callable[[random.Random], T]) -> st.SearchStrategy[T]:
    """The strategy of ``build(rng)`` for a Random whose choices hypothesis makes."""
    return st.randoms(use_true_random=False, note_method_calls=False).map(build)
