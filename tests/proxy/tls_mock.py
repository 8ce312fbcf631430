"""The reference mock behind TLS on 127.0.0.1, its certificate issued by a throwaway CA (trustme)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import trustme
import uvicorn
from proxy_support import Capturing, fixed_clock

from conformance.mock.app import create_app
from conformance.mock.config import MockConfig


@contextmanager
def tls_mock(folder: Path) -> Iterator[tuple[str, Path, Capturing]]:
    """``(https URL, CA bundle path, capturing app)``; the server stops when the block ends."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    cert.private_key_pem.write_to_path(str(key_path))
    cert_path.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    app = Capturing(create_app(MockConfig(clock=fixed_clock)))
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, ssl_certfile=str(cert_path), ssl_keyfile=str(key_path), log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"https://127.0.0.1:{port}", ca_path, app
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
