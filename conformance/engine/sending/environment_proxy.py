"""The proxy of the environment for one target URL, decided once per client (D45).

``HTTP_PROXY``, ``HTTPS_PROXY`` and ``ALL_PROXY`` (lower-case names win, as ``urllib.request.getproxies``
reads them) name the proxy of a scheme; ``NO_PROXY`` lists the hosts reached directly, by curl's
rules: entries separated by commas or spaces, ``*`` alone for every host; a name matches itself and
every name under it (``example.com`` and ``.example.com`` both cover ``example.com`` and
``api.example.com``, never ``myexample.com``); an entry may carry a port (``host:8080``,
``[::1]:8080``) and then covers that port only; an IP address or a CIDR block (``10.0.0.0/8``)
covers the addresses in it. Only http and https proxies are taken; a SOCKS proxy is refused.
"""

from __future__ import annotations

import ipaddress
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

__all__ = ["EnvironmentProxy", "ProxySchemeError", "bypassed", "proxy_for"]

VARIABLES = {"http": "HTTP_PROXY", "https": "HTTPS_PROXY", "all": "ALL_PROXY"}


class ProxySchemeError(ValueError):
    """The environment names a proxy the client cannot use; the message names the variable."""


@dataclass(frozen=True)
class EnvironmentProxy:
    """A proxy URL as the environment gave it (credentials included) and the variable that gave it."""

    url: httpx.URL
    variable: str


def proxy_for(target_url: str, proxies: Mapping[str, str] | None = None) -> EnvironmentProxy | None:
    """The proxy a request to ``target_url`` goes through, or None to go direct.

    ``proxies`` is ``urllib.request.getproxies()`` unless given (keys ``http``, ``https``, ``all``,
    ``no``). Raises ``ProxySchemeError`` for a proxy that is neither http nor https."""
    found = urllib.request.getproxies() if proxies is None else proxies
    target = httpx.URL(target_url)
    key = next((k for k in (target.scheme, "all") if found.get(k)), None)
    if key is None or bypassed(target, found.get("no", "")):
        return None
    value = found[key]
    url = httpx.URL(value if "://" in value else f"http://{value}")
    variable = VARIABLES.get(key, key.upper() + "_PROXY")
    if url.scheme not in ("http", "https"):
        raise ProxySchemeError(
            f"the environment variable {variable} names a {url.scheme} proxy; the client sends "
            "through http and https proxies only. Name an http(s) proxy, add the target's host to "
            "NO_PROXY, or set proxy_from_environment: false in the profile; nothing was sent."
        )
    return EnvironmentProxy(url, variable)


def bypassed(target: httpx.URL, no_proxy: str) -> bool:
    """``NO_PROXY`` (its value ``no_proxy``) says to reach ``target`` directly."""
    hosts = {target.host.lower(), target.raw_host.decode("ascii").lower()}  # as written and as sent
    port = target.port or (443 if target.scheme == "https" else 80)
    for entry in no_proxy.replace(" ", ",").split(","):
        name, entry_port = _host_and_port(entry.strip().lower())
        if name == "*" and entry_port is None:
            return True
        if name and (entry_port is None or entry_port == port) and any(_covers(name, h) for h in hosts):
            return True
    return False


def _host_and_port(entry: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]``, ``[v6]:port`` or a bare IPv6 address, split."""
    if entry.startswith("["):
        name, _, rest = entry[1:].partition("]")
        port = rest.removeprefix(":")
    elif entry.count(":") == 1:
        name, _, port = entry.partition(":")
    else:
        name, port = entry, ""
    return name, int(port) if port.isdigit() else None


def _covers(name: str, host: str) -> bool:
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(name, strict=False)
    except ValueError:  # either is a name, not an address
        name = name.lstrip(".")
        return host == name or host.endswith("." + name)
