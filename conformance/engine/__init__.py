"""The engine: from a target profile to exchanges and deviations, in four rooms.

- ``generation``: every phase's cases for one target, drawn under the run's seed, and their cache.
- ``sending``: how a case leaves the process (the client over httpx, the send budget, the rate
  limit, deadlines, requests in flight, 429 re-sends): the one way to send (D49).
- ``traffic``: exchanges the suite did not send — the validating proxy, HAR and results.json read
  back — checked through one door (``traffic.observed``).
- ``run``: a run's orchestration (generate, send, check, collect), and what is built on runs: the
  variant probe, ``diff``'s comparison, ``replay``.

Shared by all four, at the top: ``profiles`` (YAML target profiles, the send budget, the token),
``leases`` (which requests name a leased sender, read leniently: the budget's rule, D17), ``phases``
(the phase names, importing nothing) and ``tls_roots`` (the CA roots of every TLS connection, D46).

Imports run one way, checked by import-linter (pyproject.toml, contract ``engine-roles``): run ->
traffic | generation -> sending -> the shared modules.

May import: ``conformance.checks``, ``conformance.contract``, ``conformance.model``, ``strategies``,
and ``conformance.mock`` (to start the embedded target). Never ``conformance.commands`` or ``reports``.
"""
