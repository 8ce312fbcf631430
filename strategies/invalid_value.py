"""`InvalidValue`: a deliberately bad parameter value and the kind of badness it stands for."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InvalidValue"]


@dataclass(frozen=True, slots=True)
class InvalidValue:
    """A value a conforming server must reject, labelled with its kind.

    `value is None` means the parameter (or header) is left out of the request altogether.
    The `kind` is the stable name tests and reports group by, e.g. ``"unicode_digits"``.
    """

    kind: str
    value: str | None

    @property
    def is_missing(self) -> bool:
        """True when the parameter is to be omitted rather than sent."""
        return self.value is None
