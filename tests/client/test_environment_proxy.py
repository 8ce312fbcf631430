"""Which proxy of the environment a target's requests go through: the scheme's variable and NO_PROXY.

``proxy_for`` is given the mapping ``urllib.request.getproxies()`` would return, so each rule is shown
with the value that makes it apply and one where it stays silent; the loopback tests of the client
itself are in ``test_proxies_and_tls.py``."""

from __future__ import annotations

import httpx
import pytest

from conformance.engine.profiles import ProfileError
from conformance.engine.sending.client import TargetClient
from conformance.engine.sending.environment_proxy import ProxySchemeError, bypassed, proxy_for

TARGET = "http://api.example.com"


@pytest.mark.parametrize(
    ("target", "no_proxy", "direct"),
    [
        ("http://api.example.com", "example.com", True),  # a name covers the names under it
        ("http://example.com", ".example.com", True),  # a leading dot is ignored (curl)
        ("http://myexample.com", "example.com", False),  # ... but a suffix is not a domain
        ("http://API.Example.com", "api.EXAMPLE.com", True),
        ("http://api.example.com", "other.org", False),
        ("http://api.example.com", "other.org, *", True),  # a lone * is every host
        ("http://api.example.com", "*.example.com", False),  # no other wildcard, as curl
        ("http://localhost:8080", "127.0.0.1 localhost", True),  # spaces separate too
        ("http://api.example.com:8080", "api.example.com:8080", True),
        ("http://api.example.com:8081", "api.example.com:8080", False),  # a port covers itself only
        ("https://api.example.com", "api.example.com:443", True),  # the scheme's default port
        ("http://10.1.2.3", "10.0.0.0/8", True),
        ("http://11.1.2.3", "10.0.0.0/8", False),
        ("http://10.1.2.3", "10.1.2.3", True),
        ("http://[::1]:8080", "::1", True),
        ("http://[::1]:8080", "[::1]:8080", True),
        ("http://[::1]:8080", "[::1]:9", False),
        ("http://[fd00::5]", "fd00::/8", True),
        ("http://faß.de", "xn--fa-hia.de", True),  # the host as sent ...
        ("http://faß.de", "faß.de", True),  # ... and as written
        ("http://fass.de", "faß.de", False),
        ("http://api.example.com", "", False),
    ],
)
def test_no_proxy_follows_curls_rules(target: str, no_proxy: str, direct: bool) -> None:
    assert bypassed(httpx.URL(target), no_proxy) is direct


def test_the_scheme_variable_comes_before_all_proxy_and_no_proxy_before_both() -> None:
    both = {"https": "http://tls-proxy:3128", "all": "http://any-proxy:3128"}
    https_proxy = proxy_for("https://api.example.com", both)
    assert https_proxy is not None
    assert (https_proxy.url.host, https_proxy.variable) == ("tls-proxy", "HTTPS_PROXY")
    http_proxy = proxy_for(TARGET, both)
    assert http_proxy is not None
    assert (http_proxy.url.host, http_proxy.variable) == ("any-proxy", "ALL_PROXY")
    assert proxy_for("https://api.example.com", {"http": "http://plain-proxy:3128"}) is None
    assert proxy_for(TARGET, {**both, "no": "example.com"}) is None
    assert proxy_for(TARGET, {}) is None


def test_a_proxy_without_a_scheme_is_http_and_keeps_its_credentials() -> None:
    proxy = proxy_for(TARGET, {"http": "us%40er:p%3Aw@proxy.internal:3128"})
    assert proxy is not None
    assert (proxy.url.scheme, proxy.url.host, proxy.url.port) == ("http", "proxy.internal", 3128)
    assert (proxy.url.username, proxy.url.password) == ("us@er", "p:w")


def test_a_socks_proxy_is_refused_naming_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ProxySchemeError, match="ALL_PROXY names a socks5 proxy"):
        proxy_for(TARGET, {"all": "socks5://127.0.0.1:1080"})
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("ALL_PROXY", "socks5://user:secret@127.0.0.1:1080")
    with pytest.raises(ProfileError, match=r"ALL_PROXY .*proxy_from_environment: false") as refused:
        TargetClient(TARGET, "tok", timeout_s=1.0)
    assert "secret" not in str(refused.value)
    TargetClient(TARGET, "tok", timeout_s=1.0, proxy_from_environment=False).close()  # the way out works
