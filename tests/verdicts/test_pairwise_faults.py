"""Per-violation severity (D23): a fault's verdicts are the same alone and beside any other response fault.

For every pair of the mock's response faults (the categories below), the deviations of the pair are
compared with those of each fault alone, by (check, severity, path, variant, key). Faults that write
different response members must give exactly the union of their verdicts. Two faults that write the
same member (or one that replaces a whole body or its status, another fault writing into it) cannot
both show: then the pair may lose verdicts but never gain or re-grade one (after a status change,
compared without the key, whose title names the status), and a fault that replaces a whole answer
keeps all of its own verdicts.
"""

from __future__ import annotations

import functools
import itertools

import pytest

from conformance.mock.faults import FAULTS
from tests.verdicts.sending import Identity, deviations, identities

RESPONSE_CATEGORIES = frozenset(
    {
        "response schema",
        "status code",
        "content type",
        "malformed body",
        "error envelope",
        "semantic echo",
        "timestamps",
    }
)
RESPONSE_FAULTS = tuple(f.name for f in FAULTS if f.category in RESPONSE_CATEGORIES)

#: what each response fault writes: ``<answer>:<member>``; ``$`` is the whole body, ``status`` the HTTP
#: status (the answer is then judged against another status's documentation, so its titles and keys move)
WRITES: dict[str, tuple[str, ...]] = {
    "to_as_string": ("success:$.payload.to",),
    "uuid_malformed": ("success:$.payload.uuid",),
    "missing_thread": ("success:$.payload.thread",),
    "type_unknown": ("success:$.payload.type",),
    "delivered_as_string": ("success:$.payload.delivered",),
    "timestamp_no_millis": ("success:$.payload.created_on", "success:$.payload.modified_on"),
    "missing_type": ("success:$.payload.type",),
    "missing_tn_deleted_on": ("success:$.payload.tn.deleted_on",),
    "from_as_number": ("success:$.payload.from",),
    "state_outside_enum": ("success:$.payload.state",),
    "extra_field": ("success:$.payload.debug_route",),
    "success_status_202": ("success:status",),
    "validation_as_500": ("error:status",),
    "unleased_sender_500": ("error:status",),
    "intermittent_500": ("success:status",),
    "content_type_text": ("success:Content-Type",),
    "html_error_page": ("error:$",),
    "truncated_json": ("success:$",),
    "nan_in_body": ("success:$.payload.price",),
    "duplicate_member": ("success:$.success",),
    "error_success_true": ("error:$.success",),
    "error_status_mismatch": ("error:$.status",),
    "validation_without_fields": ("error:$.fields",),
    "echo_non_ascii_mangled": ("success:$.payload.message",),
    "echo_to_drops_country_code": ("success:$.payload.to",),
    "tn_not_sender": ("success:$.payload.tn.tn",),
    "state_not_created": ("success:$.payload.state", "success:$.payload.delivered"),
    "type_status_mismatch": ("success:$.payload.type",),
    "automated_true": ("success:$.payload.automated",),
    "modified_before_created": ("success:$.payload.modified_on",),
    "stale_timestamps": ("success:$.payload.created_on", "success:$.payload.modified_on"),
}


#: pairs where one fault removes the member that identifies the other's documented variant (D23): the
#: verdict must then move to the stricter reading, and nowhere else
UNMASKED: dict[tuple[str, str], tuple[str, str, str, str | None]] = {
    # D11: HTTP 500 is variant validation-as-500 only as the envelope with fields; without them, an error
    ("validation_as_500", "validation_without_fields"): ("rejection_status", "error", "$", None),
}


def _overlap(a: str, b: str) -> bool:
    (kind_a, path_a), (kind_b, path_b) = a.split(":", 1), b.split(":", 1)
    if kind_a != kind_b:
        return False
    whole = {"$", "status"}
    return (
        path_a == path_b
        or bool(whole & {path_a, path_b})
        or path_a.startswith(path_b + ".")
        or path_b.startswith(path_a + ".")
    )


def interfere(a: str, b: str) -> bool:
    return any(_overlap(x, y) for x in WRITES[a] for y in WRITES[b])


def whole_body(fault: str) -> bool:
    return any(member.endswith((":$", ":status")) for member in WRITES[fault])


def restatus(fault: str) -> bool:
    return any(member.endswith(":status") for member in WRITES[fault])


def verdicts(found: frozenset[Identity] | set[Identity]) -> set[tuple[str, str, str, str | None]]:
    """(check, severity, path, variant): the verdict without the key, which names the answer's status."""
    return {identity[:4] for identity in found}


@functools.cache
def alone(fault: str) -> frozenset[Identity]:
    return frozenset(identities(deviations([fault])))


def test_every_response_fault_says_what_it_writes() -> None:
    assert set(WRITES) == set(RESPONSE_FAULTS)


def test_the_clean_mock_gives_no_verdict_on_these_cases() -> None:
    assert identities(deviations([])) == set()


@pytest.mark.parametrize("fault", RESPONSE_FAULTS)
def test_each_response_fault_alone_gives_verdicts(fault: str) -> None:
    assert alone(fault), f"{fault} gives no deviation on these cases: its pairs would prove nothing"


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(RESPONSE_FAULTS, 2)))
def test_a_fault_keeps_its_verdicts_beside_another(a: str, b: str) -> None:
    pair = identities(deviations([a, b]))
    union = alone(a) | alone(b)
    if not interfere(a, b):
        assert pair == union, f"lost: {sorted(union - pair)}; gained or re-graded: {sorted(pair - union)}"
        return
    if (a, b) in UNMASKED:
        stricter = UNMASKED[(a, b)]
        assert stricter in verdicts(pair)
        assert verdicts(pair) - {stricter} <= verdicts(union)
        return
    if restatus(a) or restatus(b):
        gained = verdicts(pair) - verdicts(union)
        assert not gained, f"gained or re-graded: {sorted(gained)}"
    else:
        assert pair <= union, f"gained or re-graded: {sorted(pair - union)}"
    for fault, other in ((a, b), (b, a)):
        if whole_body(fault) and not whole_body(other):
            lost = alone(fault) - pair
            assert not lost, f"{fault} replaces the whole answer yet lost {sorted(lost)}"
