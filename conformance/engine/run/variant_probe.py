"""When documented requests are refused, try the same values in the other documented request forms.

DECISIONS D2/D3: a target that refuses the canonical query (`FROM`, `TO`, `Message`) but accepts
the same values as lowercase query names or as a documented JSON body follows another documented
variant, so its refusals are warnings naming that variant, not errors. Each refused case is
re-sent in the variant form (within the send budget); only the cases the variant form rescues are
downgraded, so a refusal for another reason (a length limit, say) stays an error.

Controls first (D24): before any refusal may be downgraded, the canonical request itself is re-sent.
When that control gets the documented answer, the refusal was transient: it stays an error, labelled
intermittent, with the control's answer beside the first one. A refusal with a 5xx status is never
downgraded, and a refusal whose control could not be sent (budget spent) is not downgraded either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from conformance.engine.generation.forms import request_variants, variant_case
from conformance.engine.phases import PROBE_PHASE
from conformance.model.cases import Case, Expectation
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange

if TYPE_CHECKING:
    from conformance.contract.variants import Variant

__all__ = ["PROBE_PHASE", "control_case", "downgrade_rescued", "request_variants", "variant_case"]

SendMany = Callable[[Sequence[Case]], list[Exchange | None]]
# the checks whose errors a variant form can explain: the request was refused, or refused for the wrong reason
CHECKS = frozenset({"valid_data_rejected", "rejection_status"})
EXPECTED_STATUS = {Expectation.VALIDATION: 400, Expectation.AUTH: 401, Expectation.NOT_FOUND: 404}


def control_case(case: Case) -> Case:
    """The same canonical request again, as a control before any downgrade (D24)."""
    return replace(
        case,
        id=f"{case.id}~control",
        phase=PROBE_PHASE,
        kind=f"{case.kind}, re-sent unchanged as a control",
    )


@dataclass(frozen=True)
class _Rescue:
    variant: Variant
    status: int


def _as_documented(exchange: Exchange) -> bool:
    """The variant form got the outcome the case's documentation demands."""
    response = exchange.response
    if response is None:
        return False
    if exchange.case.expectation.may_succeed and 200 <= response.status < 300:
        return True
    if exchange.case.expectation is Expectation.REFUSED:
        return response.status in EXPECTED_STATUS.values()
    return response.status == EXPECTED_STATUS.get(exchange.case.expectation)


def downgrade_rescued(
    deviations: Sequence[Deviation],
    cases: Mapping[str, Case],
    variants: Sequence[Variant],
    send: Callable[[Case], Exchange | None],
    secrets: Sequence[str] = (),
    send_many: SendMany | None = None,
) -> list[Deviation]:
    """Deviations with every refusal that a documented variant form rescues turned into a warning.

    Each refused case is first re-sent unchanged (a control, D24): if the control gets the documented
    answer, the refusal is an intermittent error and no variant is tried for it. ``send`` returns None
    when the budget allows no more requests; refusals without a control stay as they are. ``send_many``
    (default: ``send`` in a loop) sends independent requests, possibly at once, with the same answers
    as that loop: in order, None from the first the budget refuses (D42).
    """
    many = send_many or _one_by_one(send)
    refused = [d for d in deviations if _is_refusal(d) and d.case_id in cases]
    if not refused:
        return list(deviations)
    # the variant is chosen on an error first; a warning-level refusal only joins the rescue
    refused.sort(key=lambda d: d.severity is not Severity.ERROR)
    controls: dict[str, Exchange] = {}
    case_ids = list(dict.fromkeys(d.case_id for d in refused))
    for case_id, control in zip(case_ids, many([control_case(cases[c]) for c in case_ids]), strict=True):
        if control is None:
            break
        controls[case_id] = control
    transient = {case_id for case_id, control in controls.items() if _as_documented(control)}
    persistent = [case_id for case_id in controls if case_id not in transient]
    rescued = _rescue(persistent, cases, variants, send, many) if persistent and variants else {}
    out = []
    for d in deviations:
        if not _is_refusal(d):
            out.append(d)
        elif d.case_id in transient:
            out.append(_intermittent(d, controls[d.case_id], secrets))
        elif d.case_id in rescued and not _server_error(d):
            out.append(_downgraded(d, rescued[d.case_id]))
        else:
            out.append(d)
    return out


def _rescue(
    case_ids: Sequence[str],
    cases: Mapping[str, Case],
    variants: Sequence[Variant],
    send: Callable[[Case], Exchange | None],
    many: SendMany,
) -> dict[str, _Rescue]:
    """The refused cases that the first working variant form (tried on the first case) gets through."""
    chosen: Variant | None = None
    for variant in variants:
        exchange = send(variant_case(cases[case_ids[0]], variant))
        if exchange is None:
            return {}
        if _as_documented(exchange):
            chosen = variant
            break
    if chosen is None:
        return {}
    rescued: dict[str, _Rescue] = {}
    probes = many([variant_case(cases[case_id], chosen) for case_id in case_ids])
    for case_id, exchange in zip(case_ids, probes, strict=True):
        if exchange is None:
            break
        if _as_documented(exchange) and exchange.response is not None:
            rescued[case_id] = _Rescue(chosen, exchange.response.status)
    return rescued


def _one_by_one(send: Callable[[Case], Exchange | None]) -> SendMany:
    """``send`` in a loop that stops at the first request the budget refuses."""

    def many(batch: Sequence[Case]) -> list[Exchange | None]:
        found: list[Exchange | None] = []
        for case in batch:
            exchange = send(case)
            if exchange is None:
                break
            found.append(exchange)
        return found + [None] * (len(batch) - len(found))

    return many


def _server_error(deviation: Deviation) -> bool:
    """The refusal was a 5xx: a server error on a documented request never ends below error (D24)."""
    status = deviation.response.get("status")
    return isinstance(status, int) and status >= 500


def _intermittent(deviation: Deviation, control: Exchange, secrets: Sequence[str]) -> Deviation:
    response = control.response
    status = response.status if response is not None else 0
    return replace(
        deviation,
        severity=Severity.ERROR,
        title=f"{deviation.title} (intermittent: the same request, re-sent, got the documented answer)",
        detail=(
            f"{deviation.detail} Re-sent unchanged as a control, the same request got HTTP {status}: the "
            "refusal was transient, not a documented reading of the request (D24). The control's answer "
            "is shown beside the first one."
        ),
        other_response={} if response is None else response.to_dict(secrets),
        evidence=Evidence(source="control: the canonical request re-sent", decision="D24"),
    )


def _is_refusal(deviation: Deviation) -> bool:
    """An error a variant form may explain, or a valid request refused at warning level with no variant
    named yet (leading zeros, D33): the variant form tells whether the spelling or the form was refused."""
    if deviation.check not in CHECKS:
        return False
    if deviation.severity is Severity.ERROR:
        return True
    return (
        deviation.check == "valid_data_rejected"
        and deviation.severity is Severity.WARNING
        and deviation.evidence.variant is None
    )


def _downgraded(deviation: Deviation, rescue: _Rescue) -> Deviation:
    variant = rescue.variant
    return replace(
        deviation,
        severity=Severity.WARNING,
        title=f"{deviation.title}; as documented variant '{variant.id}' it got the documented answer",
        detail=(
            f"{deviation.detail} The same values sent as documented variant '{variant.title}' got "
            f"HTTP {rescue.status}, so the target follows that variant ({variant.decision})."
        ),
        evidence=Evidence(source=variant.evidence, decision=variant.decision, variant=variant.id),
    )
