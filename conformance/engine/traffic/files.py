"""Recorded traffic read back as ``ObservedExchange`` objects: HAR 1.2 files and the suite's results.json.

HAR is what browsers, Playwright, mitmproxy and ``schemathesis run --report har`` write. Read per the
1.2 format, leniently where tools differ: the URL is the request as sent (``queryString`` is used only
when the URL carries no query), a request body is ``postData.text`` (or its ``params``), a response
body is ``content.text``, base64-decoded when ``content.encoding`` says so; ``-1`` and missing optional
fields mean "unknown", ``_``-prefixed custom fields are ignored (never descended into; the file as a
whole may nest up to ``MAX_TRAFFIC_DEPTH`` levels, room for any custom field). An entry without a
response (status 0, a browser's aborted request) is an exchange without an answer. An entry whose
response body was not recorded, or whose body cannot be decoded (base64 that is not base64), is
skipped with that reason and its JSON path, never judged as an empty body.

Read strictly: a number that is not finite (``Infinity``, ``NaN``, ``1e400``) or a status outside
100-599 (0 and -1: no response) is a bad file. A file over ``MAX_TRAFFIC_FILE_BYTES`` or with more than
``MAX_TRAFFIC_ENTRIES`` entries is refused before its entries are read (``check-traffic`` also counts
the entries of all its files against that limit).

A results.json holds the exchanges of its deviations (redacted, bodies up to the report preview);
each distinct case is read once. Read only through ``load_results``.

Bad input raises ``TrafficFileError`` naming the file and the JSON path of the problem.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from conformance.engine.sending.client import MAX_BODY_BYTES
from conformance.engine.traffic.observed import ObservedExchange
from conformance.model.jsontext import JSONTooDeepError, loads_bounded, not_strict
from conformance.model.results import ResultsError, load_results

__all__ = ["MAX_TRAFFIC_ENTRIES", "MAX_TRAFFIC_FILE_BYTES", "Skipped", "TrafficFileError", "read_traffic"]

# HAR is 6 levels deep and bodies are strings inside it; the rest of the room is for custom ``_`` fields
# of recording tools, which are never read. Well below the depth at which the JSON parser recurses too deep.
MAX_TRAFFIC_DEPTH = 256
MAX_TRAFFIC_FILE_BYTES = 256 * 1024 * 1024  # parsing costs a few times the file's size in memory
MAX_TRAFFIC_ENTRIES = 10_000  # checking costs a few milliseconds and up to ~70 kB per exchange
NO_RESPONSE = (0, -1)  # the status HAR writers give an entry without a response


class TrafficFileError(ValueError):
    """A traffic file that cannot be read; the message names the file, the JSON path and the fix."""


@dataclass(frozen=True)
class Skipped:
    """An entry the reader could not turn into an exchange, and why (counted, not an error)."""

    reason: str
    where: str = ""  # the JSON path of the entry, e.g. $.log.entries[3]


def _problem(path: Path, where: str, what: str) -> TrafficFileError:
    return TrafficFileError(
        f"traffic file {path}: {where} {what}. Pass a HAR 1.2 file (as browsers, Playwright, mitmproxy "
        "or `schemathesis run --report har` write it) or a results.json of this tool; if the file was "
        "edited by hand, fix that field."
    )


class _Reader:
    """Typed access to a parsed document that names the JSON path of whatever is wrong."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise _problem(self.path, where, f"must be a JSON object, not {_kind(value)}")
        return value

    def field(self, parent: Mapping[str, Any], name: str, where: str, kind: type | tuple[type, ...]) -> Any:
        if name not in parent:
            raise _problem(self.path, f"{where}.{name}", "is missing")
        value = parent[name]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise _problem(self.path, f"{where}.{name}", f"must be {_names(kind)}, not {_kind(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise _problem(self.path, f"{where}.{name}", f"must be a finite number, not {value}")
        return value

    def status(self, parent: Mapping[str, Any], where: str) -> int:
        """An HTTP status: 100-599, or 0/-1 for an entry without a response."""
        value: int = self.field(parent, "status", where, int)
        if value not in NO_RESPONSE and not 100 <= value <= 599:
            raise _problem(
                self.path, f"{where}.status", f"is {value}, not an HTTP status (100-599; 0 for no response)"
            )
        return value

    def optional(
        self, parent: Mapping[str, Any], name: str, where: str, kind: type | tuple[type, ...], default: Any
    ) -> Any:
        if parent.get(name) is None:
            return default
        return self.field(parent, name, where, kind)

    def pairs(self, parent: Mapping[str, Any], name: str, where: str) -> tuple[tuple[str, str], ...]:
        items = self.optional(parent, name, where, list, [])
        out = []
        for index, item in enumerate(items):
            at = f"{where}.{name}[{index}]"
            entry = self.mapping(item, at)
            out.append((self.field(entry, "name", at, str), self.field(entry, "value", at, str)))
        return tuple(out)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number"
    )


