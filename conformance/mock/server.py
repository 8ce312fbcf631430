"""Serving the mock: a real uvicorn server on loopback, in a background thread.

Over HTTP (what the suite and the CLI use)::

    with MockServer(MockConfig(faults=frozenset({"to_as_string"}))) as server:
        httpx.post(f"{server.url}/rest/sms", params=..., headers={"X-Auth-Token": server.token})

In-process, without sockets: the fastest route is ``httpx.AsyncClient(transport=httpx.ASGITransport(
app=create_app(MockConfig())))`` (about 2.7x uvicorn on loopback, as measured in 0.1). The sync
``starlette.testclient.TestClient(create_app(...))`` also works but hops threads per request and is
slower than uvicorn on loopback (about 0.5x); Starlette 1.x warns that it prefers ``httpx2``.

``host`` defaults to 127.0.0.1; only the CLI's explicit ``--host`` binds anything else.

The server binds its own socket before the thread starts, so "port in use" surfaces as an
``OSError`` from ``start()``; port 0 picks a free port, read back from ``server.port``.
``stop()`` returns within about half a second and leaves no thread behind; an error that
ended the server thread, or that the app raised while answering, is re-raised by ``stop()``
(pytest-httpserver style), so a bug in the mock fails the test that met it.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from conformance.mock.app import create_app
from conformance.mock.config import LOOPBACK, MockConfig
from conformance.mock.store import MessageStore

__all__ = ["LOOPBACK", "MockServer", "MockServerError"]

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 5.0


class MockServerError(RuntimeError):
    """The server thread failed to start or died."""


class MockServer:
    """One mock app behind uvicorn, started by ``start()`` or ``with``; see the module docstring."""

    def __init__(
        self,
        config: MockConfig | None = None,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        access_log: bool = False,
    ) -> None:
        self.config = config if config is not None else MockConfig()
        self.app: Starlette = create_app(self.config)
        self.host = host
        self._requested_port = port
        self._access_log = access_log
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._error: BaseException | None = None
        self._port: int | None = None

    # -- addresses --------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise MockServerError("the mock server is not started; call start() or use `with`")
        return self._port

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:8123``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def token(self) -> str:
        return self.config.token

    @property
    def store(self) -> MessageStore:
        store: MessageStore = self.app.state.store
        return store

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- life cycle -------------------------------------------------------------------------------

    def start(self) -> MockServer:
        """Bind, start serving, and return once requests are answered. Raises ``OSError`` on bind."""
        if self._thread is not None:
            raise MockServerError("the mock server is already started")
        self._socket = _bind(self.host, self._requested_port)
        self._port = int(self._socket.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            http="h11",
            ws="none",
            loop="asyncio",
            lifespan="off",
            log_config=None,
            log_level="info" if self._access_log else "warning",
            access_log=self._access_log,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._error = None
        self._thread = threading.Thread(target=self._serve, name=f"opentact-mock:{self._port}", daemon=True)
        self._thread.start()
        self._wait_started()
        return self

    def _serve(self) -> None:
        assert self._server is not None and self._socket is not None
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # re-raised in the caller's thread by start()/stop()
            self._error = exc

    def _wait_started(self) -> None:
        assert self._server is not None and self._thread is not None
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                error = self._error
                self._cleanup()
                raise MockServerError(f"the mock server thread died on start: {error!r}") from error
            if time.monotonic() > deadline:
                self.stop()
                raise MockServerError(f"the mock server did not start within {_START_TIMEOUT:.0f} s")
            time.sleep(0.005)

    def stop(self, *, raise_errors: bool = True) -> None:
        """Stop serving and join the thread. Idempotent.

        With ``raise_errors``, raise ``MockServerError`` if the server thread died or the app
        raised while answering a request (each such request got a JSON 500).
        """
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(_STOP_TIMEOUT)
        if thread.is_alive():
            server.force_exit = True
            thread.join(_STOP_TIMEOUT)
        error = self._error
        self._cleanup()
        app_errors: list[Exception] = list(self.app.state.errors)
        self.app.state.errors.clear()
        if not raise_errors:
            return
        if error is not None and not isinstance(error, SystemExit | KeyboardInterrupt):
            raise MockServerError(f"the mock server thread failed: {error!r}") from error
        if app_errors:
            raise MockServerError(
                f"the mock app raised {len(app_errors)} error(s) while answering; first: {app_errors[0]!r}"
            ) from app_errors[0]

    def _cleanup(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self._server = None
        self._thread = None
        self._socket = None
        self._error = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "not started"
        return f"MockServer({where}, faults={sorted(self.config.faults)})"


def _bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv6 if ``host`` is an IPv6 literal)."""
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError:  # a host name such as "localhost"
        family = socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # inherited by accepted connections: without it, Nagle + delayed ACK add ~40 ms per response
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    sock.setblocking(False)
    return sock
