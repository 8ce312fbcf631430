"""Cases for one target: documented examples, coverage of every domain class, hypothesis strategies,
schemathesis, auth, unleased sender.

The coverage phase (``engine/generation/coverage.py``) sends one case of every domain class on every
run; the other phases explore around it. Generation is separate from sending: every phase draws its
values from a ``random.Random`` seeded from the run's seed (the ``generated`` phase: schemathesis
examples drawn under that seed in a child process, ``engine/generation/drawing.py``), so the same
seed always yields the same cases, and the budget and rate limit are applied to a known list (D48).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import strategies as sms
from conformance.contract.classify import classify_params, is_valid_number_param
from conformance.contract.operation import OPERATION_PATH
from conformance.contract.specfile import Spec
from conformance.engine.generation import cache as case_cache
from conformance.engine.generation.auth_matrix import auth_matrix_cases
from conformance.engine.generation.case_builder import CaseBuilder
from conformance.engine.generation.coverage import COVERAGE_PHASE, coverage_cases
from conformance.engine.generation.drawing import Draw, draw_queries
from conformance.engine.generation.strict_body import strict_body_cases
from conformance.engine.leases import value_names_leased
from conformance.engine.phases import PHASES
from conformance.engine.profiles import Profile
from conformance.model.cases import AuthPlacement, Case, Expectation
from conformance.model.deviations import Severity

__all__ = [
    "PHASES",
    "GenerationOptions",
    "generate_cases",
    "negative_only_cases",
    "profile_inputs",
    "unsendable",
]

T = TypeVar("T")

NON_ASCII_TEXT = "Привет 👋 ñandú — 你好"


@dataclass(frozen=True)
class GenerationOptions:
    seed: int = 0
    max_examples: int = 25
    negative_only: bool = False
    phases: tuple[str, ...] = PHASES
    # derived-token kinds that apply to the real token (strategies.derived_tokens.derived_token_kinds);
    # the token itself never reaches generation
    token_kinds: tuple[str, ...] = ()


def _parameter_examples(spec: Spec) -> dict[str, str]:
    parameters = spec.document["components"]["parameters"]
    return {p["name"]: str(p["example"]) for p in parameters.values()}


def _examples(b: CaseBuilder, spec: Spec) -> Iterator[Case]:
    """Replay of the documented examples: the request example, the error example, the 404 example."""
    documented = _parameter_examples(spec)
    sender = documented["FROM"] if documented["FROM"] in b.profile.senders else b.sender()
    ok = {"FROM": sender, "TO": b.destination(0, documented["TO"]), "Message": documented["Message"]}
    yield b.case(
        "examples",
        "documented request example",
        Expectation.SUCCESS,
        ok,
        evidence="spec parameter examples (S1 200 example)",
        decision="D3",
    )
    error = spec.document["paths"][OPERATION_PATH]["post"]["responses"]["500"]["content"]["application/json"]
    for field_key, field in error["examples"]["seed-error-tab-1"]["value"]["fields"].items():
        name = field_key.split(".", 1)[1].upper()
        params = {**ok, name: str(field["value"])}
        yield b.rejected(
            "examples",
            f"documented error example ({field_key}={field['value']})",
            params,
            evidence="S1 error example",
        )
    yield b.case(
        "examples",
        "documented 404 example (unleased sender)",
        Expectation.NOT_FOUND,
        {**ok, "FROM": b.profile.unleased_sender},
        evidence="S1 404 tab",
        decision="D11",
    )


def _auth(b: CaseBuilder, seed: int, token_kinds: tuple[str, ...]) -> Iterator[Case]:
    documented_method = AuthPlacement.HEADER if b.profile.auth.method == "header" else AuthPlacement.JWT_QUERY
    other = AuthPlacement.JWT_QUERY if documented_method is AuthPlacement.HEADER else AuthPlacement.HEADER
    ok = {"FROM": b.sender(), "TO": b.destination(1, "14155550100"), "Message": "auth check"}
    yield b.case(
        "auth",
        "no credentials",
        Expectation.AUTH,
        ok,
        auth=AuthPlacement.NONE,
        token="",
        evidence="S1 header X-auth Token required; 401 inferred (notes §4.5)",
        decision="D12",
    )
    rng = random.Random(seed)
    drawn = [sms.bad_token(rng, kind) for kind in ("empty", "malformed", "wrong", "truncated_jwt") * 2]
    for bad in {t.value: t for t in drawn if t.value is not None}.values():  # each distinct value once
        yield b.case(
            "auth",
            f"{bad.kind} token",
            Expectation.AUTH,
            ok,
            auth=documented_method,
            token=bad.value,
            evidence="S6 JWT authentication; 401 inferred",
            decision="D12",
        )
    yield b.case(
        "auth",
        f"valid token via {other.value}",
        Expectation.SUCCESS,
        ok,
        auth=other,
        evidence="S6: header X-Auth-Token or query param jwt",
        decision="D12",
    )
    yield b.case(
        "auth",
        "valid token, lower-case header name",
        Expectation.SUCCESS,
        ok,
        auth=AuthPlacement.NONE,
        extra_headers={"x-auth-token": "profile"},
        evidence="HTTP header names are case-insensitive; S1 writes 'X-auth Token'",
        decision="D12",
    )
    yield b.case(
        "auth",
        "valid token via Authorization: Bearer (documented variant)",
        Expectation.SUCCESS,
        ok,
        auth=AuthPlacement.BEARER,
        severity=Severity.INFO,
        evidence="S2, S3, S12: Authorization Bearer (variant auth-bearer-header)",
        decision="D12",
    )
    yield from auth_matrix_cases(b, "auth", seed + 1, token_kinds)


def _not_found(b: CaseBuilder) -> Iterator[Case]:
    for index, text in enumerate(("Hello world", NON_ASCII_TEXT)):
        params = {
            "FROM": b.profile.unleased_sender,
            "TO": b.destination(index, "14155550100"),
            "Message": text,
        }
        yield b.case(
            "not_found",
            "unleased sender",
            Expectation.NOT_FOUND,
            params,
            evidence="S1 404 tab",
            decision="D11",
        )
    yield from _not_owned(b)


def _not_owned(b: CaseBuilder) -> Iterator[Case]:
    """Numbers that are not the leased sender but look like it (D58): another spelling that denotes
    another number, or a number of the same shape. A 2xx sends from a number the account does not
    own, or from the leased one for a ``FROM`` that is not exactly it."""
    leased = b.profile.senders[0]
    for spelling in sms.other_numbers_like(leased):
        if spelling.value is None or spelling.value in b.profile.senders:
            continue
        plus = spelling.value.startswith("+")
        yield b.case(
            "not_found",
            f"FROM {spelling.name} of the leased sender ({spelling.value})",
            Expectation.REFUSED if plus else Expectation.NOT_FOUND,
            {"FROM": spelling.value, "TO": b.destination(0, "14155550100"), "Message": "sender ownership"},
            invalid_params=("FROM",),
            classes=(f"sender:{spelling.name}",),
            evidence="S1 404 tab; S13, S14: a send needs the account's lease of that number (D58)",
            decision="D58",
        )


def _negative(b: CaseBuilder, seed: int) -> Iterator[Case]:
    base = {"FROM": b.sender(), "TO": b.destination(2, "14155550100"), "Message": "negative check"}
    rng = random.Random(seed)
    for kind in sms.INVALID_NUMBER_KINDS:
        for param in ("TO", "FROM"):
            bad = sms.invalid_number(rng, kind)
            params = {k: v for k, v in base.items() if k != param}
            if bad.value is not None:
                params[param] = bad.value
            yield b.rejected("negative", f"{param} {kind}", params, evidence="S1 error example (params.to)")
    yield b.rejected(
        "negative",
        "Message missing",
        {k: v for k, v in base.items() if k != "Message"},
        evidence="S1 Message* required",
    )
    yield b.rejected("negative", "Message empty", {**base, "Message": ""}, evidence="S3 message [1 .. 918]")
    yield b.rejected(
        "negative",
        "Message over 918 characters",
        {**base, "Message": "x" * (sms.MAX_MESSAGE_LENGTH + 1)},
        evidence="S3 message [1 .. 918]",
    )
    yield from strict_body_cases(b, "negative")


def _positive(b: CaseBuilder, seed: int, count: int) -> Iterator[Case]:
    rng = random.Random(seed)
    allowed = b.profile.destinations
    for index in range(count):
        to = rng.choice(allowed) if allowed else sms.valid_nanp(rng)
        text = sms.message_text(rng, alphabet="any", max_size=sms.MAX_MESSAGE_LENGTH)
        yield b.case(
            "positive",
            "generated valid send",
            Expectation.SUCCESS,
            {"FROM": b.sender(index), "TO": to, "Message": text},
            evidence="S1 parameters",
            decision="D4",
        )


def _boundaries(b: CaseBuilder, seed: int) -> Iterator[Case]:
    rng = random.Random(seed)
    index = 0
    for length in sms.SMS_LENGTH_BOUNDARIES:
        for alphabet in ("gsm7", "ucs2", "astral"):
            text = sms.text_of_length(rng, length, alphabet)
            index += 1
            yield b.case(
                "boundaries",
                f"Message of {length} {alphabet} characters",
                Expectation.SUCCESS,
                {"FROM": b.sender(index), "TO": b.destination(index, "14155550100"), "Message": text},
                evidence="S3 message [1 .. 918]; SMS segment sizes 70/160",
                decision="D5",
            )
    yield b.case(
        "boundaries",
        "non-ASCII text echoed",
        Expectation.SUCCESS,
        {"FROM": b.sender(), "TO": b.destination(0, "14155550100"), "Message": NON_ASCII_TEXT},
        evidence="S1 Message String",
        decision="D15",
    )


def _stringify(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _from_schemathesis(b: CaseBuilder, query: dict[str, Any], index: int, positive: bool) -> Case | None:
    params = {str(k): _stringify(v) for k, v in query.items() if k != "jwt"}
    if positive or is_valid_number_param(params.get("FROM")):
        params["FROM"] = b.sender(index)
    if b.profile.destinations and is_valid_number_param(params.get("TO")):
        params["TO"] = b.destination(index, "")
    if not classify_params(params):
        if not positive:
            return None  # schemathesis only broke the credentials, which the suite sets itself
        return b.case(
            "generated",
            "schemathesis positive",
            Expectation.SUCCESS,
            params,
            evidence="spec parameters",
            decision="D4",
        )
    if positive:
        return None
    return b.rejected("generated", "schemathesis negative", params, evidence="spec parameter schemas")


def _generated(b: CaseBuilder, spec: Spec, seed: int, count: int) -> Iterator[Case]:
    """schemathesis's positive cases under ``seed``, then its negative ones under ``seed + 1``, both drawn
    in one child process (``engine/drawing.py``, D48), or read from the case cache (D43)."""
    draws = [Draw(seed, count, positive=True), Draw(seed + 1, count, positive=False)]
    key = case_cache.draws_key(spec, OPERATION_PATH, draws)
    drawn = case_cache.cached_draws(key, lambda: draw_queries(spec.copy_document(), OPERATION_PATH, draws))
    for draw, queries in zip(draws, drawn, strict=True):
        for index, query in enumerate(queries):
            converted = _from_schemathesis(b, query, index, draw.positive)
            if converted is not None:
                yield converted


def profile_inputs(profile: Profile) -> dict[str, Any]:
    """The profile fields that shape the cases (the rest, e.g. the URL or the budget, do not): the
    case cache's key holds exactly these."""
    return {
        "auth_method": profile.auth.method,
        "senders": profile.senders,
        "destinations": profile.destinations,
        "unleased_sender": profile.unleased_sender,
        "negative_only": profile.negative_only,
    }


