"""The CA roots an https peer is verified against (D46): the client's target and the proxy's upstream.

One policy for both, the first that applies, each replacing (never adding to) the others:

1. a CA file the user names: ``--ca-bundle FILE``, else the profile's ``ca_bundle``;
2. the environment: ``SSL_CERT_FILE``, else ``SSL_CERT_DIR`` (as httpx, curl and OpenSSL read them);
3. certifi's copy of Mozilla's roots, the bundle httpx verifies with by default.

The same roots on every machine that runs the same packages, whatever its operating system ships;
verification is never switched off. A file that cannot be read is refused with its source named.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from pathlib import Path

import certifi

__all__ = ["CARootsError", "verifying_context"]


class CARootsError(ValueError):
    """The CA roots cannot be loaded; the message names where they were given and the fix."""


def verifying_context(
    ca_bundle: Path | None = None, *, named: str = "--ca-bundle", environ: Mapping[str, str] | None = None
) -> ssl.SSLContext:
    """A client context that verifies certificates and host names against the roots of D46.

    ``named`` says where ``ca_bundle`` came from (``--ca-bundle``, a profile's field), for the error."""
    env = os.environ if environ is None else environ
    if ca_bundle is not None:
        return _loaded(f"{named} {ca_bundle}", cafile=str(ca_bundle))
    if cafile := env.get("SSL_CERT_FILE"):
        return _loaded(f"the environment variable SSL_CERT_FILE ({cafile})", cafile=cafile)
    if capath := env.get("SSL_CERT_DIR"):
        return _loaded(f"the environment variable SSL_CERT_DIR ({capath})", capath=capath)
    return _loaded(f"certifi's bundle {certifi.where()}", cafile=certifi.where())


def _loaded(source: str, *, cafile: str | None = None, capath: str | None = None) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise CARootsError(
            f"{source} cannot be read as PEM CA certificates ({reason}). Name a readable file holding "
            "your CA's certificate(s) in PEM form (or unset the variable); nothing was sent."
        ) from None
