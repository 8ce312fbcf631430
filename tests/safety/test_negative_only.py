"""--negative-only sends nothing, even to a server that reads TO=0, Unicode digits, spaces and + leniently."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from conformance.contract.specfile import load_spec
from conformance.engine.generation.cases import GenerationOptions, generate_cases
from conformance.engine.leases import value_names_leased
from conformance.engine.profiles import AuthConfig, Profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.model.cases import Expectation

from .conftest import TOKEN, TOKEN_ENV, cli, results_of, write_profile
from .servers import LEASED, LenientSmsServer, careless_readings


def lenient_profile(server: LenientSmsServer) -> Profile:
    return Profile(
        name="lenient",
        base_url=server.url,
        auth=AuthConfig("header", TOKEN_ENV),
        senders=(LEASED,),
        max_sends=1000,
        source="test",
    )


@pytest.mark.parametrize("to", ["0", "٠٠٠", "+000", " 14155550100 ", "14155550100abc"])
def test_the_lenient_server_really_sends_what_a_strict_one_refuses(
    lenient: LenientSmsServer, to: str
) -> None:
    """The fault this file guards against: a leased FROM with a malformed TO is sent by this server."""
    done = httpx.post(f"{lenient.url}/rest/sms", params={"FROM": LEASED, "TO": to, "Message": "x"})
    assert done.status_code == 200
    assert lenient.traffic.sends == [{"FROM": LEASED, "TO": to, "Message": "x"}]


@pytest.mark.slow
def test_without_negative_only_the_lenient_server_sends(
    lenient: LenientSmsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    execute(RunOptions(profile=lenient_profile(lenient), seed=1, max_examples=3))
    assert len(lenient.traffic.sends) > 0


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 5, 8])
def test_negative_only_sends_nothing_to_a_lenient_server(
    lenient: LenientSmsServer, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    results = execute(
        RunOptions(profile=lenient_profile(lenient), seed=seed, negative_only=True, max_examples=10)
    )
    print(
        f"seed {seed}: {lenient.traffic.requests} requests, {len(lenient.traffic.sends)} accepted sends, "
        f"{lenient.traffic.naming_leased} naming the leased sender"
    )
    assert results.stats["sent"] == lenient.traffic.requests > 20  # the negative cases did go out
    assert lenient.traffic.sends == []
    assert lenient.traffic.naming_leased == 0
    assert results.stats["sends_used"] == 0


@pytest.mark.slow
def test_negative_only_cases_never_carry_a_value_read_as_the_leased_sender() -> None:
    """Every case, every value, under the test server's own careless readings (not the suite's)."""
    profile = Profile(
        name="p",
        base_url="http://127.0.0.1:1",
        auth=AuthConfig("header", "X"),
        senders=(LEASED,),
        source="test",
    )
    spec = load_spec()
    for seed in range(5):
        cases = generate_cases(
            profile, spec, GenerationOptions(seed=seed, max_examples=10, negative_only=True)
        )
        assert cases and all(c.expectation.rejects for c in cases)
        for case in cases:
            for value in case.params.values():
                assert LEASED not in careless_readings(value), (case.kind, value)
        # the cases moved to the unleased sender (a REFUSED case may also be one whose own FROM is
        # an invalid spelling no parser reads as the leased sender, D4: it stays as generated)
        rewritten = [c for c in cases if c.kind.endswith("(from the unleased sender, D18)")]
        assert all(c.expectation in (Expectation.REFUSED, Expectation.NOT_FOUND) for c in rewritten)
        assert rewritten and all(c.params["FROM"] == profile.unleased_sender for c in rewritten)


@pytest.mark.parametrize(
    "value",
    [
        "12017771234",
        " 12017771234",
        "+12017771234",
        "١٢٠١٧٧٧١٢٣٤",
        "１２０１７７７１２３４",
        "2017771234",
        "12017771234abc",
        "1-201-777-1234",
        "012017771234",
    ],
)
def test_the_budget_rule_reads_lenient_spellings_of_a_leased_sender(value: str) -> None:
    assert value_names_leased(value, (LEASED,))


@pytest.mark.parametrize("value", ["14155550100", "15555550100", "qwerty", "", "0", "negative check"])
def test_the_budget_rule_leaves_other_values_alone(value: str) -> None:
    assert not value_names_leased(value, (LEASED,))


@pytest.mark.slow
def test_negative_only_on_the_command_line_sends_nothing(tmp_path: Path, lenient: LenientSmsServer) -> None:
    profile = write_profile(tmp_path / "p.yaml", lenient.url, max_sends=50)
    done = cli(
        "run",
        "--profile",
        str(profile),
        "--negative-only",
        "--seed",
        "5",
        "--report-dir",
        "out",
        cwd=tmp_path,
    )
    assert done.returncode in (0, 1), done.stderr
    assert lenient.traffic.requests > 20 and lenient.traffic.sends == []
    assert results_of(tmp_path / "out")["stats"]["sends_used"] == 0


@pytest.mark.slow
def test_diff_negative_only_side_gets_no_send(tmp_path: Path) -> None:
    with LenientSmsServer() as a_server, LenientSmsServer() as b_server:
        a = write_profile(tmp_path / "a.yaml", a_server.url, max_sends=50)
        b = write_profile(tmp_path / "prod.yaml", b_server.url, max_sends=50)
        done = cli(
            "diff",
            "--profile",
            str(a),
            "--profile",
            str(b),
            "--negative-only-for",
            "prod",
            "--max-examples",
            "4",
            "--report-dir",
            "out",
            cwd=tmp_path,
        )
        assert done.returncode in (0, 1), done.stderr
        assert b_server.traffic.requests > 10 and b_server.traffic.sends == []
        assert a_server.traffic.sends  # the other side still got the valid cases


@pytest.mark.slow
def test_a_profile_with_negative_only_is_the_same_as_the_flag(
    lenient: LenientSmsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    execute(RunOptions(profile=replace(lenient_profile(lenient), negative_only=True), seed=2, max_examples=5))
    assert lenient.traffic.requests > 0 and lenient.traffic.sends == []