def generate_cases(profile: Profile, spec: Spec, options: GenerationOptions) -> list[Case]:
    """Every case of a run, in sending order; negative-only keeps the ones the docs say must be rejected.

    Inside ``case_cache.caching()`` (``run`` and ``diff`` without ``--no-cache``) the list comes from the
    case cache when it holds one for these inputs."""
    if not case_cache.is_enabled():
        return _generate(profile, spec, options)
    key = case_cache.cache_key(spec, options, profile_inputs(profile))
    return case_cache.cached(key, lambda: _generate(profile, spec, options))


def _generate(profile: Profile, spec: Spec, options: GenerationOptions) -> list[Case]:
    b = CaseBuilder(profile)
    seed, count = options.seed, options.max_examples
    producers: dict[str, Callable[[], Iterator[Case]]] = {
        "examples": lambda: _examples(b, spec),
        COVERAGE_PHASE: lambda: coverage_cases(b, seed + 7, options.token_kinds),
        "auth": lambda: _auth(b, seed + 1, options.token_kinds),
        "not_found": lambda: _not_found(b),
        "negative": lambda: _negative(b, seed + 2),
        "positive": lambda: _positive(b, seed + 3, count),
        "boundaries": lambda: _boundaries(b, seed + 4),
        "generated": lambda: _generated(b, spec, seed + 5, count),
    }
    cases: list[Case] = []
    for phase in PHASES:
        if phase in options.phases:
            cases.extend(producers[phase]())
    if options.negative_only or profile.negative_only:
        cases = negative_only_cases(cases, profile)
    return cases


