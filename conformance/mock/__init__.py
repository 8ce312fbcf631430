"""The reference Opentact mock: the embedded default target and its fault catalogue.

``create_app(MockConfig(...))`` builds the Starlette app (in-process use: wrap it in
``starlette.testclient.TestClient``); ``MockServer(config)`` serves it with uvicorn on
127.0.0.1 in a background thread (``with MockServer(config) as server: server.url``).

A target, not part of the pipeline: it imports nothing of the suite (engine, checks, contract,
model, commands, reports); the engine and the commands import it to start it.
"""

from conformance.mock.app import SEND_PATH, create_app
from conformance.mock.config import DEFAULT_SENDERS, DEFAULT_TOKEN, MockConfig, MockConfigError
from conformance.mock.fault_effects import IMPLEMENTED_FAULTS, FaultEffects
from conformance.mock.faults import FAULTS, Fault, UnknownFaultError, fault_names, resolve_faults
from conformance.mock.server import MockServer, MockServerError
from conformance.mock.store import MessageStore, StoredMessage

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
