"""The reference Opentact mock: the embedded default target and its fault catalogue.

``conformance.mock.app.create_app(MockConfig(...))`` builds the Starlette app (in-process use: wrap it
in ``starlette.testclient.TestClient``); ``conformance.mock.server.MockServer(config)`` serves it with
uvicorn on 127.0.0.1 in a background thread (``with MockServer(config) as server: server.url``).
The configuration is in ``config``, the fault catalogue in ``faults`` (and what each fault does in
``fault_effects``), the sent messages in ``store``; each name is imported from its module, so the
catalogue and the command's ``--help`` do not import starlette and uvicorn (issue 13).

A target, not part of the pipeline: it imports nothing of the suite (engine, checks, contract,
model, commands, reports); the engine and the commands import it to start it.
"""
