"""A case: one request the suite intends to send, and what the documentation says must happen."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from conformance.model.deviations import Severity

__all__ = ["AuthPlacement", "Case", "Expectation"]


class Expectation(enum.Enum):
    """The documented outcome class of a case."""

    SUCCESS = "success"  # 200/201 with the SmsSendResponse shape
    VALIDATION = "validation"  # the validation-error envelope (D11)
    AUTH = "auth"  # the inferred 401 (D12)
    NOT_FOUND = "not_found"  # 404 "TNLease and SMSCampaign not found"

    @property
    def rejects(self) -> bool:
        return self is not Expectation.SUCCESS


class AuthPlacement(enum.Enum):
    """Where a case carries its credentials."""

    HEADER = "header"  # X-Auth-Token
    JWT_QUERY = "jwt-query"  # ?jwt=
    BEARER = "bearer"  # Authorization: Bearer (documented variant, S2/S3)
    NONE = "none"


@dataclass(frozen=True)
class Case:
    """What to send and what must come back.

    ``params`` are the documented query parameters as they go on the wire (strings);
    ``token`` is a *reference* to the credentials: ``"profile"`` for the profile's token,
    or a literal bad token for auth cases (never a real secret).
    """

    id: str
    phase: str
    kind: str
    expectation: Expectation
    params: Mapping[str, str] = field(default_factory=dict)
    auth: AuthPlacement = AuthPlacement.HEADER
    token: str = "profile"
    # how strongly the docs demand the expected outcome (DECISIONS severity)
    severity: Severity = Severity.ERROR
    # documented parameter names this case makes invalid (validation cases)
    invalid_params: tuple[str, ...] = ()
    evidence: str = ""
    decision: str | None = None
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    # a deliberate re-send of the case with this id (the same request, for run-level checks), else None
    repeat_of: str | None = None
