"""Careless input is refused before anything is sent: exit 2, one paragraph, no traceback, no token.

Each case points the CLI at a counting loopback server; the server proves that nothing reached it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hostile_server import hostile
from support import run_cli

ENV = "HOSTILE_INPUT_TOKEN"
GOOD_TOKEN = "good-token-0123456789"
SENDER = "12017771234"


def _profile(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "target.yaml"
    path.write_text(
        f"name: target\nbase_url: {url}\nauth: {{method: header, token_env: {ENV}}}\n"
        f"senders: ['{SENDER}']\n{extra}",
        encoding="utf-8",
    )
    return path


def _assert_refused(done: object, sent: int, *, secret: str = GOOD_TOKEN) -> str:
    stderr = done.stderr  # type: ignore[attr-defined]
    assert done.returncode == 2, stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    assert sent == 0
    message = stderr.strip()
    assert message and "\n\n" not in message  # one paragraph
    assert secret not in stderr + done.stdout  # type: ignore[attr-defined]
    return message


@pytest.mark.slow
@pytest.mark.parametrize(
    ("token", "said"),
    [
        (GOOD_TOKEN + "\r", "carriage return"),
        (GOOD_TOKEN + "\n", "line feed"),
        ("good-tokén-0123456789", "non-ASCII"),
        ("good token 0123456789", "space"),
        ("good-token\x1b-0123456789", "control character"),
    ],
)
def test_a_token_with_control_or_non_ascii_characters_is_refused_before_sending(
    tmp_path: Path, token: str, said: str
) -> None:
    with hostile("counting") as server:
        profile = _profile(tmp_path, server.url)
        done = run_cli("run", "--profile", str(profile), cwd=tmp_path, env={ENV: token})
        sent = server.requests
    message = _assert_refused(done, sent, secret=token.strip())
    assert said in message and ENV in message
    assert not (tmp_path / "conformance-report").exists()


@pytest.mark.slow
def test_diff_refuses_a_bad_token_on_either_side_before_sending(tmp_path: Path) -> None:
    with hostile("counting") as a, hostile("counting") as b:
        profile_a = _profile(tmp_path, a.url)
        profile_b = tmp_path / "b.yaml"
        profile_b.write_text(profile_a.read_text().replace(ENV, ENV + "_B").replace("target", "b"))
        done = run_cli(
            "diff", "--profile", str(profile_a), "--profile", str(profile_b),
            cwd=tmp_path, env={ENV: GOOD_TOKEN, ENV + "_B": "other-token\r"},
        )
        sent = a.requests + b.requests
    assert "carriage return" in _assert_refused(done, sent, secret="other-token")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("timeout_s: .nan\n", "timeout_s"),
        ("timeout_s: .inf\n", "timeout_s"),
        ("timeout_s: -1\n", "timeout_s"),
        ("latency_budget_ms: .nan\n", "latency_budget_ms"),
        ("time_budget_s: .inf\n", "time_budget_s"),
        ('rate_limit: "0/s"\n', "rate_limit"),
        ('rate_limit: "0.0/min"\n', "rate_limit"),
    ],
)
def test_profile_numbers_that_mean_nothing_are_refused(tmp_path: Path, extra: str, field: str) -> None:
    with hostile("counting") as server:
        profile = _profile(tmp_path, server.url, extra)
        done = run_cli("run", "--profile", str(profile), cwd=tmp_path, env={ENV: GOOD_TOKEN})
        sent = server.requests
    assert field in _assert_refused(done, sent)


@pytest.mark.slow
@pytest.mark.parametrize(
    "base_url",
    ["http://[::1", "http://[127.0.0.1]/", "ftp://127.0.0.1/", "http://127.0.0.1:99999", "127.0.0.1:8080"],
)
def test_a_base_url_that_is_not_an_http_url_is_refused(tmp_path: Path, base_url: str) -> None:
    with hostile("counting") as server:
        done = run_cli(
            "run", "--profile", str(_profile(tmp_path, server.url)), "--base-url", base_url,
            cwd=tmp_path, env={ENV: GOOD_TOKEN},
        )
        sent = server.requests
    assert "--base-url" in _assert_refused(done, sent)


@pytest.mark.slow
def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["12017771234"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    bomb = "\n".join(lines) + "\n"
    assert len(bomb) < 700  # 9**9 values once expanded
    with hostile("counting") as server:
        profile = _profile(tmp_path, server.url, bomb + "destinations: *a9\n")
        started = time.monotonic()
        done = run_cli("run", "--profile", str(profile), cwd=tmp_path, env={ENV: GOOD_TOKEN}, timeout=60)
        took = time.monotonic() - started
        sent = server.requests
    print(f"alias bomb of {len(bomb)} bytes refused in {took:.1f} s")
    assert "aliases" in _assert_refused(done, sent)


def test_a_profile_with_a_few_aliases_still_loads(tmp_path: Path) -> None:
    """The clean side of the alias limit: ordinary anchors are fine."""
    from conformance.engine.profiles import load_profile

    profile = tmp_path / "anchors.yaml"
    profile.write_text(
        f"name: anchors\nbase_url: http://127.0.0.1:9\nauth: {{method: header, token_env: {ENV}}}\n"
        f"senders: &leased ['{SENDER}']\ndestinations: *leased\n",
        encoding="utf-8",
    )
    loaded = load_profile(str(profile))
    assert loaded.senders == loaded.destinations == (SENDER,)
