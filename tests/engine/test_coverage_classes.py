"""The coverage phase holds a case of every domain class on every seed, read from the values it sends.

Each class is recognised by a predicate on what goes on the wire (the Message, the TO values, the
token the client puts in the header), written here independently of the generator; the generator's
own labels must agree with the predicates, and every expectation must be the classifier's.
"""

from __future__ import annotations

import base64
import json
import re
import time
import unicodedata
from collections.abc import Callable
from urllib.parse import quote_plus

import pytest

from conformance.contract.classify import classify_params, strongest
from conformance.contract.specfile import load_spec
from conformance.engine.generation.cases import GenerationOptions, generate_cases
from conformance.engine.profiles import mock_profile
from conformance.engine.sending.client import TargetClient
from conformance.model.cases import Case, Expectation
from conformance.model.deviations import Severity
from strategies.derived_tokens import derived_token_kinds

SEEDS = (0, 1, 2, 3, 4)
GSM7 = set(
    "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà\n\r"
)
EXTENSION = set("^{}\\[~]|€\f")


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


JWT = ".".join(
    (
        _b64({"alg": "HS256", "typ": "JWT"}),
        _b64({"sub": "coverage-test", "iat": 1_900_000_000, "exp": 1_900_086_400}),
        base64.urlsafe_b64encode(bytes(range(32))).rstrip(b"=").decode(),
    )
)


def septets(text: str) -> int:
    return sum(2 if c in EXTENSION else 1 for c in text)


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def message(case: Case) -> str:
    return case.params.get("Message", "") if case.expectation.may_succeed else ""


def to_values(case: Case) -> tuple[str, ...]:
    return case.query_values("TO")


def single_to(case: Case) -> str | None:
    values = to_values(case)
    return values[0] if len(values) == 1 else None


def request_line(case: Case) -> int:
    query = "&".join(f"{k}={quote_plus(v)}" for k, v in case.params.items())
    return len(f"POST /rest/sms?{query} HTTP/1.1")


def header_token(case: Case) -> str | None:
    client = TargetClient("http://127.0.0.1:9", JWT, timeout_s=1)
    try:
        return dict(client.build(case).headers).get("X-Auth-Token")
    finally:
        client.close()


def claims(token: str, index: int) -> dict[str, object]:
    """A JSON segment of a JWT-shaped token, or {} when it is none."""
    try:
        segment = token.split(".")[index]
        decoded = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError):
        return {}
    return decoded if isinstance(decoded, dict) else {}


def digits_of(value: str | None) -> bool:
    return value is not None and value.isascii() and value.isdigit()


TEXT: dict[str, Callable[[str], bool]] = {
    "text:html-xml-specials": lambda m: all(c in m for c in "&<>\"'"),
    "text:url-reserved": lambda m: all(c in m for c in "+&=#%?"),
    "text:surrounding-spaces": lambda m: m.startswith(" ") and m.endswith(" "),
    "text:surrounding-tabs": lambda m: m.startswith("\t") and m.endswith("\t"),
    "text:line-feed": lambda m: "\n" in m.replace("\r\n", ""),
    "text:crlf": lambda m: "\r\n" in m,
    "text:gsm7-extension": lambda m: set(m) >= EXTENSION,
    "text:ucs2": lambda m: (
        any(c not in GSM7 | EXTENSION and ord(c) <= 0xFFFF for c in m) and units(m) == len(m)
    ),
    "text:astral-emoji": lambda m: any(0x1F300 <= ord(c) <= 0x1FAFF for c in m),
    "text:zwj-sequence": lambda m: (
        re.search("[\U0001f000-\U0001faff]\ufe0f?\u200d[\U0001f000-\U0001faff]", m) is not None
    ),
    "text:skin-tone-modifier": lambda m: any(0x1F3FB <= ord(c) <= 0x1F3FF for c in m),
    "text:combining-marks": lambda m: (
        any(unicodedata.combining(c) for c in m) and unicodedata.normalize("NFC", m) != m
    ),
    "text:right-to-left": lambda m: any(unicodedata.bidirectional(c) in ("R", "AL") for c in m),
    "text:zero-width": lambda m: any(c in m for c in "\u200b\u200c\u200d\u2060\ufeff"),
}

