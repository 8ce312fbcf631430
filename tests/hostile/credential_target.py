"""Credential carriers (D54) and a loopback target that echoes every one of them back.

``CARRIERS`` holds one request per carrier, each with its own secret value. ``echoing()`` serves on
127.0.0.1 a target that answers every request with a body echoing each header and query value it
received (raw, percent-encoded, base64), a ``Set-Cookie`` session and a body member ``access_token``,
each with a secret of its own. ``leaks`` finds every form of every secret in the texts given.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlsplit

from hostile_server import token_forms
from support import LoopbackHandler, LoopbackHTTPServer

__all__ = ["BODY_SECRET", "CARRIERS", "SET_COOKIE_SECRET", "Carrier", "echoing", "leaks"]

SENDER = "12017771234"
QUERY = (("FROM", SENDER), ("TO", "14155550100"), ("Message", "hi"))
SET_COOKIE_SECRET = "SetCookie-Sess10n-4d3c2b1a"
BODY_SECRET = "BodyMember-Acc3ss-8e7f6a5b"
_NOT_ECHOED = frozenset({"host", "content-length", "accept", "accept-encoding", "connection", "user-agent"})


@dataclass(frozen=True)
class Carrier:
    """One request carrying ``secret`` in one place; ``shown`` is what an artefact still names."""

    label: str
    secret: str
    headers: dict[str, str] = field(default_factory=dict)
    query: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    shown: str = ""


def _secret(index: int) -> str:
    return f"Cr3d{index:02d}-Zq9xW2vB7k"


def _basic() -> str:
    return base64.b64encode(b"app-user:" + _secret(4).encode()).decode()


CARRIERS: tuple[Carrier, ...] = (
    Carrier("header X-Auth-Token", _secret(1), headers={"X-Auth-Token": _secret(1)}, shown="X-Auth-Token"),
    Carrier("header x-auth-token", _secret(2), headers={"x-auth-token": _secret(2)}, shown="x-auth-token"),
    Carrier(
        "Authorization: Bearer",
        _secret(3),
        headers={"Authorization": f"Bearer {_secret(3)}"},
        shown="Bearer ",
    ),
    Carrier("Authorization: Basic", _basic(), headers={"Authorization": f"Basic {_basic()}"}, shown="Basic "),
    Carrier(
        "Proxy-Authorization",
        _secret(5),
        headers={"Proxy-Authorization": f"Bearer {_secret(5)}"},
        shown="Proxy-Authorization",
    ),
    Carrier("Cookie", _secret(6), headers={"Cookie": f"theme=dark; session={_secret(6)}"}, shown="session="),
    Carrier("X-Api-Key", _secret(7), headers={"X-Api-Key": _secret(7)}, shown="X-Api-Key"),
    Carrier("X-Session-Token", _secret(8), headers={"X-Session-Token": _secret(8)}, shown="X-Session-Token"),
    Carrier("query jwt", _secret(9), query=(("jwt", _secret(9)),), shown="jwt="),
    Carrier("query bearer", _secret(10), query=(("bearer", _secret(10)),), shown="bearer="),
    Carrier("query access_token", _secret(11), query=(("access_token", _secret(11)),), shown="access_token="),
    Carrier("query api_key", _secret(12), query=(("api_key", _secret(12)),), shown="api_key="),
    Carrier("query apikey", _secret(13), query=(("apikey", _secret(13)),), shown="apikey="),
    Carrier("query api-key", _secret(14), query=(("api-key", _secret(14)),), shown="api-key="),
    Carrier("query token", _secret(15), query=(("token", _secret(15)),), shown="token="),
    Carrier("query key", _secret(16), query=(("key", _secret(16)),), shown="key="),
    Carrier("query secret", _secret(17), query=(("secret", _secret(17)),), shown="secret="),
    Carrier("query signature", _secret(18), query=(("Signature", _secret(18)),), shown="Signature="),
    Carrier(
        "JSON body client_secret",
        _secret(19),
        headers={"Content-Type": "application/json"},
        body=json.dumps(
            {"to": "14155550100", "tn": 12017771234, "message": "hi", "client_secret": _secret(19)}
        ).encode(),
        shown="client_secret",
    ),
)


def _forms(value: str) -> list[str]:
    return [value, quote(value, safe=""), base64.b64encode(value.encode()).decode()]


class _Echo(LoopbackHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        values = [v for n, v in self.headers.items() if n.lower() not in _NOT_ECHOED]
        values += [v for _, v in parse_qsl(urlsplit(self.path).query)]
        values += [body] if body else []
        echo = {
            "echo": [form for value in values for form in _forms(value)],
            "cookie_echo": _forms(SET_COOKIE_SECRET),
            "access_token": BODY_SECRET,
        }
        payload = json.dumps(echo).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", f"session={SET_COOKIE_SECRET}; Path=/; HttpOnly")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def echoing() -> Iterator[str]:
    """The echoing target on a free loopback port; yields its base URL."""
    server = LoopbackHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def leaks(texts: dict[str, str], secrets: dict[str, str]) -> dict[str, list[str]]:
    """``label -> ["artefact/form", ...]`` for every form of every secret found in the texts."""
    found: dict[str, list[str]] = {}
    for label, secret in secrets.items():
        for where, text in texts.items():
            for form, value in token_forms(secret).items():
                flags = re.IGNORECASE if form in ("raw", "lower", "upper", "swapcase", "url", "hex") else 0
                if re.search(re.escape(value), text, flags):
                    found.setdefault(label, []).append(f"{where}/{form}")
    return found
