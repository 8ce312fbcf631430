"""A small page on 127.0.0.1 whose script sends SMS through ``fetch``, and its same-origin forwarder.

``GET /`` serves the page; ``POST /rest/sms`` is forwarded unchanged (query, X-Auth-Token) to the mock
and its answer returned as it came, so the browser's fetch is same-origin (no CORS) and the HAR the
browser records holds the application's real requests and the mock's real answers. Only 127.0.0.1,
a free port, stopped by the context manager.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from support import LoopbackHandler, LoopbackHTTPServer

__all__ = ["SENDS", "page_server"]

# what the page's script sends, in order: (query, token header value or None)
SENDS: tuple[tuple[dict[str, str], bool], ...] = (
    ({"FROM": "12017771234", "TO": "14155550100", "Message": "Hello from the browser"}, True),
    ({"FROM": "12017771234", "TO": "14155550101", "Message": "Grüße ✓"}, True),
    ({"FROM": "12017771234", "TO": "qwerty123456789", "Message": "bad number"}, True),
    ({"FROM": "12017771234", "TO": "14155550102", "Message": "no token"}, False),
)

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>sending</title></head><body>
<script>
const TOKEN = %(token)s;
const SENDS = %(sends)s;
(async () => {
  for (const [query, withToken] of SENDS) {
    const headers = withToken ? {"X-Auth-Token": TOKEN} : {};
    const response = await fetch("/rest/sms?" + new URLSearchParams(query), {method: "POST", headers});
    await response.text();
  }
  document.title = "done";
})();
</script></body></html>"""


@contextmanager
def page_server(mock_url: str, token: str) -> Iterator[str]:
    """The page's origin (http://127.0.0.1:PORT), forwarding /rest/sms to ``mock_url``."""
    page = PAGE % {"token": json.dumps(token), "sends": json.dumps([[q, t] for q, t in SENDS])}
    upstream = httpx.Client(base_url=mock_url, timeout=10.0)

    class Handler(LoopbackHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            body = page.encode() if self.path == "/" else b"not here"
            self.send_response(200 if self.path == "/" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8" if self.path == "/" else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            token = self.headers.get("X-Auth-Token")
            answer = upstream.post(
                self.path, content=body, headers={"X-Auth-Token": token} if token is not None else {}
            )
            self.send_response(answer.status_code)
            for name, value in answer.headers.multi_items():
                if name.lower() not in (
                    "content-length",
                    "transfer-encoding",
                    "connection",
                    "date",
                    "server",
                ):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

    server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        upstream.close()
