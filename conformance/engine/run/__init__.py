"""A run's orchestration: generate, send, check, collect — and the commands built on a run.

Holds ``runner`` (one whole run), ``progress``
(where a run stands), ``variant_probe`` (re-sending refusals in other documented forms),
``differential`` (two targets' answers compared) and ``replay`` (re-sending a past run's failures).

May import every other engine sub-package; nothing in the engine imports it.
"""
