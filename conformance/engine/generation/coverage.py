"""The coverage phase: at least one case of every domain class, on every run, whatever the seed.

Exploration (hypothesis) finds what nobody thought of, but which deviations it finds depends on the
seed. This phase is the floor under it: one message text per text class, one text at each length
boundary in every unit a server may count, one spelling of the destination per number class, the
destination given twice, and tokens derived from the real one. The class-defining content is fixed;
the words, digits and positions around it come from a ``random.Random`` seeded by the run's seed.
Every expectation comes from the classifier (D4, D5, D33) or from D34/D35.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from urllib.parse import urlencode

import strategies as sms
from conformance.contract.classify import MAX_MESSAGE_LENGTH, classify_params, strongest
from conformance.contract.operation import OPERATION_PATH
from conformance.engine.generation.case_builder import CaseBuilder
from conformance.engine.phases import COVERAGE_PHASE
from conformance.engine.sending.client import DERIVED_TOKEN_PREFIX
from conformance.model.cases import AuthPlacement, Case, Expectation
from conformance.model.deviations import Severity
from strategies.derived_tokens import DERIVED_TOKEN_KINDS
from strategies.number_classes import number_class_values
from strategies.text_classes import length_class_texts, text_class_texts

__all__ = [
    "COVERAGE_PHASE",
    "QUERY_LIMIT_BYTES",
    "coverage_cases",
    "request_line_length",
]

#: Request-line limits of common front ends: nginx's 8 KiB header buffer, Apache's LimitRequestLine 8190.
QUERY_LIMIT_BYTES = 8192
_QUERY_MARGIN = 64  # bytes below and above the limit
_FALLBACK_DESTINATIONS = ("14155550100", "12125550123")
_JUNK_VALUE = "qwerty123456789"  # the documented invalid value (S1 error example)
_CJK = "你好世界中文信息短消息测试"
_ASCII = "abcdefghijklmnopqrstuvwxyz"


def request_line_length(params: Mapping[str, str]) -> int:
    """Bytes of ``POST /rest/sms?<query> HTTP/1.1``, the query encoded as the client sends it (the
    encoding of ``RecordedRequest.url``)."""
    query = urlencode(list(params.items()))
    return len(f"POST {OPERATION_PATH}?{query} HTTP/1.1")


def _text_of_request_line(rng: random.Random, params: Mapping[str, str], target: int) -> str:
    """A message (at most 918 characters) that makes the request line exactly `target` bytes long."""
    room = target - request_line_length({**params, "Message": ""})
    wide, narrow = divmod(room, 9)  # a CJK character is 3 UTF-8 bytes, 9 once percent-encoded
    wide = min(wide, MAX_MESSAGE_LENGTH - narrow)  # never past 918 characters (then a little short)
    characters = [rng.choice(_CJK) for _ in range(wide)] + [rng.choice(_ASCII) for _ in range(narrow)]
    rng.shuffle(characters)
    return "".join(characters)


def _success(
    b: CaseBuilder, kind: str, params: Mapping[str, str], classes: tuple[str, ...], **extra: object
) -> Case:
    extra.setdefault("evidence", "S1 Message String; S3 message [1 .. 918]")
    extra.setdefault("decision", "D5")
    return b.case(COVERAGE_PHASE, kind, Expectation.SUCCESS, params, classes=classes, **extra)


def _texts(b: CaseBuilder, rng: random.Random) -> Iterator[Case]:
    for index, text in enumerate(text_class_texts(rng)):
        params = {
            "FROM": b.sender(index),
            "TO": b.destination(index, _FALLBACK_DESTINATIONS[0]),
            "Message": text.value,
        }
        yield _success(
            b,
            f"Message of class {text.name}",
            params,
            (text.name,),
            decision="D15",
            evidence="S1 Message String; echoed code point for code point (D15)",
        )


def _lengths(b: CaseBuilder, rng: random.Random) -> Iterator[Case]:
    for index, text in enumerate(length_class_texts(rng)):
        params = {
            "FROM": b.sender(index),
            "TO": b.destination(index, _FALLBACK_DESTINATIONS[0]),
            "Message": text.value,
        }
        kind = f"Message at {text.name}"
        if text.valid:
            yield _success(b, kind, params, (text.name,))
        else:
            yield b.rejected(
                COVERAGE_PHASE, kind, params, classes=(text.name,), evidence="S3 message [1 .. 918]"
            )
    base = {"FROM": b.sender(), "TO": b.destination(0, _FALLBACK_DESTINATIONS[0])}
    for name, target in (
        ("length:request-line-under-8KiB", QUERY_LIMIT_BYTES - _QUERY_MARGIN),
        ("length:request-line-over-8KiB", QUERY_LIMIT_BYTES + _QUERY_MARGIN),
    ):
        params = {**base, "Message": _text_of_request_line(rng, base, target)}
        yield _success(
            b,
            f"Message making a {target}-byte request line",
            params,
            (name,),
            decision="D35",
            evidence="S1 puts Message in the query; S3 allows 918 characters (D35)",
        )


def _numbers(b: CaseBuilder, rng: random.Random) -> Iterator[Case]:
    destination = b.destination(2, _FALLBACK_DESTINATIONS[0])
    base = {"FROM": b.sender(), "TO": destination, "Message": "coverage number check"}
    for spelling in number_class_values(rng, destination):
        params = {k: v for k, v in base.items() if k != "TO"}
        if spelling.value is not None:
            params["TO"] = spelling.value
        kind = f"TO of class {spelling.name}"
        if classify_params(params):
            yield b.rejected(
                COVERAGE_PHASE,
                kind,
                params,
                classes=(spelling.name,),
                evidence="S1 error example (params.to invalid integer number)",
            )
        elif b.profile.destinations:  # an allow-list: valid sends go to its entries exactly as written
            continue
        else:  # digits only, e.g. leading zeros: the pattern admits them, S1 says only "Number" (D33)
            yield _success(
                b,
                kind,
                params,
                (spelling.name,),
                severity=Severity.WARNING,
                decision="D33",
                evidence="spec PhoneDigits ^[0-9]{3,15}$; S1 TO Number",
            )
    yield from _sender_spellings(b, rng, base)
    junk = _JUNK_VALUE if rng.random() < 0.5 else destination + "abc"
    for order, (first, second) in enumerate(((destination, junk), (junk, destination))):
        yield b.case(
            COVERAGE_PHASE,
            f"TO given twice ({'valid first' if order == 0 else 'invalid first'})",
            Expectation.EITHER,
            {**base, "TO": first},
            extra_query=(("TO", second),),
            classes=("number:repeated-parameter",),
            evidence="S1 TO* is one Number; a repeated parameter is undocumented (D34)",
            decision="D34",
        )


def _sender_spellings(b: CaseBuilder, rng: random.Random, base: Mapping[str, str]) -> Iterator[Case]:
    """``FROM`` is a Number as ``TO`` is (D4): the leased sender in each spelling the contract refuses
    (a ``+``, letters, spaces, other digits, a decimal point …). Any documented refusal passes (a
    strict server may look the lease up before it checks the format, D58); a 2xx is the spelling's D4
    severity. The spellings a lenient parser reads as the leased number can send an SMS: they count
    against the budget (D17) and ``--negative-only`` leaves them out (D18)."""
    sender = base["FROM"]
    for spelling in number_class_values(rng, sender):
        params = {k: v for k, v in base.items() if k != "FROM"}
        if spelling.value is not None:
            params["FROM"] = spelling.value
        problems = classify_params(params)
        if not problems:  # digits only (leading zeros): the same number under D33, nothing to refuse
            continue
        yield b.case(
            COVERAGE_PHASE,
            f"FROM (the leased sender) of class {spelling.name}",
            Expectation.REFUSED,
            params,
            severity=strongest(problems),
            invalid_params=tuple(p.param for p in problems),
            classes=(spelling.name.replace("number:", "sender:", 1),),
            decision="D4",
            evidence="S1 FROM* Number; S1 error example (invalid integer number)",
        )


def _tokens(
    b: CaseBuilder, rng: random.Random, auth: AuthPlacement, token_kinds: tuple[str, ...]
) -> Iterator[Case]:
    ok = {"FROM": b.sender(), "TO": b.destination(1, _FALLBACK_DESTINATIONS[1]), "Message": "coverage auth"}
    for kind in (k for k in DERIVED_TOKEN_KINDS if k in token_kinds):
        # the case holds a reference; the client derives the token from the real one when it sends
        yield b.case(
            COVERAGE_PHASE,
            f"token derived from the real one: {kind}",
            Expectation.AUTH,
            ok,
            auth=auth,
            token=DERIVED_TOKEN_PREFIX + kind,
            classes=(f"token:{kind}",),
            evidence="S6 JWT authentication; 401 inferred (D12)",
            decision="D12",
        )
    for random_kind in ("wrong", "malformed"):  # besides the derived ones: a random JWT and random text
        bad = sms.bad_token(rng, random_kind)
        yield b.case(
            COVERAGE_PHASE,
            f"random {bad.kind} token",
            Expectation.AUTH,
            ok,
            auth=auth,
            token=bad.value or "",
            classes=(f"token:random-{bad.kind}",),
            evidence="S6 JWT authentication; 401 inferred (D12)",
            decision="D12",
        )


def coverage_cases(b: CaseBuilder, seed: int, token_kinds: tuple[str, ...] = ()) -> Iterator[Case]:
    """Every coverage case, in sending order: texts, lengths, numbers, tokens.

    ``token_kinds`` are the derived-token kinds that apply to the real token (the token itself stays
    out of the cases: each such case carries the reference ``derived:<kind>``).
    """
    rng = random.Random(seed)
    auth = AuthPlacement.HEADER if b.profile.auth.method == "header" else AuthPlacement.JWT_QUERY
    yield from _texts(b, rng)
    yield from _lengths(b, rng)
    yield from _numbers(b, rng)
    yield from _tokens(b, rng, auth, token_kinds)
