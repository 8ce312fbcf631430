"""Every way a target may write a secret back is found and redacted, each character escaped its own way.

An encoder written here, independently of ``conformance.model.redaction``, writes a secret (or its
base64, base64url or hex, or a JWT's signature) with each character in a form drawn at random: itself
(in the other case where the form allows it), percent-encoded per UTF-8 byte, a JSON ``\\u`` escape (a
surrogate pair beyond U+FFFF), an HTML decimal or hex reference with leading zeros, a named or short
escape, ``+`` for a space; hex digits, ``u`` and ``x`` in either case. The text around it is anything.

``find_secrets`` and ``Redactor`` screen a text before compiling a secret's full pattern, twice (a run
of characters the forms may be written with, as long as the shortest form; then the start of a form,
each of its first characters in any of its ways): if a screen ever passed over a text that holds the
secret, these tests would find the secret missed or left in the output.
"""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conformance.model import redaction
from conformance.model.redaction import REDACTED, Redactor, find_secrets

SECRET_CHARS = st.characters(codec="utf-8")  # no surrogate: UTF-8 cannot hold one
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
NAMED = {"&": ["&amp;"], "<": ["&lt;"], ">": ["&gt;"], '"': ["&quot;", '\\"'], "'": ["&#39;"]}
SHORT = {"\\": ["\\\\"], "/": ["\\/"], " ": ["+"]}


def _hex(draw: st.DrawFn, value: int, width: int) -> str:
    digits = f"{value:0{width}x}"
    return "".join(c.upper() if draw(st.booleans()) else c for c in digits)


def _json_escape(draw: st.DrawFn, char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return "\\" + draw(st.sampled_from("uU")) + _hex(draw, code, 4)
    high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
    return "".join("\\" + draw(st.sampled_from("uU")) + _hex(draw, half, 4) for half in (high, low))


def _one_char(draw: st.DrawFn, char: str, *, fold_case: bool) -> str:
    zeros = "0" * draw(st.integers(0, 3))
    forms = [
        char,
        "".join("%" + _hex(draw, byte, 2) for byte in char.encode("utf-8")),
        _json_escape(draw, char),
        f"&#{zeros}{ord(char)};",
        "&#" + draw(st.sampled_from("xX")) + zeros + _hex(draw, ord(char), 1) + ";",
        *NAMED.get(char, []),
        *SHORT.get(char, []),
    ]
    if fold_case:
        forms += [v for v in (char.lower(), char.upper()) if len(v) == 1]
    return draw(st.sampled_from(forms))


@st.composite
def written(draw: st.DrawFn, text: str, *, fold_case: bool) -> str:
    """``text`` with each character written in a form drawn at random."""
    return "".join(_one_char(draw, char, fold_case=fold_case) for char in text)


@st.composite
def secret_and_echo(draw: st.DrawFn) -> tuple[str, str]:
    """A secret and a text around it that holds one of the secret's forms, each character escaped."""
    secret = draw(st.text(SECRET_CHARS, min_size=6, max_size=30))
    raw = secret.encode("utf-8")
    kind = draw(st.sampled_from(["itself", "base64", "base64url", "hex", "jwt signature"]))
    if kind == "itself":
        echo = draw(written(secret, fold_case=True))
    elif kind in ("base64", "base64url"):
        before, after = draw(st.binary(max_size=4)), draw(st.binary(max_size=4))
        encode = base64.b64encode if kind == "base64" else base64.urlsafe_b64encode
        echo = draw(written(encode(before + raw + after).decode("ascii"), fold_case=False))
    elif kind == "hex":
        echo = raw.hex().upper() if draw(st.booleans()) else raw.hex()
    else:
        part = st.text(BASE64URL, min_size=1, max_size=12)
        signature = draw(st.text("abcdefXYZ0123456789-_", min_size=16, max_size=40))
        secret = f"{draw(part)}.{draw(part)}.{signature}"
        echo = draw(written(signature, fold_case=False))
    around = st.text(max_size=20)
    return secret, draw(around) + echo + draw(around)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret_and_echo())
def test_a_secret_written_in_any_mix_of_forms_is_found_and_redacted(case: tuple[str, str]) -> None:
    secret, text = case
    assert find_secrets(text, [secret]), f"{secret!r} not found in {text!r}"
    assert REDACTED in Redactor([secret]).text(text)


@settings(max_examples=100, deadline=None)
@given(st.text(SECRET_CHARS, min_size=6, max_size=30), st.text(max_size=80), st.data())
def test_find_secrets_and_the_redactor_agree_on_any_text(
    secret: str, noise: str, data: st.DataObject
) -> None:
    """Whatever the text (noise, a piece of the secret's echo, or the whole), a text the redactor
    changes is one ``find_secrets`` reports, and only such a text. A secret that is the marker itself is
    replaced by itself, found but unchanged (hypothesis draws the marker: it is a constant of a local
    module), so it is left out."""
    assume(secret != REDACTED)
    echo = data.draw(written(secret, fold_case=True))
    cut = data.draw(st.integers(0, len(echo)))
    text = noise + echo[:cut] if data.draw(st.booleans()) else noise
    assert bool(find_secrets(text, [secret])) == (Redactor([secret]).text(text) != text)


@settings(max_examples=50, deadline=None)
@given(st.uuids(), st.text("0123456789abcdef-", min_size=31, max_size=31))
def test_a_message_uuid_passes_no_quick_test_of_a_token_as_long_as_a_uuid(uuid: object, tail: str) -> None:
    """A run's answers are full of message uuids, and the embedded mock's tokens (``mock-`` and 32 hex
    digits, and the tokens derived from it) are about as long: the run of hexadecimal digits that a uuid
    is lets it through the first quick test, and the start of the token's forms stops it, so the token's
    full pattern is not compiled for it."""
    secret, text = "mock-" + tail, f'{{"uuid": "{uuid}"}}'
    assert redaction._secret_screen(secret).search(text)  # the first test alone would compile
    assert not redaction._may_hold(text, secret)
    assert Redactor([secret]).text(text) == text


@settings(max_examples=50, deadline=None)
@given(st.text(SECRET_CHARS, min_size=6, max_size=12), st.lists(st.integers(0, 5), max_size=40), st.data())
def test_a_redactor_asked_again_answers_as_a_new_one_would(
    secret: str, picks: list[int], data: st.DataObject
) -> None:
    """A Redactor remembers its answers (within ``MEMO_CHARACTERS``, then it starts again): asked the
    same texts in any order, again and again, it answers each as a redactor that never saw it."""
    texts = [data.draw(st.text(max_size=30)) + data.draw(written(secret, fold_case=True)) for _ in range(3)]
    texts += [data.draw(st.text(max_size=30)) for _ in range(3)]
    remembering = Redactor([secret])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(redaction, "MEMO_CHARACTERS", 400)  # starts again within the test
        for pick in picks:
            assert remembering.text(texts[pick]) == Redactor([secret]).text(texts[pick])
