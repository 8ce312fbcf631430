"""Argument checks shared by the public strategies, raising hypothesis' `InvalidArgument`."""

from __future__ import annotations

from collections.abc import Collection

from hypothesis.errors import InvalidArgument

__all__ = ["check_choice", "check_kinds", "check_size"]


def check_size(name: str, value: object, *, min_value: int, max_value: int) -> int:
    """Return `value` if it is an int (not a bool) within `[min_value, max_value]`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name}={value!r} must be an integer")
    if not min_value <= value <= max_value:
        raise InvalidArgument(f"{name}={value!r} must be between {min_value} and {max_value}")
    return value


def check_choice(name: str, value: object, choices: Collection[str]) -> str:
    """Return `value` if it is one of `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidArgument(f"{name}={value!r} must be one of {sorted(choices)!r}")
    return value


def check_kinds(kinds: Collection[str] | None, known: tuple[str, ...]) -> tuple[str, ...]:
    """The selected kinds in the order of `known` (all of them when `kinds` is None).

    A bare string is refused: `kinds="empty"` would otherwise be read as five one-letter kinds.
    """
    if kinds is None:
        return known
    if isinstance(kinds, str | bytes) or not isinstance(kinds, Collection):
        raise InvalidArgument(f"kinds={kinds!r} must be a collection of kind names, such as {known[:2]!r}")
    unknown = [kind for kind in kinds if kind not in known]
    if unknown:
        raise InvalidArgument(f"kinds={kinds!r} contains unknown kinds {unknown!r}; known kinds: {known!r}")
    if not kinds:
        raise InvalidArgument(f"kinds={kinds!r} must not be empty; known kinds: {known!r}")
    return tuple(kind for kind in known if kind in kinds)
