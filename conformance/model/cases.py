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
    # the docs leave the outcome open (D34): a 2xx that echoes one of the values sent, or the validation
    # envelope; anything else is a deviation
    EITHER = "either"
    # any documented refusal (400 validation, 401, 404): a negative-only case whose sender was
    # replaced by an unleased one, so that no parser can send it (D18)
    REFUSED = "refused"
    # a body that is not JSON (RFC 8259), or JSON sent as another media type: refused before the send is
    # read, with any 4xx but the lease refusal, which shows the body was read (D69)
    NOT_JSON = "not_json"

    @property
    def rejects(self) -> bool:
        """Every documented outcome is a refusal (the case can never send an SMS on a faithful target)."""
        return self not in (Expectation.SUCCESS, Expectation.EITHER)

    @property
    def may_succeed(self) -> bool:
        """A 2xx is a documented outcome of this case."""
        return self in (Expectation.SUCCESS, Expectation.EITHER)


class AuthPlacement(enum.Enum):
    """Where a case carries its credentials."""

    PROFILE = "profile"  # where the target profile says (auth.method: header or jwt-query)
    HEADER = "header"  # X-Auth-Token
    JWT_QUERY = "jwt-query"  # ?jwt=
    BEARER = "bearer"  # Authorization: Bearer (documented variant, S2/S3)
    BEARER_QUERY = "bearer-query"  # ?bearer= (documented variant, S19)
    # undocumented carriers (D57): no page names them; a target must not take a token from them
    COOKIE = "cookie"  # Cookie: jwt=…; token=…; access_token=…
    BASIC = "basic"  # Authorization: Basic base64("<token>:")
    QUERY_NAMES = "query-names"  # ?token=…&access_token=…&api_key=…
    NONE = "none"


@dataclass(frozen=True)
class Case:
    """What to send and what must come back.

    ``params`` are the documented query parameters as they go on the wire (strings);
    ``extra_query`` are further query pairs sent after them, e.g. a parameter given a second time;
    ``token`` is a *reference* to the credentials: ``"profile"`` for the profile's token,
    ``"derived:<kind>"`` for a token the client derives from the profile's (a secret too, never
    stored here), or a literal bad token for auth cases (never a real secret).
    ``classes`` names the domain classes the case covers (the coverage phase lists them).
    ``method`` and ``path`` are those of the request; an empty ``path`` is the send's (``POST /rest/sms``),
    the life-cycle phase's lookups are ``GET /rest/sms/outbound/{uuid}`` (D67).
    """

    id: str
    phase: str
    kind: str
    expectation: Expectation
    params: Mapping[str, str] = field(default_factory=dict)
    auth: AuthPlacement = AuthPlacement.PROFILE
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
    extra_query: tuple[tuple[str, str], ...] = ()
    classes: tuple[str, ...] = ()
    method: str = "POST"
    path: str = ""
    # sent in flight with others on purpose (the race burst, D59): its latency is not the target's at rest
    in_burst: bool = False

    def query_values(self, name: str) -> tuple[str, ...]:
        """Every value this case sends for query parameter ``name``, in wire order."""
        first = (self.params[name],) if name in self.params else ()
        return first + tuple(value for key, value in self.extra_query if key == name)
