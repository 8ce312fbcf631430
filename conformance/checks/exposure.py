"""What a response must not reveal: the caller's credential, and the server's internals (D61).

``token_exposure``: the token authenticates paid sends, so a response that carries it in any form the
redactor knows (raw, case-changed, percent- or JSON- or HTML-escaped, base64/base64url at any alignment,
hex, a JWT's signature alone) hands it to every log, cache, error tracker and screen the response
reaches. The token is the run's (and the tokens derived from it) and whatever credential the request
carried (D54); a credential the *server* issued in this response (a session cookie) is not the caller's.
The deviation says where (the header's name, the body's JSON pointer or byte offset) and in which form,
and never shows the value: every text of a deviation is redacted of the same secrets.

``internal_details``: a stack trace, a server file path or a database error in a response tells whoever
reads it how the server is built. Each kind is a class of text with a recognisable shape (a Python
``Traceback``, a Java ``at pkg.Class.method(File.java:12)`` frame, a PHP ``in /x.php on line 3``…), not
a list of known messages. What the client sent and the server echoes (a message mentioning
``/home/``) is the client's own text: a finding inside any sent text is not reported.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from conformance.checks.base import CheckContext, register
from conformance.checks.response_text import (
    Place,
    body_places,
    body_texts,
    byte_offset,
    header_places,
    sent_texts,
)
from conformance.model import credentials
from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.exchange import Exchange, redact_text
from conformance.model.redaction import find_secrets

__all__ = [
    "INTERNAL_DETAILS",
    "MIN_TOKEN_LENGTH",
    "InternalDetail",
    "check_internal_details",
    "check_token_exposure",
]

# a shorter token would be found in ordinary words; profiles' tokens are far longer
MIN_TOKEN_LENGTH = 8
MAX_PLACES = 20  # places reported per response: an echo everywhere is one finding, many times
OWASP_API8 = "OWASP API Security Top 10 2023, API8 Security Misconfiguration"


def _callers_tokens(ctx: CheckContext, exchange: Exchange) -> tuple[str, ...]:
    """The run's tokens and the request's credentials, without what the server itself issued here."""
    requested = exchange.request.credentials()
    issued = set() if exchange.response is None else set(exchange.response.credentials()) - set(requested)
    tokens = dict.fromkeys((*ctx.secrets, *requested))
    return tuple(token for token in tokens if len(token) >= MIN_TOKEN_LENGTH and token not in issued)


def _cookies_sent(exchange: Exchange) -> set[str]:
    """The cookie values the request sent back: a Set-Cookie renewing one of them reveals nothing."""
    return {
        value[start:end]
        for name, value in exchange.request.headers
        if name.lower() == "cookie"
        for start, end in credentials.spans(name, value)
    }


def _inside_sent(found: str, sent: tuple[str, ...]) -> bool:
    return any(found in text for text in sent)


@register("token_exposure")
def check_token_exposure(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """The caller's token in a response, in any form the redactor knows (D61)."""
    response = exchange.response
    tokens = _callers_tokens(ctx, exchange)
    if response is None or not tokens:
        return
    sent, renewed = sent_texts(exchange), _cookies_sent(exchange)
    inside_sent = functools.partial(_inside_sent, sent=sent)
    secrets = (*ctx.secrets, *exchange.credentials())
    headers = list(header_places(response))
    head, body = "\n".join(place.text for place in headers), response.body.decode("utf-8", "surrogateescape")
    if not (find_secrets(head, tokens) or find_secrets(body, tokens)):
        return  # one pass over the answer as it came first (the patterns know JSON escapes): most hold none
    del body  # the places below decode what they need; a megabyte body is not held twice meanwhile
    reported = 0
    for place in (*headers, *body_places(response)):
        wanted = [t for t in tokens if place.where != "header set-cookie" or t not in renewed]
        found = [f for f in find_secrets(place.text, wanted) if not inside_sent(place.text[f.start : f.end])]
        if not found:
            continue
        reported += 1
        forms = ", ".join(dict.fromkeys(f.form for f in found))
        where = redact_text(place.where, secrets)
        at = f" at byte {byte_offset(place.text, found[0].start)}" if place.raw_body else ""
        yield ctx.deviation(
            "token_exposure",
            exchange,
            severity=Severity.ERROR,
            title=f"Token in the response {'header' if where.startswith('header') else 'body'}",
            detail=f"HTTP {response.status}: the run's token or this request's credential is in the "
            f"{where}{at} "
            f"({forms}; {len(found)} time{'s' if len(found) > 1 else ''}). A response reaches logs, caches "
            "and error trackers the token never should; the value is not shown here.",
            path=f"{where}{at}",
            expected="no form of the token in the response",
            actual=f"the token, {forms}",
            evidence=Evidence(
                source=f"S6 (the token authenticates every send); {OWASP_API8}", decision="D61"
            ),
        )
        if reported == MAX_PLACES:
            return


@dataclass(frozen=True)
class InternalDetail:
    """A kind of server internals: its name and the shape of its text."""

    kind: str
    pattern: re.Pattern[str]


