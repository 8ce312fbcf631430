"""Which values are credentials (D54): one rule for every header, query parameter and body member.

A *carrier* is a header, query parameter or JSON/form body member whose name says it holds a
credential: the documented placements (``X-Auth-Token``, ``?jwt=``, the ``?bearer=`` and
``Authorization: Bearer`` variants, S6 and spec/variants/), ``Authorization`` and
``Proxy-Authorization`` of any scheme (RFC 9110 §11.6.2, §11.7.2), ``Cookie`` and ``Set-Cookie``
(RFC 6265), and any name that says token, key, secret, session, auth, password, signature, bearer,
jwt, cookie or credential, in any case. :func:`spans` is the rule: the parts of a carrier's value
that are secret. What keeps a request or response redacts those parts in place (the carrier's name,
an ``Authorization`` scheme word and the cookie names stay, so evidence stays readable), and
:func:`exchange_secrets` hands the same values to the command's ``KnownSecrets`` so every other
occurrence (an echo in a body, percent-encoded, base64…) is redacted as a known secret is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote_plus, unquote_plus, urlencode

from conformance.model.redaction import MIN_ENCODED_LENGTH, REDACTED

__all__ = [
    "MIN_LEARNED_LENGTH",
    "body_text",
    "exchange_secrets",
    "header_value",
    "is_carrier",
    "query_string",
    "spans",
]

# a shorter value (a cookie "1", "en") is redacted where it is carried but not learned: as a known
# secret it would replace every "1" in every artefact
MIN_LEARNED_LENGTH = MIN_ENCODED_LENGTH
# words that make a name a credential's wherever they stand in it
_CREDENTIAL_WORDS = (
    "token",
    "key",
    "secret",
    "session",
    "auth",
    "passw",
    "signature",
    "bearer",
    "jwt",
    "cookie",
    "credential",
)
_SAYS_CREDENTIAL = re.compile("|".join(_CREDENTIAL_WORDS), re.IGNORECASE)
_CHALLENGES = frozenset({"www-authenticate", "proxy-authenticate"})  # they ask for a credential, hold none
_NAMED_CARRIERS = frozenset({"sig", "pwd", "pass", "sid"})  # short names the pattern does not catch
_NOT_BODY_CARRIERS = frozenset({"key"})  # S1's error bodies name the refused field under "key"
_WITH_SCHEME = frozenset({"authorization", "proxy-authorization"})
_COOKIE_ATTRIBUTES = frozenset(
    {"path", "domain", "expires", "max-age", "samesite", "priority", "partitioned", "secure", "httponly"}
)
# one cookie pair (``name=value``, or a nameless value, RFC 6265bis §5.7) or attribute per match
_COOKIE_SEGMENT = re.compile(r"[^;]+")
_SET_COOKIE_SEGMENT = re.compile(r"[^;,]+")
_SCHEME = re.compile(r"\s*[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*\s+(?=\S)")
# every carrier's name, lowered, holds one of the words ``is_carrier`` looks for: a quick test
# before a body's strings are read one by one (a 200 KB body naming no carrier takes 1 ms, not 20)
_CARRIER_WORDS = (*_CREDENTIAL_WORDS, *sorted(_NAMED_CARRIERS))
# re.IGNORECASE matches i and s with two letters lower() leaves as they are (İ lowers to i, K to k)
_IGNORECASE_ALSO = str.maketrans({"\u0131": "i", "\u017f": "s"})
_JSON_STRING = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"')
_JSON_COLON = re.compile(r"\s*:\s*")
_JSON_NUMBER = re.compile(r"-?[0-9][0-9.eE+-]*")
_FORM_PAIR = re.compile(r"(?:^|&)([^=&]{1,200})=([^&]*)")


def is_carrier(name: str, *, body: bool = False) -> bool:
    """Whether a header, query parameter (or, ``body``, a body member) of this name holds a credential."""
    lowered = name.strip().lower()
    if lowered in _CHALLENGES or (body and lowered in _NOT_BODY_CARRIERS):
        return False
    return lowered in _NAMED_CARRIERS or bool(_SAYS_CREDENTIAL.search(lowered))


def _is_cookie_value(name: str | None, *, at_start: bool, header: str) -> bool:
    """Whether a pair of a Cookie (``header`` "cookie") or Set-Cookie header holds a cookie's value: every
    named pair but Set-Cookie's attributes; a nameless one in Cookie, or first in Set-Cookie (after it,
    a bare word is an attribute, ``Secure``, or the rest of an ``Expires`` date)."""
    if name is None:
        return header == "cookie" or at_start
    return header == "cookie" or name.lower() not in _COOKIE_ATTRIBUTES


def spans(name: str, value: str) -> list[tuple[int, int]]:
    """The (start, end) parts of a header's or query parameter's ``value`` that are secret.

    Cookie: each cookie's value; Set-Cookie: each cookie's value, not its attributes (repeats joined
    by ", " as the client keeps them); Authorization and Proxy-Authorization: what follows the scheme
    word (all of it when there is none); any other carrier: the whole value.
    """
    lowered = name.strip().lower()
    if not value.strip() or not is_carrier(lowered):
        return []
    if lowered in ("cookie", "set-cookie"):
        return _cookie_spans(value, lowered)
    start = 0
    if lowered in _WITH_SCHEME and (scheme := _SCHEME.match(value)):
        start = scheme.end()
    begin, end = _trimmed(value, start, len(value))
    return [(begin, end)] if end > begin else []


def _trimmed(value: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` without the white space at either end."""
    part = value[start:end]
    return start + len(part) - len(part.lstrip()), start + len(part.rstrip())


