"""Traffic observation: exchanges the suite did not send — the validating proxy and recorded traffic.

Holds ``observed`` (the one door to the checks for such exchanges), ``observed_cases`` (classifying a
request the suite did not generate), ``files`` (HAR and results.json read back), and the proxy:
``proxy_server``, ``proxy_session``, ``proxy_upstream``, ``proxy_wire``.

May import: ``conformance.engine.sending`` (its body cap and header rules), the engine's shared
modules, the checks (through ``observed`` only), the contract and the model. Never generation or
the run's orchestration.
"""
