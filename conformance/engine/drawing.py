"""Drawing values from hypothesis strategies outside a test: seeded, varied, the same in any process."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from hypothesis import strategies as st

__all__ = ["MAX_ATTEMPTS_PER_VALUE", "draw"]

T = TypeVar("T")


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Hypothesis mixes literals from whichever local modules happen to be imported into its draws, so
    the same seed gave different cases under pytest-xdist than in a plain run. Generation here must
    depend on the seed alone: switch that pool off while drawing (a no-op if hypothesis changes)."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants

        original = providers._get_local_constants
        empty = Constants()
        cache = providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError):  # pragma: no cover - other hypothesis versions
        yield
        return
    providers._get_local_constants = lambda: empty
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()


MAX_ATTEMPTS_PER_VALUE = 50  # filtered strategies may reject a draw; give up on a value after this many


def draw(strategy: st.SearchStrategy[T], count: int, seed: int) -> list[T]:
    """Up to ``count`` values from a strategy, drawn from a ``random.Random(seed)``: varied, reproducible.

    Hypothesis's own test loop starts from the simplest example, so one draw per seed was always the same
    value (``"000…0"``, ``"A0"``). Here every value is drawn straight from the strategy with a
    random source seeded by ``seed``: different seeds explore different values, the same seed gives the
    same values in any process. A draw the strategy rejects (a filter) is retried with the next random
    choices, at most MAX_ATTEMPTS_PER_VALUE times per value.
    """
    found: list[T] = []
    if count <= 0:
        return found
    rng = random.Random(seed)
    with _without_local_constants():
        for _ in range(count):
            value = _draw_one(strategy, rng)
            if value is _NOTHING:
                break
            found.append(value)
    return found


_NOTHING: Any = object()


def _draw_one(strategy: st.SearchStrategy[T], rng: random.Random) -> T | Any:
    # imported here: a run whose cases come from the case cache draws nothing and never imports hypothesis
    from hypothesis.control import BuildContext
    from hypothesis.errors import StopTest, UnsatisfiedAssumption
    from hypothesis.internal.conjecture.data import ConjectureData

    for _ in range(MAX_ATTEMPTS_PER_VALUE):
        data = ConjectureData(random=rng)
        try:
            with BuildContext(data, is_final=False, wrapped_test=_no_test):
                return data.draw(strategy)
        except (StopTest, UnsatisfiedAssumption):  # the strategy rejected these choices (a filter, an assume)
            continue
    return _NOTHING


def _no_test() -> None:  # pragma: no cover - BuildContext wants a test; nothing runs it
    return None