def _cookie_spans(value: str, header: str) -> list[tuple[int, int]]:
    found = []
    pattern = _COOKIE_SEGMENT if header == "cookie" else _SET_COOKIE_SEGMENT
    for segment in pattern.finditer(value):
        start, end = segment.span()
        equals = value.find("=", start, end)
        name = None if equals < 0 else value[start:equals].strip()
        begin, stop = _trimmed(value, start if equals < 0 else equals + 1, end)
        if stop > begin and _is_cookie_value(name, at_start=start == 0, header=header):
            found.append((begin, stop))
    return found


def _splice(value: str, parts: Iterable[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in parts:
        out += [value[last:start], REDACTED]
        last = end
    return "".join(out) + value[last:]


def header_value(name: str, value: str) -> str:
    """``value`` with its secret parts (:func:`spans`) replaced by the marker."""
    return _splice(value, spans(name, value))


def query_string(pairs: Iterable[tuple[str, str]]) -> str:
    """The query string of ``pairs`` with every carrier's value replaced by the (unencoded) marker."""
    return "&".join(
        f"{quote_plus(name)}={REDACTED}" if spans(name, value) else urlencode([(name, value)])
        for name, value in pairs
    )


def _body_spans(text: str) -> list[tuple[int, int]]:
    """The values of a JSON or form body's members whose names are carriers (found in the text, so a
    truncated body is read too, and nothing else of it changes)."""
    if text.lstrip()[:1] in ("{", "["):
        return _json_member_spans(text)
    return [
        match.span(2)
        for match in _FORM_PAIR.finditer(text)
        if match.group(2) and is_carrier(unquote_plus(match.group(1)), body=True)
    ]


def _may_name_carrier(text: str) -> bool:
    """Whether ``text`` may hold a carrier's name: False only when no name in it can be one."""
    lowered = text.lower()
    if "\u0131" in lowered or "\u017f" in lowered:
        lowered = lowered.translate(_IGNORECASE_ALSO)
    return any(word in lowered for word in _CARRIER_WORDS)


def _json_member_spans(text: str) -> list[tuple[int, int]]:
    """One pass over a JSON text's strings, left to right (escapes honoured, so linear in its length):
    the values, string or number, of the members whose names are carriers."""
    if not _may_name_carrier(text):
        return []
    found: list[tuple[int, int]] = []
    position, value_next = 0, False
    carriers: dict[str, bool] = {}  # a name's verdict, once per distinct name: bodies repeat their names
    while (start := text.find('"', position)) >= 0:
        string = _JSON_STRING.match(text, start)
        if string is None:
            break  # an unclosed string: the rest of the text is inside it
        position = string.end()
        if value_next:
            found.append(string.span(1))
            value_next = False
            continue
        colon = _JSON_COLON.match(text, position)
        if colon is None:
            continue
        name = string.group(1)
        if name not in carriers:
            carriers[name] = is_carrier(name, body=True)
        if not carriers[name]:
            continue
        position = colon.end()
        value_next = text.startswith('"', position)
        if (number := _JSON_NUMBER.match(text, position)) is not None:
            found.append(number.span())
            position = number.end()
    return [(begin, end) for begin, end in found if end > begin]


def body_text(text: str) -> str:
    """A body's text with the values of its credential members replaced by the marker."""
    return _splice(text, _body_spans(text))


def _decoded(text: str, *, form: bool) -> str:
    if form:
        return unquote_plus(text)
    try:
        decoded = json.loads(f'"{text}"')
    except ValueError:
        return text
    return decoded if isinstance(decoded, str) else text


def exchange_secrets(
    headers: Iterable[tuple[str, str]] | Mapping[str, str],
    query: Iterable[tuple[str, str]] = (),
    bodies: Iterable[str] = (),
) -> tuple[str, ...]:
    """Every credential value carried by these headers, query parameters and bodies (:func:`spans`),
    as written and decoded, at least :data:`MIN_LEARNED_LENGTH` characters long: for ``KnownSecrets``."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    found: list[str] = []
    for name, value in (*items, *query):
        found += [value[start:end] for start, end in spans(name, value)]
    for text in bodies:
        form = text.lstrip()[:1] not in ("{", "[")
        for start, end in _body_spans(text):
            found += [text[start:end], _decoded(text[start:end], form=form)]
    return tuple(dict.fromkeys(s for s in found if len(s) >= MIN_LEARNED_LENGTH))
