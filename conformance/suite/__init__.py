"""The conformance cases as a pytest suite: ``pytest conformance/suite --profile FILE``.

Holds: ``conftest`` (the pytest options, the shared run per shard, writing artefacts) and the
conformance tests. The pytest route to what ``opentact-conformance run`` does.

May import: every layer (it sits beside the commands at the top). Nothing imports it.
"""
