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
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.contract.schemas import Contract
from conformance.contract.specfile import Spec, load_spec, spec_dir

__all__ = [
    "Mark",
    "ResponseVariant",
    "Variant",
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

    def marks_shown(self, body: Any, canonical: Sequence[str], variant: Sequence[str]) -> int:
        """How many of this variant's distinguishing members the body shows."""
        return sum(mark.shown(body, canonical, variant) for mark in self.marks)

    def shown_by(self, body: Any, canonical: Sequence[str], variant: Sequence[str]) -> bool:
        """The body shows at least one of this variant's distinguishing members."""
        return self.marks_shown(body, canonical, variant) > 0

    def explains(self, path: str, variant: Sequence[str]) -> bool:
        """This variant's schema has no problem at (or inside, or around) ``path``."""
        return not any(related_paths(path, p) for p in variant)


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
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
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
            ResponseVariant(variant, _statuses(variant.data), Contract(base, document), _marks(variant.data))
        )
    # the narrowest overlay first: when several variants fit a body, name the closest one
    return tuple(sorted(out, key=lambda v: len(json.dumps(v.variant.data["overlay"], sort_keys=True))))
