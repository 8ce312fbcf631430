"""Sending: how a case leaves the process, and nothing else.

Holds ``client`` (the target client: credentials, the send budget, the rate limit, deadlines,
bounded bodies), ``sender`` (cases to exchanges, one or many in flight), ``inflight`` (answers in
order), ``resend`` (429 waits and deliberate re-sends), and what the client stands on over httpx:
``deadline_transport`` and ``deadline_backend`` (one total deadline per request, D19),
``environment_proxy`` (proxies from the environment) and ``response_body`` (bounded decoding of an
answer's body).

May import: the engine's shared modules (``profiles``, ``leases``, ``phases``, ``tls_roots``) and
the model. It knows nothing of generation, traffic observation or the run that uses it.
"""