def _word(pattern: str) -> str:
    """``pattern`` (opening on a word character) only where a word starts: ``\\b`` written as a look back
    after the first character. A leading ``\\b`` leaves Python's re no first characters to scan for, and
    it tries every position: 30 to 40 times slower on a 600 KB body (the hostile deep bodies)."""
    first = pattern[0]
    return f"{first}(?<!\\w{re.escape(first)}){pattern[1:]}"


# every repeat is bounded and every alternative opens on a literal character (a word boundary is checked
# after it, ``_word``): a megabyte body is read in linear time, and fast
INTERNAL_DETAILS: tuple[InternalDetail, ...] = (
    InternalDetail(
        "Python traceback",
        re.compile(r"Traceback \(most recent call last\)|File \"[^\"\n]{1,300}\", line \d+"),
    ),
    InternalDetail(
        "Java stack trace",
        re.compile(
            _word(r"at (?:[\w$]{1,100}\.){1,30}[\w$<>]{1,100}")
            + r"\((?:[\w$]{1,100}\.(?:java|kt|scala):\d+|Native Method|Unknown Source)\)"
        ),
    ),
    InternalDetail(
        ".NET stack trace",
        re.compile(
            _word(r"at [\w.`<>\[\]]{1,200}\([^)\n]{0,300}\) in [^\n]{1,300}?:line \d+")
            + "|"
            + _word(r"System\.(?:[A-Z]\w{0,60}\.){0,10}[A-Z]\w{0,60}Exception\b")
        ),
    ),
    InternalDetail(
        "Node.js stack trace",
        re.compile(
            _word(
                r"at (?:[\w$.<>\[\] ]{1,200} \()?(?:/|[A-Za-z]:\\|node:|file://)[^\s()]{0,300}\.[cm]?[jt]s:\d+:\d+"
            )
        ),
    ),
    InternalDetail(
        "PHP error",
        re.compile(
            _word(r"in (?:/|[A-Za-z]:\\)\S{0,300}\.php on line \d+")
            + r"|#\d+ (?:/|[A-Za-z]:\\)\S{0,300}\.php\(\d+\)"
        ),
    ),
    InternalDetail(
        "Go panic", re.compile(_word(r"goroutine \d+ \[[a-z ]{1,40}\]:") + r"|\.go:\d+ \+0x[0-9a-f]+")
    ),
    InternalDetail("Ruby backtrace", re.compile(r"\.rb:\d+:in [`'][^'\n]{1,200}'")),
    InternalDetail(
        "server file path",
        re.compile(
            # not inside a word, a path or a URL: the look back is written after the first character
            r"/(?<![\w/.:~-]/)(?:home|var|usr|opt|srv|etc|root|tmp|app|Users|inetpub)/[\w.@-]{1,200}"
            r"|[A-Za-z](?<![\w/.:~-][A-Za-z]):\\(?:[\w .-]{1,100}\\){1,30}[\w.-]{0,100}"
        ),
    ),
    InternalDetail(
        "SQL error text",
        re.compile(
            r"SQLSTATE\[|You have an error in your SQL syntax|syntax error at or near \"|"
            + _word(r"ORA-\d{5}\b")
            + r"|unterminated quoted string|Unclosed quotation mark|"
            + _word(r"SQLITE_[A-Z]+\b")
            + r"|sqlite3\.\w{0,60}Error|"
            + _word(r"psycopg2?\.(?:errors\.)?\w+")
            + "|"
            + _word(r"PG::\w{0,60}Error")
            + r"|near \"[^\"\n]{0,200}\": syntax error",
        ),
    ),
)


def _first_internal(place: Place, detail: InternalDetail, sent: tuple[str, ...]) -> str | None:
    for match in detail.pattern.finditer(place.text):
        if not _inside_sent(match.group(), sent):
            return match.group()
    return None


@register("internal_details")
def check_internal_details(ctx: CheckContext, exchange: Exchange) -> Iterator[Deviation]:
    """A stack trace, server file path or SQL error text in a response body the client did not send (D61)."""
    response = exchange.response
    if response is None:
        return
    every_text = "\n".join(body_texts(response))  # one pass first: most bodies hold none
    found = [detail for detail in INTERNAL_DETAILS if detail.pattern.search(every_text) is not None]
    if not found:
        return
    del every_text
    sent, secrets = sent_texts(exchange), (*ctx.secrets, *exchange.credentials())
    places = list(body_places(response))
    for detail in found:
        for place in places:
            shown = _first_internal(place, detail, sent)
            if shown is None:
                continue
            yield ctx.deviation(
                "internal_details",
                exchange,
                severity=Severity.WARNING,
                title=f"{detail.kind} in the response",
                detail=f"HTTP {response.status}: the {place.where} holds a {detail.kind} the request did not "
                f"send: {shown[:160]!r}. It tells whoever reads the response how the server is built.",
                path=redact_text(place.where, secrets),
                expected=f"no {detail.kind}",
                actual=shown,
                evidence=Evidence(source=f"S1-S4 show only the envelope; {OWASP_API8}", decision="D61"),
            )
            break  # one finding per kind and response
