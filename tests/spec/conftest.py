"""Fixtures for the self-tests of `spec/`: the spec document, DECISIONS.md and the variant files.

The variant loader and the JSON Merge Patch (RFC 7396) used to apply response overlays live
here on purpose: `spec/` is data only and the package has no variant module yet.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.contract.schemas import Contract
from conformance.contract.specfile import SPEC_FILE, Spec, load_spec

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = REPO_ROOT / "spec"
VARIANTS_DIR = SPEC_DIR / "variants"
DECISIONS_FILE = SPEC_DIR / "DECISIONS.md"
SEED_EXAMPLES_FILE = Path(__file__).with_name("seed_examples.json")

_ENTRY_HEADING = re.compile(r"^## (D\d+): (.+)$", re.MULTILINE)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge recursively, ``null`` deletes a member, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def apply_overlay(document: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """A copy of the spec document with ``overlay`` merge-patched onto ``components.schemas``."""
    patched = copy.deepcopy(document)
    patched["components"]["schemas"] = merge_patch(patched["components"]["schemas"], overlay)
    return patched


def load_variants() -> dict[str, dict[str, Any]]:
    """Every `spec/variants/*.yaml`, keyed by file stem (which must equal its ``id``)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(VARIANTS_DIR.glob("*.yaml")):
        found[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return found


def parse_decisions(text: str) -> dict[str, tuple[str, str]]:
    """``{"D1": (title, body), ...}`` from the ``## Dn: title`` sections, in file order."""
    headings = list(_ENTRY_HEADING.finditer(text))
    entries: dict[str, tuple[str, str]] = {}
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        entries[heading.group(1)] = (heading.group(2).strip(), text[heading.end() : end])
    return entries


@pytest.fixture(scope="session")
def spec() -> Spec:
    """The spec file of this checkout (never a packaged copy)."""
    return load_spec(SPEC_DIR / SPEC_FILE)


@pytest.fixture(scope="session")
def spec_document(spec: Spec) -> dict[str, Any]:
    return spec.copy_document()


@pytest.fixture(scope="session")
def contract(spec: Spec) -> Contract:
    return Contract(spec)


@pytest.fixture(scope="session")
def variants() -> dict[str, dict[str, Any]]:
    return load_variants()


@pytest.fixture(scope="session")
def decisions_text() -> str:
    return DECISIONS_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def decisions(decisions_text: str) -> dict[str, tuple[str, str]]:
    return parse_decisions(decisions_text)


@pytest.fixture(scope="session")
def seed_examples() -> list[dict[str, Any]]:
    data = json.loads(SEED_EXAMPLES_FILE.read_text(encoding="utf-8"))
    return list(data["examples"])


@pytest.fixture(scope="session")
def overlay_applier() -> Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]:
    return apply_overlay


@pytest.fixture(scope="session")
def merge_patcher() -> Callable[[Any, Any], Any]:
    return merge_patch
