"""Examples of a hypothesis strategy outside a test, the same for a seed in any process.

Only the ``generated`` phase needs this (schemathesis builds its cases as hypothesis strategies); every
other value of a run comes from a ``random.Random`` the run owns (``strategies``' seeded functions).
The examples are collected by a ``@given`` test run under ``@seed``, with no database and the
generate phase only: hypothesis's public API.

One thing the public API cannot switch off: hypothesis mixes literals found in whichever *local*
modules happen to be imported (anything outside site-packages and the standard library, tests
excepted) into about one draw in twenty. The same seed then gave different cases in a pytest-xdist
worker, or after ``import conformance.mock``, than in a plain run. `_local_constants_off` removes that
pool while collecting: the only hypothesis internal the suite touches, kept in this one function, and
it raises `HypothesisChanged` rather than run with a pool it cannot see. ``tests/engine/
test_exploration.py`` draws in two processes that import different local modules and compares (D48).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from hypothesis import strategies as st

__all__ = ["HypothesisChanged", "draw_examples"]

T = TypeVar("T")

#: The hypothesis versions whose local-constant pool `_local_constants_off` knows (pyproject pins them).
TESTED_HYPOTHESIS = ">=6.155,<7"
_lock = threading.Lock()  # the pool is switched off process-wide: one collection at a time


class HypothesisChanged(RuntimeError):
    """The installed hypothesis no longer has the local-constant pool this module switches off."""


@contextlib.contextmanager
def _local_constants_off() -> Iterator[None]:
    import hypothesis
    from hypothesis.internal.conjecture import providers

    try:
        from hypothesis.internal.constants_ast import Constants

        original = providers._get_local_constants
        cache = providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError) as error:
        raise HypothesisChanged(
            f"hypothesis {hypothesis.__version__} changed how it mixes constants of local modules into "
            f"its draws ({error}), so generated cases could differ between processes. The suite is "
            f"tested with hypothesis {TESTED_HYPOTHESIS}: install such a version, or update "
            "conformance/engine/generation/drawing.py."
        ) from error
    empty = Constants()
    providers._get_local_constants = lambda: empty
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()


def draw_examples(strategy: st.SearchStrategy[T], count: int, seed: int) -> list[T]:
    """Up to ``count`` examples of ``strategy``: the first is its simplest, the others vary with ``seed``.

    Fewer when the strategy has fewer distinct examples, or rejects (filters) too many of its draws.
    """
    # imported here: a run whose cases come from the case cache draws nothing and never imports hypothesis
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as seeded

    found: list[T] = []
    if count <= 0:
        return found

    @seeded(seed)
    @settings(
        database=None,
        max_examples=count,
        phases=[Phase.generate],
        derandomize=False,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        backend="hypothesis",
        print_blob=False,
    )
    @given(strategy)
    def collect(example: Any) -> None:
        found.append(example)

    with _lock, _local_constants_off():
        collect()
    return found[:count]
