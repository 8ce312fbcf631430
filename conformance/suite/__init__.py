"""The conformance cases as a pytest suite: `pytest conformance/suite --profile FILE`."""
