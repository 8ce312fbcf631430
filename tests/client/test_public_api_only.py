"""The package uses httpx and httpcore through their public API only (the client's deadline and proxy
included): no module imports a private module of theirs or reads the attributes where httpx keeps its
transports and httpcore its pool and network backend (a class of ours may keep an attribute of such a
name on ``self``). Read from the syntax tree, not by text search, and the reader is shown to find each
kind of access in a sample, so a clean result means "none"."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "conformance"
LIBRARIES = ("httpx", "httpcore")
THEIR_PRIVATE_ATTRIBUTES = {"_transport", "_mounts", "_pool", "_network_backend"}


def private_uses(source: str) -> list[str]:
    """Each private access in ``source``, sorted: ``httpx._x`` / ``httpcore._x`` (attribute or import)
    and ``._transport``, ``._mounts``, ``._pool`` or ``._network_backend`` of anything but ``self``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            theirs = node.attr in THEIR_PRIVATE_ATTRIBUTES and owner != "self"
            if theirs or (owner in LIBRARIES and node.attr.startswith("_")):
                found.append(f"line {node.lineno}: .{node.attr}")
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] in LIBRARIES and any(part.startswith("_") for part in parts[1:]):
                found.append(f"line {node.lineno}: import {name}")
    return sorted(found)


def test_the_reader_finds_every_kind_of_private_access() -> None:
    sample = (
        "import httpx._utils\n"
        "from httpcore._models import Proxy\n"
        "pool = client._transport._pool\n"
        "pool._network_backend = backend\n"
        "mounts = client._mounts\n"
        "mapping = httpx._transports\n"
        "public = httpx.Client(transport=httpx.HTTPTransport())._private_of_ours\n"
        "self._pool = self._transport\n"
        "inner = self._transport._pool\n"
    )
    assert private_uses(sample) == [
        "line 1: import httpx._utils",
        "line 2: import httpcore._models",
        "line 3: ._pool",
        "line 3: ._transport",
        "line 4: ._network_backend",
        "line 5: ._mounts",
        "line 6: ._transports",
        "line 9: ._pool",
    ]


def test_no_module_of_the_package_reaches_into_httpx_or_httpcore() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 50
    found = {
        str(path.relative_to(PACKAGE)): uses
        for path in modules
        if (uses := private_uses(path.read_text(encoding="utf-8")))
    }
    assert found == {}