LENGTH: dict[str, Callable[[Case], bool]] = {
    "length:gsm7-160-chars": lambda c: len(message(c)) == 160 and set(message(c)) <= GSM7,
    "length:gsm7-161-chars": lambda c: len(message(c)) == 161 and set(message(c)) <= GSM7,
    "length:gsm7-160-septets-with-extension": lambda c: (
        septets(message(c)) == 160 and len(message(c)) < 160 and set(message(c)) <= GSM7 | EXTENSION
    ),
    "length:gsm7-161-septets-with-extension": lambda c: (
        septets(message(c)) == 161 and len(message(c)) < 160 and set(message(c)) <= GSM7 | EXTENSION
    ),
    "length:ucs2-70-chars": lambda c: len(message(c)) == 70 and not set(message(c)) <= GSM7 | EXTENSION,
    "length:ucs2-71-chars": lambda c: len(message(c)) == 71 and not set(message(c)) <= GSM7 | EXTENSION,
    "length:utf16-918-units": lambda c: units(message(c)) == 918 and len(message(c)) == 459,
    "length:utf16-1836-units": lambda c: (
        len(message(c)) == 918 and units(message(c)) == 1836 and len(message(c).encode()) == 3672
    ),
    "length:utf8-2754-bytes": lambda c: len(message(c)) == 918 and len(message(c).encode()) == 2754,
    "length:gsm7-918-chars": lambda c: len(message(c)) == 918 and set(message(c)) <= GSM7,
    "length:astral-919-chars": lambda c: (
        c.expectation is Expectation.VALIDATION and len(c.params.get("Message", "")) == 919
    ),
    "length:request-line-under-8KiB": lambda c: (
        c.expectation is Expectation.SUCCESS and 8192 - 100 <= request_line(c) < 8192
    ),
    "length:request-line-over-8KiB": lambda c: (
        c.expectation is Expectation.SUCCESS
        and 8192 < request_line(c) <= 8192 + 100
        and len(message(c)) <= 918
    ),
}

NUMBER: dict[str, Callable[[Case], bool]] = {
    "number:leading-plus": lambda c: (v := single_to(c)) is not None and v[:1] == "+" and digits_of(v[1:]),
    "number:leading-zeros": lambda c: (v := single_to(c)) is not None and v[:1] == "0" and digits_of(v),
    "number:trailing-junk": lambda c: re.fullmatch(r"[0-9]{3,}[a-z]+", single_to(c) or "") is not None,
    "number:inner-sign": lambda c: re.fullmatch(r"[0-9]+[-+][0-9]+", single_to(c) or "") is not None,
    "number:decimal": lambda c: re.fullmatch(r"[0-9]+\.[0-9]+", single_to(c) or "") is not None,
    "number:exponent": lambda c: re.fullmatch(r"[0-9](\.[0-9]+)?e[0-9]+", single_to(c) or "") is not None,
    "number:fullwidth-digits": lambda c: (
        bool(single_to(c)) and all("\uff10" <= ch <= "\uff19" for ch in single_to(c) or "")
    ),
    "number:other-unicode-digits": lambda c: (
        bool(single_to(c))
        and all(
            unicodedata.category(ch) == "Nd" and not ch.isascii() and not "\uff10" <= ch <= "\uff19"
            for ch in single_to(c) or ""
        )
    ),
    "number:surrounding-whitespace": lambda c: (
        (v := single_to(c)) is not None and v != v.strip() and digits_of(v.strip())
    ),
    "number:inner-whitespace": lambda c: re.fullmatch(r"[0-9]+ [0-9]+", single_to(c) or "") is not None,
    "number:too-short": lambda c: digits_of(v := single_to(c)) and len(v or "") < 3,
    "number:too-long": lambda c: digits_of(v := single_to(c)) and len(v or "") > 15,
    "number:empty": lambda c: single_to(c) == "",
    "number:missing": lambda c: not to_values(c) and c.expectation is Expectation.VALIDATION,
    "number:repeated-parameter": lambda c: len(to_values(c)) == 2 and any(map(digits_of, to_values(c))),
}

