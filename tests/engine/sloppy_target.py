"""A small loopback Send-SMS server with switchable sloppiness, one class of real-world parser mistake each.

Written from the docs for these tests (it imports nothing of ``conformance``): with no habit switched on
it answers as S1 documents, so the coverage phase must find nothing; each habit is a mistake real
servers make (trimming, double decoding, counting UTF-16 units, ``parseInt``, comparing tokens loosely)
and the coverage phase must catch it whatever the seed.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from support import LoopbackHandler, LoopbackHTTPServer

DIGITS = re.compile(r"[0-9]{3,15}", re.ASCII)

#: habit -> what the server gets wrong
HABITS = {
    "trims_message": "strips surrounding whitespace from Message",
    "decodes_twice": "URL-decodes Message a second time ('+' becomes a space, '%41' an 'A')",
    "normalises_nfc": "stores Message in Unicode NFC (composes combining marks)",
    "normalises_newlines": "turns CRLF into LF in Message",
    "drops_zero_width": "removes zero-width characters from Message",
    "counts_utf16_units": "limits Message to 918 UTF-16 code units instead of characters",
    "counts_utf8_bytes": "limits Message to 2,000 UTF-8 bytes",
    "limits_request_line": "answers 414 to a request line over 8,192 bytes (a proxy's limit)",
    "parses_leading_digits": "reads TO like parseInt: leading digits, the rest ignored",
    "lenient_numbers": "reads TO like int() after a trim: '+', Unicode digits, whitespace, '0' accepted",
    "token_case_insensitive": "compares tokens ignoring case",
    "token_prefix": "accepts a token when one is a prefix of the other",
    "repeated_parameter_500": "fails with HTTP 500 when a parameter is repeated",
}


def _now() -> str:
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


LEASED_ON = _now()  # one lease per sender, leased before any send (D30)


class _Handler(LoopbackHandler):
    server: SloppyServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _reply(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, fields: dict[str, object] | None = None) -> None:
        body: dict[str, object] = {"success": False, "status": status, "message": message}
        if fields is not None:
            body["fields"] = fields
        self._reply(status, body)

    def do_POST(self) -> None:
        habits = self.server.habits
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "limits_request_line" in habits and len(self.requestline) > 8192:
            return self._error(414, "URI Too Long")
        url = urlsplit(self.path)
        if url.path != "/rest/sms":
            return self._error(404, "Not Found")
        pairs = parse_qsl(url.query, keep_blank_values=True)
        if not self._authorised(self.headers.get("X-Auth-Token")):
            return self._error(401, "Unauthorized")
        names = [name for name, _ in pairs]
        if "repeated_parameter_500" in habits and len(names) != len(set(names)):
            return self._error(500, "Internal Server Error")
        query = dict(pairs)  # the last value of a repeated parameter wins
        problems: dict[str, object] = {}
        sender, to, message = query.get("FROM"), self._number(query.get("TO")), query.get("Message")
        for key, value in (("params.from", sender), ("params.to", to)):
            if value is None:
                problems[key] = {"message": "is required", "value": None}
            elif not DIGITS.fullmatch(value):
                problems[key] = {"message": "invalid integer number", "value": value}
        if message is None or not message or self._too_long(message):
            problems["params.message"] = {"message": "must be 1 to 918 characters", "value": message}
        if problems:
            return self._error(400, "Validation failed", problems)
        assert sender is not None and to is not None and message is not None
        if sender not in self.server.senders:
            return self._error(404, "TNLease and SMSCampaign not found")
        stamp = _now()
        payload = {
            "uuid": str(uuid.uuid4()),
            "type": "smso",
            "state": "created",
            "from": sender,
            "to": int(to),
            "message": self._stored(message),
            "thread": uuid.uuid5(uuid.NAMESPACE_URL, f"sms:{sender}:{int(to)}").hex,  # one per pair (D28)
            "delivered": False,
            "automated": False,
            "tn": {"tn": int(sender), "created_on": LEASED_ON, "modified_on": LEASED_ON, "deleted_on": None},
            "created_on": stamp,
            "modified_on": stamp,
        }
        self._reply(200, {"success": True, "payload": payload})

    def _authorised(self, presented: str | None) -> bool:
        real, habits = self.server.token, self.server.habits
        if not presented:
            return False
        if "token_case_insensitive" in habits and presented.lower() == real.lower():
            return True
        if "token_prefix" in habits and (real.startswith(presented) or presented.startswith(real)):
            return True
        return presented == real

    def _number(self, value: str | None) -> str | None:
        habits = self.server.habits
        if value is None:
            return None
        if "parses_leading_digits" in habits:
            match = re.match(r"[0-9]+", value)
            return match.group(0) if match else value
        if "lenient_numbers" in habits:
            try:
                return str(int(value.strip()))
            except ValueError:
                return value
        return value

    def _too_long(self, message: str) -> bool:
        habits = self.server.habits
        if "counts_utf16_units" in habits:
            return len(message.encode("utf-16-le")) // 2 > 918
        if "counts_utf8_bytes" in habits:
            return len(message.encode()) > 2000
        return len(message) > 918

    def _stored(self, message: str) -> str:
        habits = self.server.habits
        if "trims_message" in habits:
            message = message.strip()
        if "decodes_twice" in habits:
            message = unquote_plus(message)
        if "normalises_nfc" in habits:
            message = unicodedata.normalize("NFC", message)
        if "normalises_newlines" in habits:
            message = message.replace("\r\n", "\n")
        if "drops_zero_width" in habits:
            message = re.sub("[\u200b\u200c\u200d\u2060\ufeff]", "", message)
        return message


class SloppyServer(LoopbackHTTPServer):
    daemon_threads = True

    def __init__(self, token: str, senders: tuple[str, ...], habits: frozenset[str]) -> None:
        unknown = habits - HABITS.keys()
        if unknown:
            raise ValueError(f"unknown habits {sorted(unknown)}")
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token, self.senders, self.habits = token, senders, habits

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def sloppy_server(token: str, senders: tuple[str, ...], *habits: str) -> Iterator[SloppyServer]:
    server = SloppyServer(token, senders, frozenset(habits))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
