"""Old module paths, from before ``conformance/`` was grouped by role, kept importable until 0.2.

``import conformance.results`` still works and gives ``conformance.model.results`` (the same module
object), with a ``DeprecationWarning`` naming the new path. The manual's design notes
(docs/architecture.md) list the moves.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Loader as _Loader
    from importlib.abc import MetaPathFinder as _Finder
else:  # the import system calls the methods, it needs no base class; importlib.abc costs ~15 ms
    _Loader = _Finder = object

__all__ = ["MOVED", "install"]

MOVED: dict[str, str] = {
    "conformance.cases": "conformance.model.cases",
    "conformance.exchange": "conformance.model.exchange",
    "conformance.deviations": "conformance.model.deviations",
    "conformance.results": "conformance.model.results",
    "conformance.specfile": "conformance.contract.specfile",
    "conformance.variants": "conformance.contract.variants",
    "conformance.classify": "conformance.contract.classify",
    "conformance.generation": "conformance.engine.generation.cases",
    "conformance.client": "conformance.engine.sending.client",
    "conformance.runner": "conformance.engine.run.runner",
    "conformance.variant_probe": "conformance.engine.run.variant_probe",
    "conformance.differential": "conformance.engine.run.differential",
    "conformance.profiles": "conformance.engine.profiles",
    "conformance.cli": "conformance.commands.cli",
    "conformance.cli_options": "conformance.commands.options",
    "conformance.exit_codes": "conformance.commands.exit_codes",
    "conformance.run_command": "conformance.commands.run",
    "conformance.diff_command": "conformance.commands.diff",
    "reports.command": "conformance.commands.report",
}


class _AliasLoader(_Loader):
    def __init__(self, new_name: str) -> None:
        self.new_name = new_name

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.new_name)

    def exec_module(self, module: ModuleType) -> None:
        """The module was executed under its new name; nothing more to run."""


class _MovedFinder(_Finder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        new_name = MOVED.get(fullname)
        if new_name is None:
            return None
        warnings.warn(
            f"{fullname} moved to {new_name}; the old path goes away in 0.2",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(new_name))


def install() -> None:
    """Put the finder for old paths on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, _MovedFinder) for finder in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