def _names(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    words = {str: "a string", int: "a number", float: "a number", list: "an array", dict: "an object"}
    return " or ".join(dict.fromkeys(words.get(k, k.__name__) for k in kinds))


def too_many_entries(what: str, count: int) -> str:
    """The one-paragraph refusal of traffic with more than ``MAX_TRAFFIC_ENTRIES`` entries."""
    return (
        f"{what}: {count:,} entries; check-traffic reads at most {MAX_TRAFFIC_ENTRIES:,} per run "
        "(checking costs a few milliseconds and tens of kilobytes per exchange). Split the recording, or "
        "keep only the POST /rest/sms entries, e.g. `jq '.log.entries |= map(select(.request.method == "
        '"POST" and (.request.url | test("/rest/sms"))))\' FILE`, and check the parts one by one.'
    )


def read_traffic(path: Path) -> Iterator[ObservedExchange | Skipped]:
    """Every exchange recorded in ``path`` (HAR or results.json), in file order."""
    try:
        size = path.stat().st_size
        if size > MAX_TRAFFIC_FILE_BYTES:
            raise TrafficFileError(
                f"traffic file {path} is {size:,} bytes; check-traffic reads files of at most "
                f"{MAX_TRAFFIC_FILE_BYTES:,} bytes (256 MiB). Split the recording, or keep only the POST "
                "/rest/sms entries (e.g. with jq), and check the parts one by one."
            )
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TrafficFileError(f"cannot read traffic file {path}: {exc.strerror}. Check the path.") from None
    except UnicodeDecodeError as exc:
        raise TrafficFileError(
            f"traffic file {path} is not UTF-8 text (byte {exc.start}); HAR and results.json are JSON "
            "in UTF-8. Pass the file the tool wrote, not a compressed or binary copy."
        ) from None
    try:
        parsed = loads_bounded(text, max_depth=MAX_TRAFFIC_DEPTH)
    except JSONTooDeepError as exc:
        raise _problem(path, "$", f"is nested too deeply ({exc})") from None
    except ValueError as exc:
        raise TrafficFileError(
            f"traffic file {path} is not valid JSON ({exc}). Was it written completely? Pass a HAR "
            "1.2 file or a results.json of this tool."
        ) from None
    if parsed.findings:  # NaN, 1e400 or a member named twice: what a value means would be a guess
        finding = parsed.findings[0]
        raise _problem(path, finding.path, f"is not strict JSON: {not_strict(finding)}")
    document = parsed.value
    reader = _Reader(path)
    root = reader.mapping(document, "$ (the top level)")
    if "log" in root:
        return _har_entries(reader, root)
    if "schema_version" in root and "run" in root:
        return _results_exchanges(path)
    raise _problem(path, "$ (the top level)", "has neither 'log' (HAR) nor 'schema_version' (results.json)")


def _har_entries(reader: _Reader, root: Mapping[str, Any]) -> Iterator[ObservedExchange | Skipped]:
    log = reader.mapping(root["log"], "$.log")
    entries = reader.field(log, "entries", "$.log", list)
    if len(entries) > MAX_TRAFFIC_ENTRIES:
        raise TrafficFileError(too_many_entries(f"traffic file {reader.path}", len(entries)))
    parsed = [_har_entry(reader, entry, f"$.log.entries[{index}]") for index, entry in enumerate(entries)]
    return iter(parsed)  # every entry is validated before the first is checked: a bad file checks nothing


def _started(reader: _Reader, entry: Mapping[str, Any], where: str) -> datetime | None:
    text = reader.optional(entry, "startedDateTime", where, str, "")
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _problem(
            reader.path, f"{where}.startedDateTime", f"is not an ISO 8601 date-time: {text!r}"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class _Undecodable(Exception):
    """A body whose ``encoding`` says base64 but whose text is not base64: the entry is unreadable."""

    def __init__(self, where: str) -> None:
        super().__init__(f"{where}.text is not valid base64 (encoding: base64)")
        self.where = where


def _body(reader: _Reader, container: Mapping[str, Any], where: str) -> bytes:
    text: str = reader.optional(container, "text", where, str, "")
    if reader.optional(container, "encoding", where, str, "").lower() == "base64":
        packed = "".join(text.split())  # line breaks some writers wrap base64 with
        try:
            # strict: a character outside the alphabet is an error, not silently dropped
            return base64.b64decode(packed + "=" * (-len(packed) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise _Undecodable(where) from None
    return text.encode("utf-8", "surrogatepass")


def _request_body(reader: _Reader, request: Mapping[str, Any], where: str) -> bytes:
    post = reader.optional(request, "postData", where, dict, None)
    if post is None:
        return b""
    at = f"{where}.postData"
    if post.get("text") is not None:
        return _body(reader, post, at)
    params = reader.optional(post, "params", at, list, [])
    pairs = []
    for index, item in enumerate(params):
        entry = reader.mapping(item, f"{at}.params[{index}]")
        pairs.append(
            (reader.field(entry, "name", f"{at}.params[{index}]", str), str(entry.get("value") or ""))
        )
    return urlencode(pairs).encode("ascii")


def _url(reader: _Reader, request: Mapping[str, Any], where: str) -> str:
    url: str = reader.field(request, "url", where, str)
    if not urlsplit(url).query:
        query = reader.pairs(request, "queryString", where)
        if query:
            url = f"{url.split('#', 1)[0]}?{urlencode(query)}"
    return url


def _no_pseudo(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((n, v) for n, v in headers if not n.startswith(":"))  # HTTP/2 pseudo-headers


def _har_entry(reader: _Reader, item: Any, where: str) -> ObservedExchange | Skipped:
    try:
        return _har_exchange(reader, item, where)
    except _Undecodable as exc:
        part = "request" if ".request." in exc.where else "response"
        return Skipped(f"{part} body is not valid base64 (encoding: base64)", f"{exc.where}.text")


def _har_exchange(reader: _Reader, item: Any, where: str) -> ObservedExchange | Skipped:
    entry = reader.mapping(item, where)
    request = reader.mapping(reader.field(entry, "request", where, dict), f"{where}.request")
    response = reader.mapping(reader.field(entry, "response", where, dict), f"{where}.response")
    at_request, at_response = f"{where}.request", f"{where}.response"
    method = reader.field(request, "method", at_request, str)
    url = _url(reader, request, at_request)
    status = reader.status(response, at_response)
    elapsed = reader.optional(entry, "time", where, (int, float), -1)
    started = _started(reader, entry, where)
    request_headers = _no_pseudo(reader.pairs(request, "headers", at_request))
    request_body = _request_body(reader, request, at_request)
    if status in NO_RESPONSE:  # HAR writes 0 (or -1) when no response came: aborted, refused, blocked
        # a browser's own `_error` note, when it is a string (custom fields are never descended into)
        noted = [e for e in (entry.get("_error"), response.get("_error")) if isinstance(e, str) and e]
        error = noted[0] if noted else "no response recorded in the HAR entry"
        return ObservedExchange(
            method, url, request_headers, request_body, None, (), b"", started_at=started, error=error
        )
    content = reader.mapping(
        reader.optional(response, "content", at_response, dict, {}), f"{at_response}.content"
    )
    size = reader.optional(content, "size", f"{at_response}.content", (int, float), -1)
    if content.get("text") is None and size != 0:
        return Skipped("response body not recorded in the HAR entry", where)
    body = _body(reader, content, f"{at_response}.content")
    return ObservedExchange(
        method=method,
        url=url,
        request_headers=request_headers,
        request_body=request_body,
        status=status,
        response_headers=_no_pseudo(reader.pairs(response, "headers", at_response)),
        response_body=body[:MAX_BODY_BYTES],
        body_truncated=len(body) > MAX_BODY_BYTES,
        started_at=started,
        elapsed_ms=float(elapsed) if elapsed >= 0 else None,
    )


def _results_exchanges(path: Path) -> Iterator[ObservedExchange | Skipped]:
    try:
        results = load_results(path)
    except ResultsError as exc:
        raise TrafficFileError(f"traffic file {path}: {exc}") from None
    if len(results.deviations) > MAX_TRAFFIC_ENTRIES:
        raise TrafficFileError(too_many_entries(f"results file {path}", len(results.deviations)))
    seen: set[str] = set()
    out: list[ObservedExchange | Skipped] = []
    for index, deviation in enumerate(results.deviations):
        key = deviation.case_id or f"#{index}"
        if key in seen:
            continue
        seen.add(key)
        out.append(_from_results(path, deviation.request, deviation.response, f"$.deviations[{index}]"))
    return iter(out)


def _from_results(
    path: Path, request: Mapping[str, Any], response: Mapping[str, Any], where: str
) -> ObservedExchange | Skipped:
    reader = _Reader(path)
    if not request:
        return Skipped("deviation without its request (results.json)", where)
    url = reader.field(request, "url", f"{where}.request", str)
    method = reader.field(request, "method", f"{where}.request", str)
    headers = reader.mapping(
        reader.optional(request, "headers", f"{where}.request", dict, {}), f"{where}.request.headers"
    )
    body = reader.optional(request, "body", f"{where}.request", str, "")
    request_headers = tuple((str(k), str(v)) for k, v in headers.items())
    if not response or ("error" in response and "status" not in response):
        return ObservedExchange(
            method, url, request_headers, body.encode(), None, (), b"", error="no response"
        )
    if response.get("body_truncated"):
        return Skipped("response body cut in results.json", where)
    status = reader.status(response, f"{where}.response")
    if status in NO_RESPONSE:
        return ObservedExchange(
            method, url, request_headers, body.encode(), None, (), b"", error="no response"
        )
    answer = reader.mapping(
        reader.optional(response, "headers", f"{where}.response", dict, {}), f"{where}.response.headers"
    )
    return ObservedExchange(
        method=method,
        url=url,
        request_headers=request_headers,
        request_body=body.encode("utf-8", "surrogatepass"),
        status=status,
        response_headers=tuple((str(k), str(v)) for k, v in answer.items()),
        response_body=str(reader.optional(response, "body", f"{where}.response", str, "")).encode(
            "utf-8", "surrogatepass"
        ),
        elapsed_ms=reader.optional(response, "elapsed_ms", f"{where}.response", (int, float), None),
    )
