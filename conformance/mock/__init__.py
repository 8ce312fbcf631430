"""The reference Opentact mock: the embedded default target and its fault catalogue."""

from conformance.mock.faults import FAULTS, Fault, UnknownFaultError, fault_names, resolve_faults

__all__ = ["FAULTS", "Fault", "UnknownFaultError", "fault_names", "resolve_faults"]