TOKEN: dict[str, Callable[[str], bool]] = {
    "token:case_flipped": lambda t: t == JWT.swapcase(),
    "token:one_char_changed": lambda t: (
        len(t) == len(JWT) and sum(a != b for a, b in zip(t, JWT, strict=True)) == 1
    ),
    "token:truncated": lambda t: JWT.startswith(t) and len(t) < len(JWT),
    "token:extended": lambda t: t.startswith(JWT) and len(t) > len(JWT),
    "token:signature_stripped": lambda t: t.endswith(".") and t[:-1] == JWT.rsplit(".", 1)[0],
    "token:alg_none": lambda t: claims(t, 0).get("alg") == "none" and t.split(".")[1] == JWT.split(".")[1],
    "token:expired": lambda t: (
        t.count(".") == 2
        and isinstance(exp := claims(t, 1).get("exp"), int)
        and exp < time.time()
        and t.split(".")[0] == JWT.split(".")[0]
    ),
    "token:random-wrong": lambda t: (
        re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+", t, re.ASCII) is not None
        and t.split(".")[1] != JWT.split(".")[1]
    ),
    "token:random-malformed": lambda t: re.fullmatch(r"[\w-]+\.[\w-]+(\.[\w-]*)?", t, re.ASCII) is None,
}


def coverage(seed: int) -> list[Case]:
    options = GenerationOptions(seed=seed, phases=("coverage",), token_kinds=derived_token_kinds(JWT))
    return generate_cases(mock_profile(), load_spec(), options)


def observed_classes(case: Case) -> set[str]:
    found = {name for name, test in TEXT.items() if case.expectation.may_succeed and test(message(case))}
    found |= {name for name, test in LENGTH.items() if test(case)}
    found |= {name for name, test in NUMBER.items() if test(case)}
    if case.expectation is Expectation.AUTH:
        token = header_token(case)
        found |= {name for name, test in TOKEN.items() if token is not None and test(token)}
    return found


@pytest.mark.parametrize("seed", SEEDS)
def test_the_coverage_phase_sends_every_domain_class_on_each_seed(seed: int) -> None:
    cases = coverage(seed)
    seen: dict[str, list[Case]] = {}
    for case in cases:
        for name in observed_classes(case):
            seen.setdefault(name, []).append(case)
    required = {*TEXT, *LENGTH, *NUMBER, *TOKEN}
    assert required - seen.keys() == set()
    for name, holders in seen.items():  # the label of at least one holder names the class it shows
        assert any(name in case.classes for case in holders), name
    assert all(case.classes for case in cases)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_every_coverage_expectation_is_the_classifiers(seed: int) -> None:
    for case in coverage(seed):
        problems = classify_params(case.params)
        if case.expectation is Expectation.VALIDATION:
            assert problems and case.severity is strongest(problems)
        elif case.expectation is Expectation.SUCCESS:
            assert not problems
        elif case.expectation is Expectation.EITHER:
            assert any(classify_params({**case.params, "TO": v}) for v in case.query_values("TO"))
            assert not all(classify_params({**case.params, "TO": v}) for v in case.query_values("TO"))
    by_class = {name: case for case in coverage(seed) for name in case.classes}
    # D4/D33: letters anywhere (junk after the digits, an exponent) are errors; spellings the docs leave open
    # are warnings; leading zeros match the pattern, so refusing them is only a warning
    assert by_class["number:trailing-junk"].severity is Severity.ERROR
    assert by_class["number:exponent"].severity is Severity.ERROR
    for name in ("leading-plus", "inner-sign", "decimal", "fullwidth-digits", "surrounding-whitespace"):
        assert by_class[f"number:{name}"].severity is Severity.WARNING, name
    assert by_class["number:leading-zeros"].expectation is Expectation.SUCCESS
    assert by_class["number:leading-zeros"].severity is Severity.WARNING


def test_coverage_values_vary_with_the_seed_but_not_the_classes() -> None:
    first, second = coverage(1), coverage(2)
    assert [c.classes for c in first] == [c.classes for c in second]
    assert [c.params for c in first] != [c.params for c in second]
    assert [c.params for c in coverage(1)] == [c.params for c in first]


def test_an_opaque_token_gets_only_the_kinds_that_apply_to_it() -> None:
    options = GenerationOptions(
        seed=0, phases=("coverage",), token_kinds=derived_token_kinds("opaque-0123abcd")
    )
    kinds = {c.token for c in generate_cases(mock_profile(), load_spec(), options)}
    derived = {k for k in kinds if k.startswith("derived:")}
    assert derived == {
        "derived:case_flipped",
        "derived:one_char_changed",
        "derived:truncated",
        "derived:extended",
    }
