"""The one operation the suite tests, as plain constants: importable without jsonschema."""

from __future__ import annotations

__all__ = ["OPERATION_METHOD", "OPERATION_PATH"]

OPERATION_PATH = "/rest/sms"
OPERATION_METHOD = "post"
