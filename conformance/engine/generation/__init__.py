"""Case generation: every phase's cases for one target, drawn under the run's seed, and their cache.

Holds ``cases`` (the phases' case lists and ``generate_cases``), ``coverage`` (one case of every
domain class), ``case_builder`` (numbering, the profile's senders and destinations), ``drawing``
(seeded values) and ``cache`` (generated case lists kept between runs, D43).

May import: ``conformance.engine.sending`` (only for what a request looks like on the wire), the
engine's shared modules (``profiles``, ``leases``, ``phases``), the contract, the model and
``strategies``. Never the run's orchestration or traffic observation.
"""
