"""Differential runs: one request to two targets, the two responses compared by shape.

Pure (no pytest, no schemathesis, no sockets). ``normalise`` turns a response into a
``Shape`` in which every volatile value — uuids, threads, timestamps, and the generated
texts the target echoes back — is a placeholder, so two conforming targets give equal
shapes; ``compare`` turns the differences between two shapes into deviations that name
both sides.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.contract.classify import is_valid_number_param
from conformance.engine.profiles import Profile
from conformance.model.cases import Case
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange, redact_text
from conformance.model.jsontext import json_type

__all__ = [
    "CHECK_ID",
    "LIFECYCLE_TITLE",
    "TITLES",
    "Member",
    "Shape",
    "compare",
    "compare_lifecycles",
    "json_type",
    "lifecycle_summary",
    "map_case",
    "normalise",
]

CHECK_ID = "differential"
CHECK_DESCRIPTION = (
    "Both targets answer the same request alike (status, content type, body shape, enum values)."
)

# One fixed title per kind of difference: the grouping key in reports and baselines.
TITLES: dict[str, str] = {
    "status": "Status code differs between targets",
    "content_type": "Content type differs between targets",
    "answered": "Only one target answered",
    "body": "Body kind differs between targets",
    "member": "Body shape differs between targets",
    "type": "JSON type differs between targets",
    "value": "Enum value differs between targets",
    "format": "Value format differs between targets",
    "message": "Error message text differs between targets",
}

LIFECYCLE_TITLE = "Message life cycles differ between targets"  # the life-cycle phase on both sides (D68)
ENUM_MEMBERS = frozenset({"type", "state", "success", "delivered", "automated"})
ECHO_PATHS = frozenset({"$.payload.message", "$.payload.to", "$.payload.from", "$.payload.tn.tn"})
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Member:
    """One JSON value at one path: its JSON type and what is compared of its value.

    ``kind`` is ``"enum"`` (the value is compared), ``"message"`` (error text, compared after
    placeholders), ``"format"`` (a uuid member: uuid-shaped or not is compared) or
    ``"placeholder"`` (only the type is compared; ``value`` says why).
    """

    type: str
    value: str
    kind: str = "placeholder"


@dataclass(frozen=True)
class Shape:
    """What is compared of one response. ``body`` is ``json``, ``text``, ``empty`` or ``none``
    (no response: a transport error)."""

    status: int | None
    media_type: str
    body: str
    members: Mapping[str, Member] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "media_type": self.media_type,
            "body": self.body,
            "members": {p: [m.type, m.value] for p, m in self.members.items()},
        }


def _child(path: str, key: str) -> str:
    if _IDENTIFIER.match(key):
        return f"{path}.{key}"
    return f"{path}['{key}']" if "'" not in key else f"{path}[{json.dumps(key)}]"


def _placeholders(text: str, echoes: Sequence[str]) -> str:
    """``text`` with uuids, timestamps and echoed request values replaced by placeholders."""
    text = UUID_RE.sub("<uuid>", text)
    text = TIMESTAMP_RE.sub("<timestamp>", text)
    for echoed in sorted({e for e in echoes if len(e) >= 3}, key=len, reverse=True):
        text = text.replace(echoed, "<echo>")
    return text


def _classify(path: str, value: Any, echoes: Sequence[str]) -> Member:
    kind = json_type(value)
    name = path.rsplit(".", 1)[-1]
    if kind not in ("object", "array", "null"):
        if name in ENUM_MEMBERS or path == "$.status":
            return Member(kind, json.dumps(value, ensure_ascii=False), "enum")
        if path == "$.message" or (path.startswith("$.fields") and name == "message" and kind == "string"):
            return Member(kind, _placeholders(str(value), echoes), "message")
        if path in ECHO_PATHS or (path.startswith("$.fields") and name == "value"):
            return Member(kind, "<echo>")
        if name == "thread":
            return Member(kind, "<thread>")
        if name == "uuid":  # its format is compared: a uuid on one side, something else on the other
            return Member(kind, "<uuid>" if UUID_RE.fullmatch(str(value)) else "<not a uuid>", "format")
        if kind == "string" and UUID_RE.fullmatch(value):
            return Member(kind, "<uuid>")
        if name.endswith("_on") or (kind == "string" and TIMESTAMP_RE.fullmatch(value)):
            return Member(kind, "<timestamp>")
    return Member(kind, f"<{kind}>")


def _walk(path: str, value: Any, echoes: Sequence[str]) -> Iterator[tuple[str, Member]]:
    yield path, _classify(path, value, echoes)
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(_child(path, str(key)), item, echoes)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(f"{path}[{index}]", item, echoes)


def media_type(content_type: str) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return content_type.split(";", 1)[0].strip().lower()


def normalise(exchange: Exchange) -> Shape:
    """The comparable shape of an exchange's response; the request's values count as echoes."""
    response = exchange.response
    if response is None:
        return Shape(None, "", "none")
    echoes = [value for _, value in exchange.request.query]
    kind = "empty" if not response.body.strip() else "text"
    members: dict[str, Member] = {}
    if kind == "text":
        try:
            body = response.json()
        except ValueError:
            body = None
        else:
            kind = "json"
            members = dict(_walk("$", body, echoes))
    return Shape(response.status, media_type(response.content_type), kind, members)


@dataclass(frozen=True)
class _Difference:
    kind: str
    path: str
    a: str
    b: str
    detail: str


def _succeeded(shape: Shape) -> bool:
    return shape.status is not None and 200 <= shape.status < 300


def _differences(a: Shape, b: Shape) -> Iterator[_Difference]:
    if a.body == "none" or b.body == "none":
        if a.body != b.body:
            answered = "a response" if a.body != "none" else "no response (transport error)"
            other = "a response" if b.body != "none" else "no response (transport error)"
            yield _Difference("answered", "$", answered, other, "one target answered, the other did not")
        return
    if a.status != b.status:
        yield _Difference("status", "$", str(a.status), str(b.status), "HTTP status")
    if a.media_type != b.media_type:
        yield _Difference("content_type", "Content-Type", a.media_type, b.media_type, "media type")
    if a.status != b.status and _succeeded(a) != _succeeded(b):
        return  # a success body and an error body: the status difference says it all
    if a.body != b.body:
        yield _Difference("body", "$", a.body, b.body, "kind of body (json, text, empty)")
        return
    covered: list[str] = []  # paths already reported: their descendants are not reported again
    for path in sorted(a.members.keys() | b.members.keys()):
        if any(path.startswith(done) and path[len(done)] in ".[" for done in covered):
            continue
        left, right = a.members.get(path), b.members.get(path)
        if left is None or right is None:
            shown = ("present", "absent") if right is None else ("absent", "present")
            yield _Difference("member", path, *shown, "member present on one side only")
            covered.append(path)
        elif left.type != right.type:
            yield _Difference("type", path, left.type, right.type, "JSON type")
            covered.append(path)
        elif left.kind != "placeholder" and left.value != right.value:
            kind = left.kind if left.kind in ("message", "format") else "value"
            yield _Difference(kind, path, left.value, right.value, "value")


def compare(
    case: Case,
    a_exchange: Exchange,
    b_exchange: Exchange,
    *,
    sides: tuple[str, str],
    secrets: Sequence[str] = (),
    seed: int | None = None,
) -> list[Deviation]:
    """One deviation per difference between A's and B's response to the same case.

    ``expected`` is A's value, ``actual`` B's; ``response`` is B's redacted response and
    ``other_response`` A's, each tagged with its side's name under ``target``.
    """
    a_shape, b_shape = normalise(a_exchange), normalise(b_exchange)
    found = list(_differences(a_shape, b_shape))
    if not found:
        return []
    a_name, b_name = sides
    request = b_exchange.request.to_dict(secrets)
    response = _tagged(b_exchange, b_name, secrets)
    other = _tagged(a_exchange, a_name, secrets)
    curl = b_exchange.request.curl(secrets)
    deviations = []
    for difference in found:
        severity = Severity.WARNING if difference.kind == "message" else Severity.ERROR
        a_value, b_value = (redact_text(v, secrets) for v in (difference.a, difference.b))
        deviations.append(
            Deviation(
                check=CHECK_ID,
                severity=severity,
                title=TITLES[difference.kind],
                detail=(
                    f"{difference.detail} at {difference.path} for case {case.id} ({case.kind}): "
                    f"{a_name} gave {a_value}, {b_name} gave {b_value}"
                ),
                path=difference.path,
                expected=a_value,
                actual=b_value,
                evidence=Evidence(source=f"differential run: {a_name} (expected) vs {b_name} (actual)"),
                case_id=case.id,
                phase=case.phase,
                request=request,
                response=response,
                curl=curl,
                seed=seed,
                other_response=other,
            )
        )
    return deviations


def _tagged(exchange: Exchange, name: str, secrets: Sequence[str]) -> dict[str, Any]:
    if exchange.response is None:
        return {"target": name, "error": redact_text(exchange.error or "no response", secrets)}
    return {"target": name, **exchange.response.to_dict(secrets)}


def map_case(case: Case, a: Profile, b: Profile) -> Case:
    """A's case as it goes to B: A's senders, unleased sender and destinations become B's.

    Every value of ``FROM`` and ``TO`` is mapped, the documented parameters and the further query
    pairs alike (a parameter given twice, D34): B's allow-list holds for every number B is sent."""
    params = {name: _mapped_value(name, value, a, b) for name, value in case.params.items()}
    extra = tuple((name, _mapped_value(name, value, a, b)) for name, value in case.extra_query)
    if params == dict(case.params) and extra == case.extra_query:
        return case
    return replace(case, params=params, extra_query=extra)


