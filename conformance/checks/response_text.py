"""Where a response's text is, and what of it the client sent: shared by the checks that read the text (D61).

A check that looks for something *in* a response (a credential, a stack trace) needs two things:
every piece of text the response holds, each with a place a reader can find (a header's name, a JSON
pointer into the body, a byte offset into a body that is not JSON), and the texts the request sent,
so that an echo of what the client itself wrote (a message that mentions ``/home/``) is not taken
for something the server revealed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.model import credentials
from conformance.model.exchange import Exchange, RecordedResponse

__all__ = ["Place", "body_places", "body_texts", "byte_offset", "header_places", "json_pointer", "sent_texts"]


@dataclass(frozen=True)
class Place:
    """One piece of a response's text: ``where`` names it (``header X-Trace``, ``body /payload/message``,
    ``body``); ``text`` is what it holds (a JSON string decoded; a non-JSON body as its bytes read)."""

    where: str
    text: str
    raw_body: bool = False  # the whole body, not JSON: positions in it are reported as byte offsets


def json_pointer(parts: tuple[str | int, ...]) -> str:
    """The RFC 6901 pointer of a path of member names and indexes (``""`` is the whole document)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def header_places(response: RecordedResponse) -> Iterator[Place]:
    """Each header as one place, its name and value together (a header may be named after a secret)."""
    for name, value in response.headers.items():
        yield Place(f"header {name}", f"{name}: {value}")


def body_places(response: RecordedResponse) -> Iterator[Place]:
    """The body's strings, each member name and string value with its JSON pointer; a body that is not
    JSON as one place, decoded so every byte keeps its offset (``surrogateescape``)."""
    try:
        document = response.json()
    except ValueError:
        if response.body:
            yield Place("body", response.body.decode("utf-8", "surrogateescape"), raw_body=True)
        return
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    while stack:
        parts, value = stack.pop()
        if isinstance(value, str):
            yield Place(f"body {json_pointer(parts) or '/'}", value)
        elif isinstance(value, dict):
            for key, child in reversed(list(value.items())):
                yield Place(f"body {json_pointer((*parts, key))} (the member's name)", str(key))
                stack.append(((*parts, key), child))
        elif isinstance(value, list):
            stack.extend(((*parts, index), child) for index, child in reversed(list(enumerate(value))))


def body_texts(response: RecordedResponse) -> list[str]:
    """The texts of :func:`body_places` without their places, in no particular order: a search over
    all of them is a fifth of the work of naming each (a 1 MiB body: 40 ms instead of 220)."""
    try:
        document = response.json()
    except ValueError:
        return [response.body.decode("utf-8", "surrogateescape")] if response.body else []
    texts: list[str] = []
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            texts += map(str, value)
            stack += value.values()
        elif isinstance(value, list):
            stack += value
    return texts


def byte_offset(text: str, start: int) -> int:
    """The byte offset in the body of character ``start`` of its ``surrogateescape`` decoding."""
    return len(text[:start].encode("utf-8", "surrogateescape"))


def sent_texts(exchange: Exchange) -> tuple[str, ...]:
    """What the client wrote besides its credentials: query values, header values and the body, with
    every credential (D54) taken out; an echo of any of it is the client's own text, not a disclosure."""
    request = exchange.request
    texts = [value for name, value in request.query if not credentials.spans(name, value)]
    texts += [value for name, value in request.headers if not credentials.spans(name, value)]
    if request.body:
        texts.append(credentials.body_text(request.body.decode("utf-8", "replace")))
    return tuple(text for text in texts if text)
