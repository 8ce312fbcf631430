"""Hostile and careless targets on real loopback sockets, written independently of the suite's code.

- ``LenientSmsServer``: reads numbers the way careless servers do (Python ``int()``, JavaScript
  ``parseInt``, digits picked out of punctuation, with or without the country code 1), from the query
  (any spelling) or a JSON body; ignores credentials; *sends* whenever the sender reads as a leased
  number and the destination reads as any number at all (``TO=0``, ``TO=٠٠٠``, ``TO=+000``). It counts
  every request naming a leased sender in any value, and records every send.
- ``TricklingServer``: accepts the request, then sends its response headers one byte a second.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from support import LoopbackHandler, LoopbackHTTPServer

LEASED = "12017771234"
UNLEASED_OTHER = "12013046585"  # a real-looking number that is not leased on the lenient server

_PARSE_INT = re.compile(r"^\s*[+-]?([0-9]+)")


def careless_readings(value: str) -> set[str]:
    """Numbers a careless server might read from ``value`` (independent of conformance.engine.leases)."""
    found: set[str] = set()
    with contextlib.suppress(ValueError):
        found.add(str(abs(int(value))))  # Python: Unicode digits, whitespace, + sign, underscores
    match = _PARSE_INT.match(value)  # JavaScript parseInt: a leading run of digits
    if match:
        found.add(str(int(match.group(1))))
    digits = "".join(str(int(c)) for c in value if c.isdecimal())  # punctuation dropped
    if digits:
        found.add(str(int(digits)))
    with_country = {f"1{n}" for n in found if len(n) == 10} | {n[1:] for n in found if len(n) == 11}
    return found | with_country


def _values(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for key, item in data.items():
            yield str(key)
            yield from _values(item)
    elif isinstance(data, list):
        for item in data:
            yield from _values(item)
    elif data is not None:
        yield str(data)


def _first(fields: dict[str, str], names: Iterable[str]) -> str | None:
    for name in names:
        if name in fields:
            return fields[name]
    return None


@dataclass
class Traffic:
    requests: int = 0
    naming_leased: int = 0
    sends: list[dict[str, str]] = field(default_factory=list)
    seen: list[dict[str, Any]] = field(default_factory=list)  # query, headers of every request


class _LenientHandler(LoopbackHandler):
    server: _LenientHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(min(length, 1_000_000)) if length else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        fields = dict(query)
        if isinstance(body, dict):
            fields.update({str(k): str(v) for k, v in body.items() if not isinstance(v, dict | list)})
        values = list(query.values()) + list(_values(body))
        leased = self.server.leased
        named = any(careless_readings(v) & leased for v in values)
        sender = _first(fields, ("FROM", "from", "From", "tn"))
        to = _first(fields, ("TO", "to", "To"))
        text = _first(fields, ("Message", "message", "text")) or ""
        with self.server.lock:
            traffic = self.server.traffic
            traffic.requests += 1
            traffic.naming_leased += int(named)
            headers = {k.lower(): v for k, v in self.headers.items()}
            traffic.seen.append({"query": query, "headers": headers, "text": text})
            sends = sender is not None and bool(careless_readings(sender) & leased)
            sends = sends and to is not None and bool(careless_readings(to))
            if sends:
                traffic.sends.append({"FROM": str(sender), "TO": str(to), "Message": text})
        if self.server.delay_s:
            time.sleep(self.server.delay_s)
        if sends:
            self._answer(200, _success(str(sender), str(to), text))
        elif sender is not None and careless_readings(sender):
            self._answer(
                404, {"success": False, "status": 404, "message": "TNLease and SMSCampaign not found"}
            )
        else:
            fields_body = {"params.from": {"message": "invalid integer number", "value": sender}}
            self._answer(
                400, {"success": False, "status": 400, "message": "Bad Request", "fields": fields_body}
            )

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _success(sender: str, to: str, text: str) -> dict[str, Any]:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    return {
        "success": True,
        "payload": {
            "uuid": "90c2e069-44c1-4f1a-9619-540432378122",
            "type": "smso",
            "state": "created",
            "from": sender,
            "to": to,
            "message": text,
            "thread": "08360036ab8f77030d725064f42cb1b7",
            "delivered": False,
            "automated": False,
            "tn": {"tn": sender, "created_on": now, "modified_on": now, "deleted_on": None},
            "created_on": now,
            "modified_on": now,
        },
    }


class _LenientHTTPServer(LoopbackHTTPServer):
    daemon_threads = True

    def __init__(self, leased: set[str], delay_s: float) -> None:
        super().__init__(("127.0.0.1", 0), _LenientHandler)
        self.leased = leased
        self.delay_s = delay_s
        self.lock = threading.Lock()
        self.traffic = Traffic()


class LenientSmsServer:
    """A careless, lenient SMS server on 127.0.0.1 (see module docstring); a context manager."""

    def __init__(self, *, leased: Iterable[str] = (LEASED,), delay_s: float = 0.0) -> None:
        self._server = _LenientHTTPServer({s.lstrip("0") for s in leased}, delay_s)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def traffic(self) -> Traffic:
        return self._server.traffic

    def __enter__(self) -> LenientSmsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class TricklingServer:
    """Answers every request with response headers trickled at ``interval_s`` per byte (bounded)."""

    HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"

    def __init__(self, *, interval_s: float = 1.0, max_seconds: float = 120.0) -> None:
        self.interval_s = interval_s
        self.max_seconds = max_seconds
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        started = time.monotonic()
        with conn:
            conn.settimeout(1.0)
            try:
                conn.recv(65536)
                for byte in self.HEAD:
                    if self._stop.is_set() or time.monotonic() - started > self.max_seconds:
                        return
                    conn.sendall(bytes([byte]))
                    self._stop.wait(self.interval_s)
            except OSError:
                return  # the client gave up: what a deadline is for

    def __enter__(self) -> TricklingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()
