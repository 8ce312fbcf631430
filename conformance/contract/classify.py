"""Which documented parameters of a request are invalid, and how strongly the docs say so (D4, D5)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from conformance.model.deviations import Severity

__all__ = ["MAX_MESSAGE_LENGTH", "NUMBER_PARAMS", "Invalidity", "classify_params", "is_valid_number_param"]

NUMBER_PARAMS = ("FROM", "TO")
TEXT_PARAM = "Message"
MAX_MESSAGE_LENGTH = 918
_NUMBER = re.compile(r"[0-9]{3,15}", re.ASCII)
_EDGE_CHARS = set(" \t\r\n+-().")


@dataclass(frozen=True)
class Invalidity:
    param: str
    reason: str
    severity: Severity


def is_valid_number_param(value: str | None) -> bool:
    return value is not None and _NUMBER.fullmatch(value) is not None


def _number_problem(value: str | None) -> tuple[str, Severity] | None:
    if value is None:
        return "missing", Severity.ERROR
    if value == "":
        return "empty", Severity.ERROR
    if _NUMBER.fullmatch(value):
        return None
    if value.isascii() and value.isdigit():
        return ("too_short" if len(value) < 3 else "too_long"), Severity.WARNING
    rest = [c for c in value if c not in _EDGE_CHARS and unicodedata.category(c) != "Nd"]
    if rest:  # letters or other characters that no integer parser accepts: the documented error
        return "not_a_number", Severity.ERROR
    # digits in another script, whitespace, '+' or separators: bounds the docs do not state
    return "number_format", Severity.WARNING


def _text_problem(value: str | None) -> tuple[str, Severity] | None:
    if value is None:
        return "missing", Severity.ERROR
    if value == "":
        return "empty", Severity.WARNING
    if len(value) > MAX_MESSAGE_LENGTH:
        return "too_long", Severity.WARNING
    return None


def classify_params(params: Mapping[str, str]) -> tuple[Invalidity, ...]:
    """Every documented parameter that breaks the contract, with the DECISIONS severity."""
    problems: list[Invalidity] = []
    for name in NUMBER_PARAMS:
        found = _number_problem(params.get(name))
        if found:
            problems.append(Invalidity(name, *found))
    text = _text_problem(params.get(TEXT_PARAM))
    if text:
        problems.append(Invalidity(TEXT_PARAM, *text))
    return tuple(problems)


def strongest(problems: tuple[Invalidity, ...]) -> Severity:
    return max((p.severity for p in problems), key=lambda s: s.rank, default=Severity.INFO)
