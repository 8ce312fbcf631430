"""opentact-conformance: contract tests for Opentact's Send SMS API."""

__version__ = "0.1.0"
__all__ = ["__version__"]
