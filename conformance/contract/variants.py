"""Documented variants of the endpoint (spec/variants/*.yaml), as data the checks consult.

A response variant is a JSON Merge Patch (RFC 7396) over the spec's ``components.schemas``;
when a body fails the canonical schema but passes a variant's, the check reports
"matches documented variant X" at warning severity instead of an error.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.contract.schemas import Contract
from conformance.contract.specfile import Spec, load_spec, spec_dir

__all__ = ["ResponseVariant", "Variant", "load_variants", "merge_patch", "response_variants"]


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


@dataclass(frozen=True)
class ResponseVariant:
    variant: Variant
    statuses: tuple[int, ...]  # empty: every status
    contract: Contract

    def applies_to(self, status: int) -> bool:
        return not self.statuses or status in self.statuses


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
        out.append(ResponseVariant(variant, _statuses(variant.data), Contract(base, document)))
    # the narrowest overlay first: when several variants fit a body, name the closest one
    return tuple(sorted(out, key=lambda v: len(json.dumps(v.variant.data["overlay"], sort_keys=True))))
