"""The bench's figures: one row each, printed with its target and verdict; missed targets named at the end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Figure", "format_table", "missed"]


@dataclass(frozen=True)
class Figure:
    """One measured figure; ``met`` is None if it could not be measured (a gated one counts as missed)."""

    name: str
    value: str
    target: str = ""
    met: bool | None = None
    gated: bool = True
    note: str = ""

    @property
    def verdict(self) -> str:
        if not self.gated:
            return "info"
        if self.met is None:
            return "MISSED (not available)"
        return "met" if self.met else "MISSED"


def missed(figures: Sequence[Figure]) -> list[str]:
    """Names of the gated figures whose target was missed or that could not be measured."""
    return [figure.name for figure in figures if figure.gated and not figure.met]


def format_table(figures: Sequence[Figure]) -> str:
    """A fixed-width table: figure, value (median, min-max), target, verdict; notes indented below."""
    name_width = max([len("figure")] + [len(f.name) for f in figures])
    value_width = max([len("value")] + [len(f.value) for f in figures])
    target_width = max([len("target")] + [len(f.target) for f in figures])
    lines = [f"{'figure':<{name_width}}  {'value':<{value_width}}  {'target':<{target_width}}  verdict"]
    lines.append("-" * len(lines[0]) + "-" * 12)
    for figure in figures:
        lines.append(
            f"{figure.name:<{name_width}}  {figure.value:<{value_width}}  "
            f"{figure.target:<{target_width}}  {figure.verdict}"
        )
        if figure.note:
            lines.append(f"{'':<{name_width}}    {figure.note}")
    return "\n".join(lines)
