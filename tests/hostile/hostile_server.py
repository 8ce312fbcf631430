"""Hostile loopback targets: a raw asyncio HTTP/1.1 server that answers every request badly on purpose.

One behaviour per instance (see ``BEHAVIOURS``); every request is counted before it is answered,
so a test can prove that nothing was sent. Only 127.0.0.1, a free port, a bounded lifetime.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

DEEP = 100_000  # nesting levels of the deep bodies
MANY_HEADERS = 10_000  # response headers of the "headers" behaviour
MAX_REQUEST_BYTES = 1_048_576


def token_forms(token: str) -> dict[str, str]:
    """The forms of a token an echoing target writes, and the tests search for in every artefact."""
    raw = token.encode()
    return {
        "raw": token,
        "lower": token.lower(),
        "upper": token.upper(),
        "swapcase": token.swapcase(),
        "url": "".join(f"%{b:02X}" for b in raw),
        "url_lower": "".join(f"%{b:02x}" for b in raw),
        "json_escaped": "".join(f"\\u{ord(c):04x}" for c in token),
        "json_escaped_upper": "".join(f"\\u{ord(c):04X}" for c in token),
        # base64 of the token alone and inside longer texts, at the three alignments
        "base64": base64.b64encode(raw).decode().rstrip("="),
        "base64_offset1": base64.b64encode(b"x" + raw + b"!").decode(),
        "base64_offset2": base64.b64encode(b"u:" + raw).decode(),
        "base64url": base64.urlsafe_b64encode(b"??>" + raw + b"?").decode().rstrip("="),
        "hex": raw.hex(),
    }


def _echo_body(token: str, count: int) -> tuple[int, dict[str, str], bytes]:
    """A response echoing ``token`` everywhere: message, keys, ``fields`` keys, headers, Location."""
    forms = token_forms(token)
    headers = {
        token: token,  # a header *named* after the token
        "X-Echo": f"Bearer {token}",
        "X-Echo-Lower": forms["lower"],
        "X-Echo-Upper": forms["upper"],
        "X-Echo-Url": forms["url"],
        "X-Echo-B64": base64.b64encode(f"user:{token}".encode()).decode(),
        "X-Echo-Hex": forms["hex"],
        "Set-Cookie": f"session={token}",
        "Location": f"http://127.0.0.1/rest/sms?jwt={quote(token)}&{token}=1",
    }
    # the JSON-escaped form is written as escapes into the body text, not produced by json.dumps
    escaped = forms["json_escaped"]
    status = (400, 200, 302, 401, 404)[count % 5]
    if status == 200:
        payload = [
            ("to", token), ("from", forms["lower"]), ("message", escaped), ("state", forms["upper"]),
            ("uuid", forms["url"]), ("note", forms["base64url"]), (escaped, forms["swapcase"]),
        ]
        members = ", ".join(f'"{k}": "{v}"' for k, v in payload)
        text = (
            f'{{"success": true, "payload": {{{members}, "tn": {{"tn": "{forms["base64"]}"}}, '
            f'"{token}": {{"{escaped}": "{forms["base64_offset1"]}"}}}}}}'
        )
    else:
        fields = (
            f'"{token}": ["{forms["url"]}"], "params.{escaped}": ["{forms["swapcase"]}", '
            f'"{forms["base64_offset1"]}"], "params.to": ["{forms["url_lower"]}"]'
        )
        text = (
            f'{{"success": false, "status": {status}, '
            f'"message": "token {token} is not valid ({forms["lower"]}, {forms["upper"]})", '
            f'"{token}": true, "fields": {{{fields}}}, "url": "{forms["url"]}", '
            f'"b64": "{forms["base64_offset2"]}", "hex": "{forms["hex"]}", "escaped": "{escaped}"}}'
        )
    return status, headers, text.encode()


def _deep_body(count: int) -> tuple[int, dict[str, str], bytes]:
    if count % 2:  # nested inside the documented error envelope's "fields"
        inner = '{"a":' * DEEP + "1" + "}" * DEEP
        body = '{"success": false, "status": 400, "message": "x", "fields": {"params.to": ' + inner + "}}"
        return 400, {}, body.encode()
    return 200, {}, ("[" * DEEP + "]" * DEEP).encode()


def _surrogate_body(count: int) -> tuple[int, dict[str, str], bytes]:
    if count % 2:
        body = (
            '{"success": false, "status": 400, "message": "bad \\ud800", '
            '"fields": {"params.to\\udc00": ["k\\ud800"], "k\\ud800": ["v\\udfff"]}, "k\\ud800": "v\\ud800"}'
        )
        return 400, {}, body.encode()
    body = (
        '{"success": true, "payload": {"uuid": "\\ud800", "to": "1\\udbff", "k\\ud800": ["\\ud800x"], '
        '"message": "\\ud83d\\ude00 paired is fine, lone is not \\udc00"}}'
    )
    return 200, {}, body.encode()


def _quadratic_body(count: int, size: int) -> tuple[int, dict[str, str], bytes]:
    """``size`` bytes that made the old depth scan quadratic: 65 brackets, then a run of ``\\"``. Every second
    body is one bracket too deep (refused at the 65th); the others close 64 and open a string the scan
    must read to the end."""
    brackets = "[" * 65 if count % 2 else "[" * 64 + "]" * 64 + '["'
    return 200, {}, (brackets + '\\"' * ((size - len(brackets)) // 2)).encode()


def _duplicates_body(size: int) -> tuple[int, dict[str, str], bytes]:
    """Valid JSON of ``size`` bytes whose every object names a member twice: linear, yet the costliest
    body to check (each object goes through the parser's hook, each repeat is counted)."""
    item = '{"a":1,"a":2}'
    return 200, {}, ("[" + ",".join([item] * ((size - 2) // (len(item) + 1))) + "]").encode()


def _many_headers(count: int) -> tuple[int, dict[str, str], bytes]:
    # about 9 bytes a header: 10,000 of them fit in the client's 100 KiB limit of one header block
    headers = {f"{i:x}": "v" for i in range(MANY_HEADERS)}
    body = b'{"success": false, "status": 400, "message": "x", "fields": {"params.to": ["bad"]}}'
    return 400, headers, body


BEHAVIOURS = (
    "echo", "deep", "surrogates", "headers", "counting", "quadratic", "quadratic_mib", "duplicates_mib"
)
QUADRATIC_SIZES = {"quadratic": 16_384, "quadratic_mib": 1_048_576}  # the client keeps 1 MiB


class HostileServer:
    """``with HostileServer("echo", token=…) as server: server.url, server.requests``."""

    def __init__(self, behaviour: str, *, token: str = "") -> None:
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}; one of {BEHAVIOURS}")
        self.behaviour = behaviour
        self.token = token
        self.requests = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._serve, name=f"hostile-{behaviour}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("hostile server did not start within 10 s")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0, limit=MAX_REQUEST_BYTES)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = min(int(value.strip() or b"0"), MAX_REQUEST_BYTES)
            if length:
                await asyncio.wait_for(reader.readexactly(length), 10)
            count = self.requests
            self.requests += 1
            status, headers, body = self._answer(count)
            writer.write(_response(status, headers, body))
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    def _answer(self, count: int) -> tuple[int, dict[str, str], bytes]:
        if self.behaviour == "echo":
            return _echo_body(self.token, count)
        if self.behaviour == "deep":
            return _deep_body(count)
        if self.behaviour == "surrogates":
            return _surrogate_body(count)
        if self.behaviour == "headers":
            return _many_headers(count)
        if self.behaviour == "duplicates_mib":
            return _duplicates_body(1_048_576)
        if self.behaviour in QUADRATIC_SIZES:
            return _quadratic_body(count, QUADRATIC_SIZES[self.behaviour])
        return 400, {}, b'{"success": false, "status": 400, "message": "x", "fields": {}}'


def _response(status: int, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status} X", "Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@contextmanager
def hostile(behaviour: str, *, token: str = "") -> Iterator[HostileServer]:
    with HostileServer(behaviour, token=token) as server:
        yield server


