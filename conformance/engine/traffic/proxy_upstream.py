"""The upstream of the validating proxy: its URL, its TLS context, and the one start-up probe.

``Upstream.parse`` validates ``--upstream`` (http or https, a host, no query or fragment; a base
path is kept and put in front of every forwarded path). Its host is kept as it goes on the wire:
an internationalised name encoded by httpx's URL rules (IDNA 2008, as the client sends it), the
path percent-encoded, so the Host header, the connection, TLS's server name and the request target
all use the same ASCII form. ``tls_context``
verifies certificates against the CA roots of D46, the client's (``--ca-bundle`` when given).
``probe`` opens one TCP connection and, for https, completes the TLS handshake, then closes it: no
HTTP request is ever written, so nothing reaches the upstream that the client did not send (D40).
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from conformance.engine.tls_roots import CARootsError, verifying_context
from conformance.model.http import DEFAULT_PORTS as _DEFAULT_PORTS

__all__ = ["PROBE_TIMEOUT_S", "Upstream", "UpstreamTLSError", "UpstreamURLError", "UpstreamUnreachableError"]

PROBE_TIMEOUT_S = 10.0


class UpstreamURLError(ValueError):
    """``--upstream`` or ``--ca-bundle`` cannot be used; the message names the option and the fix."""


class UpstreamTLSError(ValueError):
    """The upstream's certificate was refused (or its TLS handshake failed) at start-up."""


class UpstreamUnreachableError(ConnectionError):
    """The upstream refused or could not be reached at start-up (nothing was sent)."""


@dataclass(frozen=True)
class Upstream:
    """Where the proxy forwards: ``scheme://host:port`` and a base path (no trailing slash)."""

    scheme: str
    host: str
    port: int
    base_path: str = ""

    @classmethod
    def parse(cls, url: str) -> Upstream:
        parts = urlsplit(url.strip())
        problem = ""
        if parts.scheme not in _DEFAULT_PORTS:
            problem = "it must start with http:// or https://"
        elif not parts.hostname:
            problem = "it names no host"
        elif parts.query or parts.fragment:
            problem = "it carries a query or fragment; give the base URL the application would use"
        elif parts.username or parts.password:
            problem = "it carries credentials; the application's own requests carry theirs"
        if not problem:
            try:
                port = parts.port or _DEFAULT_PORTS[parts.scheme]
            except ValueError:
                problem = "its port is not a number from 1 to 65535"
        if not problem:
            try:
                on_wire = httpx.URL(url.strip())
            except httpx.InvalidURL as exc:
                problem = f"its host cannot be encoded for the wire ({exc})"
        if problem:
            raise UpstreamURLError(
                f"--upstream {url!r} cannot be used: {problem}. Pass the API's base URL, e.g. "
                "https://api.opentact.org or http://127.0.0.1:8080; nothing was sent."
            )
        host, path = on_wire.raw_host.decode("ascii"), on_wire.raw_path.decode("ascii")
        return cls(parts.scheme, host, port, path.rstrip("/"))

    @property
    def tls(self) -> bool:
        return self.scheme == "https"

    @property
    def authority(self) -> str:
        """The Host header value the upstream expects (the port only when not the default)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.authority}{self.base_path}"

    def target(self, request_target: bytes) -> bytes:
        """The request target sent upstream: the base path, then the client's target byte for byte."""
        return self.base_path.encode("ascii") + request_target

    def tls_context(self, ca_bundle: Path | None = None) -> ssl.SSLContext:
        """A verifying client context with the CA roots of D46: ``ca_bundle`` alone when given."""
        try:
            return verifying_context(ca_bundle, named="--ca-bundle")
        except CARootsError as exc:
            raise UpstreamURLError(str(exc)) from None

    def probe(self, context: ssl.SSLContext | None, timeout_s: float = PROBE_TIMEOUT_S) -> None:
        """Connect once (and shake hands for https), write nothing, close. Raises on failure."""
        try:
            raw = socket.create_connection((self.host, self.port), timeout=timeout_s)
        except OSError as exc:
            raise UpstreamUnreachableError(
                f"cannot connect to the upstream {self.url} ({exc.strerror or exc})"
            ) from None
        with raw:
            if not self.tls:
                return
            assert context is not None
            try:
                with context.wrap_socket(raw, server_hostname=self.host):
                    pass
            except ssl.SSLCertVerificationError as exc:
                raise UpstreamTLSError(
                    f"the upstream {self.url} presented a certificate that cannot be verified "
                    f"({exc.verify_message or exc.reason}). Nothing was sent. If it is a sandbox with "
                    "a private CA, pass that CA's certificate with --ca-bundle FILE (PEM); never "
                    "turn verification off for a production API."
                ) from None
            except (ssl.SSLError, OSError) as exc:
                raise UpstreamTLSError(
                    f"the TLS handshake with the upstream {self.url} failed ({exc}). Nothing was sent. "
                    "Check that the URL's scheme and port serve HTTPS."
                ) from None
