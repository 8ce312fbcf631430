"""The engine: from a target profile to exchanges and deviations.

Holds: ``profiles`` (YAML target profiles, the send budget, the token), ``generation`` (the seeded
cases of every phase, hypothesis and schemathesis), ``leases`` (which requests name a leased sender,
read leniently: the budget's rule, D17), ``client`` (sending one case within the budget, the total
deadline and the rate limit), ``sending`` (the one way a case leaves, for every command: budget
reserved in case order, 429 re-sends, time budget, requests in flight, D49), ``runner`` (one whole
run: generate, send, check, collect), ``variant_probe``
(re-sending refusals in other documented forms), ``differential`` (comparing two targets' answers).

May import: ``conformance.checks``, ``conformance.contract``, ``conformance.model``, ``strategies``,
and ``conformance.mock`` (to start the embedded target). Never ``conformance.commands`` or ``reports``.
"""
