"""Proxies from the environment, private CAs (D46) and internationalised hosts, on real loopback sockets.

The forward proxy is a scripted loopback server: it records the absolute-form request line it is sent
and answers itself, so a host that exists nowhere (``faß.de``) can be sent to and its encoding read.
Certificates come from a throwaway CA (trustme) that no trust store knows."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import certifi
import pytest
import trustme
from scripted import CASE, Scripted, ok, scripted, send, trickle_head
from support import run_cli

from conformance.engine.profiles import (
    ProfileError,
    SendBudget,
    load_profile,
    mock_profile,
    profile_from_mapping,
)
from conformance.engine.sending.client import TargetClient, TargetUnreachableError
from conformance.engine.tls_roots import CARootsError, verifying_context
from conformance.engine.traffic.proxy_upstream import Upstream, UpstreamTLSError, UpstreamURLError

QUERY = b"/rest/sms?FROM=12017771234&TO=14155550100&Message=hi"
ENVIRONMENT = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR")
TOKEN_ENV = "OPENTACT_TLS_TEST_TOKEN"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy and no CA file from the machine's environment: each test sets what it proves."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def profile_for(url: str, folder: Path, **keys: object) -> Path:
    lines = [
        "name: t",
        f"base_url: {url}",
        f"auth: {{method: header, token_env: {TOKEN_ENV}}}",
        "senders: ['12017771234']",
        *(f"{key}: {json.dumps(value)}" for key, value in keys.items()),
    ]
    path = folder / "target.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sent_for_profile(path: Path) -> None:
    client = TargetClient.for_target(load_profile(str(path)), "tok", SendBudget(10))
    try:
        client.send(CASE)
    finally:
        client.close()


# --- proxies from the environment -------------------------------------------------------------------


def test_a_proxy_from_the_environment_gets_the_request_in_absolute_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with scripted(ok) as target, scripted(ok) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        exchange = send(target.url)
    assert exchange.response is not None and exchange.response.status == 200
    assert proxy.request_lines() == [b"POST " + target.url.encode() + QUERY + b" HTTP/1.1"]
    assert target.requests == []


@pytest.mark.parametrize("bypass", ["NO_PROXY", "profile key"])
def test_no_proxy_and_the_profile_key_send_straight_to_the_target(
    bypass: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with scripted(ok) as target, scripted(ok) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        if bypass == "NO_PROXY":
            monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
            send(target.url)
        else:
            sent_for_profile(profile_for(target.url, tmp_path, proxy_from_environment=False))
    assert target.request_lines() == [b"POST " + QUERY + b" HTTP/1.1"]
    assert proxy.requests == []


def test_the_embedded_mock_is_never_proxied(monkeypatch: pytest.MonkeyPatch) -> None:
    with scripted(ok) as target, scripted(ok) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        client = TargetClient.for_target(replace(mock_profile(), base_url=target.url), "tok", SendBudget(10))
        client.send(CASE)
        client.close()
    assert len(target.requests) == 1 and proxy.requests == []


def test_a_proxy_trickling_its_answer_cannot_stretch_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    with scripted(ok) as target, scripted(lambda n, _: None, trickle_head) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        exchange = send(target.url, timeout_s=0.5)
    assert exchange.error is not None and exchange.error.startswith("ReadTimeout: ")
    assert proxy.connections == 1 and target.requests == []


def test_the_proxys_credentials_go_to_the_proxy_only(monkeypatch: pytest.MonkeyPatch) -> None:
    with scripted(ok) as target, scripted(ok) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("//", "//us%40er:p%3Aw@"))
        send(target.url)
    expected = b"\r\nProxy-Authorization: Basic " + base64.b64encode(b"us@er:p:w") + b"\r\n"
    assert len(proxy.requests) == 1 and expected in proxy.requests[0]


def connect_tunnel(target: Scripted, heads: list[bytes]) -> Callable[[socket.socket], None]:
    """A proxy's side of CONNECT: keep the request head, answer 200, then relay bytes both ways."""

    def relay(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def talk(conn: socket.socket) -> None:
        with conn:
            heads.append(conn.recv(65536))
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            port = int(target.url.rsplit(":", 1)[1])
            with socket.create_connection(("127.0.0.1", port)) as upstream:
                back = threading.Thread(target=relay, args=(upstream, conn), daemon=True)
                back.start()
                relay(conn, upstream)
                back.join()

    return talk


def test_an_https_target_through_a_proxy_is_tunnelled_and_verified_with_the_same_roots(
    tls_target: tuple[Scripted, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, ca_path = tls_target
    heads: list[bytes] = []
    with scripted(ok, connect_tunnel(server, heads)) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        exchange = send(server.url, ca_bundle=ca_path)
        with pytest.raises(TargetUnreachableError, match="CERTIFICATE_VERIFY_FAILED"):
            send(server.url)  # certifi's roots do not know the throwaway CA, proxied or not
    authority = server.url.removeprefix("https://").encode()
    assert exchange.response is not None and exchange.response.status == 200
    assert heads[0].startswith(b"CONNECT " + authority + b" HTTP/1.1\r\n")
    assert server.request_lines() == [b"POST " + QUERY + b" HTTP/1.1"]  # origin-form, inside the tunnel


def test_a_proxy_refusing_the_tunnel_is_a_proxy_error(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse = b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
    with scripted(lambda n, _: refuse) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        exchange = send("https://127.0.0.1:9")
    assert exchange.error is not None and exchange.error.startswith("ProxyError: ")
    assert proxy.request_lines() == [b"CONNECT 127.0.0.1:9 HTTP/1.1"]


def test_an_https_proxy_is_verified_with_the_roots_of_d46(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ca = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_side)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    with scripted(ok) as target, scripted(ok, tls=server_side) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
        exchange = send(target.url)
        monkeypatch.delenv("SSL_CERT_FILE")
        with pytest.raises(TargetUnreachableError, match="CERTIFICATE_VERIFY_FAILED"):
            send(target.url)
    assert exchange.response is not None and exchange.response.status == 200
    assert proxy.request_lines() == [b"POST " + target.url.encode() + QUERY + b" HTTP/1.1"]
    assert target.requests == []


# --- internationalised hosts --------------------------------------------------------------------------


def test_an_idn_host_goes_out_in_idna_2008_punycode(monkeypatch: pytest.MonkeyPatch) -> None:
    with scripted(ok) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        german = send("http://faß.de")
        plain = send("http://fass.de")  # the IDNA 2003 spelling of the same name is another host
    line, host = proxy.requests[0].split(b"\r\n")[0], b"\r\nHost: xn--fa-hia.de\r\n"
    assert german.response is not None and line == b"POST http://xn--fa-hia.de" + QUERY + b" HTTP/1.1"
    assert host in proxy.requests[0] and b"fass.de" not in proxy.requests[0]
    assert plain.response is not None and b"\r\nHost: fass.de\r\n" in proxy.requests[1]


def test_the_proxys_upstream_is_kept_as_it_goes_on_the_wire() -> None:
    german = Upstream.parse("https://faß.de/v1/ä")
    assert (german.host, german.authority, german.url) == ("xn--fa-hia.de", "xn--fa-hia.de", german.url)
    assert german.target(b"/rest/sms") == b"/v1/%C3%A4/rest/sms"
    assert Upstream.parse("http://[::1]:8080").authority == "[::1]:8080"
    with pytest.raises(UpstreamURLError, match="cannot be encoded"):
        Upstream.parse("http://☃.com")


def test_a_base_url_whose_host_idna_cannot_encode_is_refused_before_sending(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"base_url.*cannot be encoded for the wire"):
        load_profile(str(profile_for("http://☃.com", tmp_path)))
    assert load_profile(str(profile_for("http://faß.de", tmp_path))).base_url == "http://faß.de"


# --- private CAs (D46) --------------------------------------------------------------------------------


@pytest.fixture
def tls_target(tmp_path: Path) -> Iterator[tuple[Scripted, Path]]:
    """A loopback https server whose certificate a throwaway CA issued, and that CA's PEM file."""
    ca = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_side)
    ca_path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    with scripted(ok, tls=server_side) as server:
        yield server, ca_path


def test_an_unknown_ca_is_refused_with_nothing_sent(tls_target: tuple[Scripted, Path]) -> None:
    server, _ = tls_target
    with pytest.raises(TargetUnreachableError, match=r"CERTIFICATE_VERIFY_FAILED.*--ca-bundle"):
        send(server.url)
    assert server.requests == []


@pytest.mark.parametrize("given", ["ca_bundle", "SSL_CERT_FILE", "profile key"])
def test_a_private_ca_given_any_of_three_ways_is_trusted(
    given: str, tls_target: tuple[Scripted, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server, ca_path = tls_target
    if given == "ca_bundle":
        send(server.url, ca_bundle=ca_path)
    elif given == "SSL_CERT_FILE":
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_path))
        send(server.url)
    else:
        sent_for_profile(profile_for(server.url, tmp_path, ca_bundle="ca.pem"))  # next to the profile
    assert server.request_lines() == [b"POST " + QUERY + b" HTTP/1.1"]


def test_the_roots_are_the_first_given_of_file_environment_and_certifi(tmp_path: Path) -> None:
    ca = trustme.CA()
    ca_path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    certifi_count = len(verifying_context(environ={}).get_ca_certs())
    assert certifi_count == certifi.contents().count("BEGIN CERTIFICATE") > 100
    from_env = verifying_context(environ={"SSL_CERT_FILE": str(ca_path)})
    assert len(from_env.get_ca_certs()) == 1
    named = verifying_context(ca_path, environ={"SSL_CERT_FILE": certifi.where()})
    assert len(named.get_ca_certs()) == 1  # replaces the environment's, adds nothing to it
    assert named.verify_mode is ssl.CERT_REQUIRED and named.check_hostname


def test_an_unreadable_ca_file_is_refused_naming_where_it_was_given(tmp_path: Path) -> None:
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("not a certificate\n")
    with pytest.raises(CARootsError, match=r"environment variable SSL_CERT_FILE \(.*missing.pem\)"):
        verifying_context(environ={"SSL_CERT_FILE": str(tmp_path / "missing.pem")})
    with pytest.raises(ProfileError, match=r"field 'ca_bundle': the file .*notes.txt cannot be read as PEM"):
        load_profile(str(profile_for("https://127.0.0.1:9", tmp_path, ca_bundle="notes.txt")))
    with pytest.raises(ProfileError, match=r"--ca-bundle .*missing.pem cannot be read as PEM"):
        mock_profile().with_overrides(ca_bundle=tmp_path / "missing.pem")


def test_the_profile_keys_are_in_its_schema() -> None:
    base = {"name": "t", "base_url": "https://127.0.0.1:9", "auth": {"method": "header", "token_env": "T"}}
    profile = profile_from_mapping({**base, "senders": ["12017771234"]}, source="p.yaml")
    assert (profile.ca_bundle, profile.proxy_from_environment) == (None, True)
    with pytest.raises(ProfileError, match="'proxy_from_environment' is invalid"):
        profile_from_mapping({**base, "senders": ["12017771234"], "proxy_from_environment": "no"}, source="p")


def test_the_validating_proxys_upstream_has_the_same_roots(
    tls_target: tuple[Scripted, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, ca_path = tls_target
    upstream = Upstream.parse(server.url)
    with pytest.raises(UpstreamTLSError, match="cannot be verified"):
        upstream.probe(upstream.tls_context())
    upstream.probe(upstream.tls_context(ca_path))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_path))
    upstream.probe(upstream.tls_context())
    assert server.requests == []  # the probe writes no request


@pytest.mark.slow
def test_run_takes_ca_bundle_refuses_a_missing_one_and_without_it_exits_unreachable(
    tls_target: tuple[Scripted, Path], tmp_path: Path
) -> None:
    server, ca_path = tls_target
    common = ["run", "--base-url", server.url, "--token-env", TOKEN_ENV, "--phase", "examples"]
    env = {TOKEN_ENV: "tls-test-token"}
    missing = run_cli(*common, "--ca-bundle", str(tmp_path / "missing.pem"), cwd=tmp_path, env=env)
    assert missing.returncode == 2 and "--ca-bundle" in missing.stderr and "missing.pem" in missing.stderr
    assert "Traceback" not in missing.stderr
    refused = run_cli(*common, "--report-dir", "refused", cwd=tmp_path, env=env, timeout=120)
    assert refused.returncode == 3, refused.stderr
    assert "CERTIFICATE_VERIFY_FAILED" in refused.stderr and "--ca-bundle" in refused.stderr
    assert server.requests == []
    trusted = run_cli(*common, "--ca-bundle", str(ca_path), cwd=tmp_path, env=env, timeout=120)
    assert "Traceback" not in trusted.stderr
    results = json.loads((tmp_path / "conformance-report" / "results.json").read_text())
    assert results["stats"]["sent"] == len(server.requests) > 0
    assert not [d for d in results["deviations"] if d["check"] == "transport"]
