"""Documented variants of the endpoint (spec/variants/*.yaml), as data the checks consult.

A response variant is a JSON Merge Patch (RFC 7396) over the spec's ``components.schemas``
plus the members that distinguish its page from S1 (``distinguishing``). Each schema violation
is judged on its own (D23): a variant explains a violation when its schema accepts the body at
that path, and it may downgrade the violation to a warning only when the body shows at least
one of the variant's distinguishing members.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.contract.schemas import Contract
from conformance.contract.specfile import Spec, load_spec, safe_yaml, spec_dir

__all__ = [
    "Mark",
    "ResponseVariant",
    "Variant",
    "explanations",
    "load_variants",
    "merge_patch",
    "related_paths",
    "response_variants",
]

MARK_KINDS = ("present", "absent", "retyped")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: apply ``patch`` to a copy of ``target``."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@dataclass(frozen=True)
class Variant:
    id: str
    title: str
    kind: str  # request | response | auth
    sources: tuple[str, ...]
    decision: str
    data: Mapping[str, Any]

    @property
    def evidence(self) -> str:
        return "; ".join(self.sources)


def related_paths(a: str, b: str) -> bool:
    """Two JSON paths name the same member, or one lies inside the other."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".") or a == "$" or b == "$"


def _value_at(body: Any, path: str) -> tuple[bool, Any]:
    """(present, value) of the member at a dotted JSON path such as ``$.payload.tn.type``."""
    node = body
    for part in path.split(".")[1:]:
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


@dataclass(frozen=True)
class Mark:
    """One member that distinguishes a variant's page from S1, and how a body shows it.

    ``present``: the body has the member (one S1 does not document); ``absent``: the body lacks it;
    ``retyped``: the body has it in the variant's form, which the canonical schema rejects.
    """

    kind: str
    path: str

    def shown(self, body: Any, canonical: Sequence[str], variant: Sequence[str]) -> bool:
        """Whether ``body`` shows this mark; the sequences are the problem paths of each schema."""
        present, _ = _value_at(body, self.path)
        if self.kind == "absent":
            return not present
        if not present or any(related_paths(self.path, p) for p in variant):
            return False
        return self.kind == "present" or self.path in canonical


@dataclass(frozen=True)
class ResponseVariant:
    variant: Variant
    statuses: tuple[int, ...]  # empty: every status
    contract: Contract
    marks: tuple[Mark, ...] = ()

    def applies_to(self, status: int) -> bool:
        return not self.statuses or status in self.statuses

    def explains(self, path: str, variant: Sequence[str]) -> bool:
        """This variant's schema has no problem at (or inside, or around) ``path``."""
        return not any(related_paths(path, p) for p in variant)


def explanations(
    variants: Sequence[ResponseVariant], status: int, body: Any, canonical: Sequence[str]
) -> dict[str, list[ResponseVariant]]:
    """For each canonical problem path, the variants that explain it, in naming order (D23).

    A variant explains a violation when its schema accepts the body at that path and either the
    violation is itself one of the variant's distinguishing members (``to`` as a string, ``type``
    left out), or the body shows a distinguishing member that no other variant shares (S2's
    ``tn_lease``, S3's ``reference_id``...). So a missing member is excused only by a body that
    follows the page which leaves it out, and each violation's verdict depends on that violation
    and the body's own variant members alone, never on which other violations it has. Naming order
    is fixed: the variant that departs from S1 in the fewest respects first, then by id.
    """
    shared = Counter(mark for v in variants for mark in set(v.marks))
    judged = [
        (v, [p.path for p in v.contract.validate(status, body)]) for v in variants if v.applies_to(status)
    ]
    judged.sort(key=lambda item: (len(item[0].marks), item[0].variant.id))
    out: dict[str, list[ResponseVariant]] = {}
    for path in canonical:
        out[path] = []
        for variant, problems in judged:
            if not variant.explains(path, problems):
                continue
            own = any(mark.path == path and mark.shown(body, canonical, problems) for mark in variant.marks)
            unique = any(
                shared[mark] == 1 and mark.shown(body, canonical, problems) for mark in variant.marks
            )
            if own or unique:
                out[path].append(variant)
    return out


def _marks(data: Mapping[str, Any]) -> tuple[Mark, ...]:
    marks = []
    for entry in data.get("distinguishing") or ():
        (kind, path), *rest = entry.items()
        if rest or kind not in MARK_KINDS or not str(path).startswith("$."):
            raise ValueError(
                f"variant {data.get('id')!r}: distinguishing entry {dict(entry)!r} must be one of "
                f"{', '.join(MARK_KINDS)} with a JSON path such as $.payload.tn_lease"
            )
        marks.append(Mark(kind, str(path)))
    return tuple(marks)


@functools.lru_cache(maxsize=2)
def load_variants(folder: Path | None = None) -> tuple[Variant, ...]:
    root = folder or spec_dir() / "variants"
    variants = []
    for path in sorted(root.glob("*.yaml")):
        data = safe_yaml(path.read_text(encoding="utf-8"))
        variants.append(
            Variant(
                id=str(data["id"]),
                title=str(data.get("title", data["id"])),
                kind=str(data.get("kind", "")),
                sources=tuple(str(s) for s in data.get("sources", ())),
                decision=str(data.get("decision", "")),
                data=data,
            )
        )
    return tuple(variants)


def _statuses(data: Mapping[str, Any]) -> tuple[int, ...]:
    raw = data.get("status") or data.get("statuses") or ()
    if isinstance(raw, int | str):
        raw = [raw]
    return tuple(int(s) for s in raw)


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=2)
def response_variants(spec: Spec | None = None) -> tuple[ResponseVariant, ...]:
    """Response variants whose overlay changes the schemas, each with its own contract."""
    base = spec or load_spec()
    out: list[ResponseVariant] = []
    for variant in load_variants():
        overlay = variant.data.get("overlay")
        if variant.kind != "response" or not overlay:
            continue
        document = base.copy_document()
        document["components"]["schemas"] = merge_patch(document["components"]["schemas"], overlay)
        out.append(
            ResponseVariant(
                variant,
                _statuses(variant.data),
                Contract(base, document, key=f"{base.sha256}+{variant.id}:{_digest(overlay)}"),
                _marks(variant.data),
            )
        )
    # the narrowest overlay first: when several variants fit a body, name the closest one
    return tuple(sorted(out, key=lambda v: len(json.dumps(v.variant.data["overlay"], sort_keys=True))))