def _mapped_value(name: str, value: str, a: Profile, b: Profile) -> str:
    if name == "FROM":
        if value == a.unleased_sender:
            return b.unleased_sender
        if value in a.senders:
            return b.senders[a.senders.index(value) % len(b.senders)]
    elif name == "TO" and b.destinations and value not in b.destinations and is_valid_number_param(value):
        index = a.destinations.index(value) if value in a.destinations else 0
        return b.destinations[index % len(b.destinations)]
    return value


def lifecycle_summary(figures: Mapping[str, Any]) -> dict[str, Any]:
    """What ``diff`` shows of one side's life-cycle phase: counts, last states, median time to each state."""
    times = figures.get("time_to_state_s") or {}
    return {
        "evaluated": figures.get("evaluated"),
        "followed": figures.get("followed"),
        "found": figures.get("found"),
        "reads": figures.get("reads"),
        "terminal": dict(figures.get("terminal") or {}),
        "median_s": {state: row.get("median") for state, row in times.items() if isinstance(row, Mapping)},
    }


def compare_lifecycles(
    a: Mapping[str, Any], b: Mapping[str, Any], *, sides: tuple[str, str], seed: int | None = None
) -> list[Deviation]:
    """One warning when both sides' messages were followed and end differently: other last states, or
    a different share of them found (D68). Times differ between any two targets and are shown, not judged."""
    if not (a.get("evaluated") and b.get("evaluated")):
        return []
    ends = [sorted((s.get("terminal") or {}).keys()) for s in (a, b)]
    found = [f"{s.get('found', 0)} of {s.get('followed', 0)} found" for s in (a, b)]
    lost = [int(s.get("followed", 0) or 0) - int(s.get("found", 0) or 0) for s in (a, b)]
    if ends[0] == ends[1] and (lost[0] == 0) == (lost[1] == 0):
        return []
    shown = [
        f"{side}: {found[i]}, last states {', '.join(ends[i]) or 'none'}" for i, side in enumerate(sides)
    ]
    return [
        Deviation(
            check=CHECK_ID,
            severity=Severity.WARNING,
            title=LIFECYCLE_TITLE,
            detail="; ".join(shown),
            operation="GET /rest/sms/outbound/{uuid}",
            path="$.payload.state",
            expected=shown[0],
            actual=shown[1],
            evidence=Evidence(source="S4 GetSMSByUUID (older GitBook); S10", decision="D68"),
            phase="lifecycle",
            seed=seed,
        )
    ]