def unsendable(case: Case, profile: Profile) -> Case | None:
    """A rejected case in a form no server can send, or None when there is no such form (D18).

    No value of the request may be read as a leased sender by any lenient parser
    (``conformance.engine.leases``). A case whose ``FROM`` names a leased sender while its defect is
    elsewhere (``TO``, ``Message``, credentials) is sent from the profile's unleased sender instead,
    and then expects any documented refusal (``Expectation.REFUSED``). A case whose defective value
    itself reads as a leased sender (``FROM=+12017771234``), or whose other values do, is dropped.
    """
    if not case.expectation.rejects:
        return None
    unsafe = {name for name, value in case.params.items() if value_names_leased(value, profile.senders)}
    if not unsafe:
        return case
    if unsafe != {"FROM"} or "FROM" in case.invalid_params:
        return None
    if value_names_leased(profile.unleased_sender, profile.senders):
        return None  # a profile whose unleased sender reads as a leased one: nothing is safe to rewrite
    params = {**case.params, "FROM": profile.unleased_sender}
    expectation = Expectation.NOT_FOUND if case.expectation is Expectation.NOT_FOUND else Expectation.REFUSED
    return replace(
        case,
        params=params,
        expectation=expectation,
        kind=f"{case.kind} (from the unleased sender, D18)",
        decision="D18",
    )


def negative_only_cases(cases: list[Case], profile: Profile) -> list[Case]:
    """The cases the documentation says must be rejected, each in a form that cannot send (D18)."""
    kept = (unsendable(case, profile) for case in cases)
    return [case for case in kept if case is not None]
