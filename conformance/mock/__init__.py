"""The reference Opentact mock: the embedded default target and its fault catalogue.

``create_app(MockConfig(...))`` builds the Starlette app (in-process use: wrap it in
``starlette.testclient.TestClient``); ``MockServer(config)`` serves it with uvicorn on
127.0.0.1 in a background thread (``with MockServer(config) as server: server.url``).

A target, not part of the pipeline: it imports nothing of the suite (engine, checks, contract,
model, commands, reports); the engine and the commands import it to start it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.mock.app import SEND_PATH, create_app
    from conformance.mock.config import DEFAULT_SENDERS, DEFAULT_TOKEN, MockConfig, MockConfigError
    from conformance.mock.fault_effects import IMPLEMENTED_FAULTS, FaultEffects
    from conformance.mock.faults import FAULTS, Fault, UnknownFaultError, fault_names, resolve_faults
    from conformance.mock.server import MockServer, MockServerError
    from conformance.mock.store import MessageStore, StoredMessage

# Each name is loaded from its module on first use (PEP 562): `import conformance.mock.faults` or
# the CLI's `--help` must not pay for starlette and uvicorn (issue 13).
_HOMES: dict[str, str] = {
    "SEND_PATH": "app",
    "create_app": "app",
    "DEFAULT_SENDERS": "config",
    "DEFAULT_TOKEN": "config",
    "MockConfig": "config",
    "MockConfigError": "config",
    "IMPLEMENTED_FAULTS": "fault_effects",
    "FaultEffects": "fault_effects",
    "FAULTS": "faults",
    "Fault": "faults",
    "UnknownFaultError": "faults",
    "fault_names": "faults",
    "resolve_faults": "faults",
    "MockServer": "server",
    "MockServerError": "server",
    "MessageStore": "store",
    "StoredMessage": "store",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value

__all__ = [
    "DEFAULT_SENDERS",
    "DEFAULT_TOKEN",
    "FAULTS",
    "IMPLEMENTED_FAULTS",
    "SEND_PATH",
    "Fault",
    "FaultEffects",
    "MessageStore",
    "MockConfig",
    "MockConfigError",
    "MockServer",
    "MockServerError",
    "StoredMessage",
    "UnknownFaultError",
    "create_app",
    "fault_names",
    "resolve_faults",
]
