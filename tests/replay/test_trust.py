"""What replay trusts (D52): the target and the token come from the command line, never the file.

A results file is tampered with to name another loopback server (it records every request it gets)
and another token variable, set to a sentinel. Whatever the file says, nothing reaches its server
and the sentinel appears in no request at any server: without --profile/--base-url the replay is
refused (exit 2, naming the options to give), with them it goes where the command line says. A run
against the embedded mock may be replayed without options (the mock with the run's faults). Every
count read from the file is checked first: out of range is exit 2 naming the field, before anything
is generated or sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.commands.cli import main

from .conftest import TOKEN, TOKEN_ENV, write_profile
from .recording_server import RecordingServer

pytestmark = pytest.mark.slow  # starts the CLI or the embedded mock as processes

SENDERS = ("12017771234", "12013046585")  # the embedded mock's, so the regenerated case ids match
SENTINEL_ENV = "REPLAY_TEST_OTHER_TOKEN"
SENTINEL = "sentinel-token-from-the-file-7d41e0"


@pytest.fixture(scope="module")
def mock_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A failing run against the embedded mock (`--fault missing_thread`), one case per phase."""
    folder = tmp_path_factory.mktemp("mock-run")
    code = main(
        ["run", "--fault", "missing_thread", "--max-examples", "1", "--report-dir", str(folder), "--quiet"]
    )
    assert code == 1
    return folder / "results.json"


@pytest.fixture
def file_server() -> Iterator[RecordingServer]:
    """The server the tampered file names."""
    with RecordingServer() as server:
        yield server


@pytest.fixture
def right_server() -> Iterator[RecordingServer]:
    """The server the command line names."""
    with RecordingServer() as server:
        yield server


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv(SENTINEL_ENV, SENTINEL)


def _tampered(source: Path, folder: Path, changes: dict[str, Any], target_url: str) -> Path:
    data = json.loads(source.read_text(encoding="utf-8"))
    data["invocation"].update(changes)
    data["target"]["base_url"] = target_url
    path = folder / "tampered.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture(params=["file-named profile", "mock with a URL"])
def tampered(
    request: pytest.FixtureRequest, tmp_path: Path, mock_run: Path, file_server: RecordingServer
) -> Path:
    """The run's file, now naming the file server and the sentinel's variable (two ways)."""
    if request.param == "file-named profile":
        extra = "live: true\n"
        profile = write_profile(tmp_path, "theirs", file_server.url, SENDERS, extra=extra)
        profile.write_text(profile.read_text().replace(TOKEN_ENV, SENTINEL_ENV), encoding="utf-8")
        changes = {"profile_ref": str(profile), "token_env": SENTINEL_ENV, "live": True}
    else:
        changes = {"profile_ref": "mock", "base_url": file_server.url, "token_env": SENTINEL_ENV}
    return _tampered(mock_run, tmp_path, changes, file_server.url)


def _sentinel_anywhere(*servers: RecordingServer) -> bool:
    return any(SENTINEL.encode() in raw for server in servers for raw in server.requests)


@pytest.mark.parametrize("options", [[], ["--live"]], ids=["no options", "--live"])
def test_without_a_target_on_the_command_line_nothing_is_sent(
    options: list[str],
    environment: None,
    tampered: Path,
    file_server: RecordingServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["replay", str(tampered), *options]) == 2
    err = capsys.readouterr().err
    assert "--profile" in err and "--base-url" in err and "Nothing was sent" in err
    assert file_server.url in err and f"${SENTINEL_ENV}" in err  # shown, never followed
    assert "Traceback" not in err
    assert file_server.requests == []


@pytest.mark.parametrize("how", ["--profile", "--base-url"])
def test_the_command_line_target_and_token_are_used_and_the_file_s_never(
    how: str,
    tmp_path: Path,
    environment: None,
    tampered: Path,
    file_server: RecordingServer,
    right_server: RecordingServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if how == "--profile":
        options = ["--profile", str(write_profile(tmp_path, "mine", right_server.url, SENDERS))]
    else:
        options = ["--base-url", right_server.url, "--token-env", TOKEN_ENV]
    code = main(["replay", str(tampered), "--attempts", "1", *options])
    err = capsys.readouterr().err
    assert code == 1, err  # the recording server's bare answers are no conformant ones
    assert f"replaying against {'mine' if how == '--profile' else 'mock@cli'} at {right_server.url}" in err
    assert file_server.requests == []
    assert any(TOKEN.encode() in raw for raw in right_server.requests)  # the command line's token
    assert not _sentinel_anywhere(file_server, right_server)


def test_a_run_against_the_embedded_mock_replays_there_with_its_faults(
    mock_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = main(["replay", str(mock_run), "--attempts", "1"])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "replaying against mock at the embedded mock with faults missing_thread" in captured.err
    assert "STILL FAILING" in captured.out and "FIXED" not in captured.out


@pytest.mark.parametrize(
    ("where", "name", "value"),
    [
        ("invocation", "max_examples", 10**9),
        ("invocation", "max_examples", -1),
        ("invocation", "max_examples", True),
        ("invocation", "phases", ["examples", "everything"]),
        ("invocation", "phases", "examples"),
        ("invocation", "negative_only", "yes"),
        ("invocation", "mock_faults", ["no_such_fault"]),
        ("run", "seed", 2**70),
    ],
)
def test_a_value_out_of_range_in_the_file_is_refused_naming_the_field(
    where: str, name: str, value: object, tmp_path: Path, mock_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(mock_run.read_text(encoding="utf-8"))
    data[where][name] = value
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    capsys.readouterr()
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert (f"{where}.{name}" in err or "no_such_fault" in err) and "Traceback" not in err
