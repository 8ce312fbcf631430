"""Locating and loading the OpenAPI spec that ships with the suite."""

from __future__ import annotations

import copy
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Spec", "SpecError", "load_spec", "safe_yaml", "spec_dir"]

SPEC_FILE = "opentact-sms.openapi.yaml"
# libyaml's parser with PyYAML's safe constructor where PyYAML was built with it (same objects, a
# tenth of the time: the spec and its variants are parsed at the start of every run), else PyYAML's own
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_yaml(text: str | bytes) -> Any:
    """``yaml.safe_load``, on libyaml when it is there; raises ``yaml.YAMLError`` on bad input."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # a safe loader


def spec_dir() -> Path:
    """The `spec/` folder: packaged copy in a wheel, the repository folder in a checkout."""
    package = Path(__file__).resolve().parents[1]  # conformance/
    packaged = package / "_spec"
    if (packaged / SPEC_FILE).is_file():
        return packaged
    return package.parent / "spec"


@dataclass(frozen=True, eq=False)  # identity hash: load_spec caches one instance per file
class Spec:
    path: Path
    document: dict[str, Any]
    sha256: str

    @property
    def title(self) -> str:
        return str(self.document["info"]["title"])

    @property
    def version(self) -> str:
        return str(self.document["info"]["version"])

    def summary(self) -> dict[str, str]:
        """Title, version and content hash, as results and reports show them."""
        return {"title": self.title, "version": self.version, "sha256": self.sha256}

    def copy_document(self) -> dict[str, Any]:
        return copy.deepcopy(self.document)


class SpecError(ValueError):
    """The spec file is missing or malformed."""


@functools.lru_cache(maxsize=8)
def load_spec(path: Path | None = None) -> Spec:
    """Load and hash the spec; raise ``SpecError`` with a one-paragraph message on bad input."""
    target = path or spec_dir() / SPEC_FILE
    try:
        raw = target.read_bytes()
    except OSError as exc:
        raise SpecError(
            f"cannot read the spec {target}: {exc.strerror}. Reinstall the package or pass a valid path."
        ) from None
    try:
        document = safe_yaml(raw)
    except yaml.YAMLError as exc:
        raise SpecError(
            f"the spec {target} is not valid YAML ({exc}). Fix the file or restore it from git."
        ) from None
    if not isinstance(document, dict) or "paths" not in document or "openapi" not in document:
        raise SpecError(f"the spec {target} is not an OpenAPI document (no 'openapi'/'paths' keys).")
    return Spec(path=target, document=document, sha256=hashlib.sha256(raw).hexdigest())
