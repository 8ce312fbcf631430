"""Confirming the authentication matrix's leaks from the leased sender (D57).

A matrix cell goes from the unleased sender, so no server can send an SMS for it. When a cell is not
refused as unauthenticated (a 2xx, or the 404 lease refusal: the request got past authentication),
the first such cell of each request form is sent once more from the leased sender: a 2xx there is a
send made without valid credentials (``auth_enforced``, the cell's severity). One paid request per
form at most, chosen from recorded answers in case order, so a broken target costs little and the
choice never depends on which answer came first (D42).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from conformance.engine.generation.auth_matrix import FORM_CLASS
from conformance.engine.phases import PROBE_PHASE
from conformance.model.cases import Case, Expectation
from conformance.model.exchange import Exchange

__all__ = ["confirmation_cases"]

_LEAKED = 404  # the lease refusal: past authentication


def _form(case: Case) -> str | None:
    return next((c.removeprefix(FORM_CLASS) for c in case.classes if c.startswith(FORM_CLASS)), None)


def _let_through(exchange: Exchange) -> bool:
    response = exchange.response
    return response is not None and (200 <= response.status < 300 or response.status == _LEAKED)


def _swapped(value: Any, unleased: str, leased: str) -> Any:
    """``value`` with the unleased sender, in whatever spelling the form gave it, made the leased one."""
    if isinstance(value, int) and not isinstance(value, bool) and str(value) == unleased:
        return int(leased)
    if isinstance(value, str) and value.lstrip("+") == unleased:
        return value[: len(value) - len(unleased)] + leased
    return value


def from_leased(case: Case, unleased: str, leased: str) -> Case:
    """The same cell sent from the leased sender, as a probe of its own."""
    params = {k: _swapped(v, unleased, leased) for k, v in case.params.items()}
    body = case.body
    if body is not None:
        document = json.loads(body)
        body = json.dumps({k: _swapped(v, unleased, leased) for k, v in document.items()}).encode()
    return replace(
        case,
        id=f"{case.id}~leased",
        phase=PROBE_PHASE,
        kind=f"{case.kind.replace(' (from the unleased sender)', '')}, confirmed from the leased sender",
        params=params,
        body=body,
    )


def confirmation_cases(exchanges: Iterable[Exchange], unleased: str, leased: str) -> list[Case]:
    """For each request form, the first matrix cell a target let through, from the leased sender."""
    chosen: dict[str, Case] = {}
    for exchange in exchanges:
        case = exchange.case
        form = _form(case)
        if form is None or form in chosen or case.expectation is not Expectation.AUTH:
            continue
        if _let_through(exchange):
            chosen[form] = from_leased(case, unleased, leased)
    return list(chosen.values())
