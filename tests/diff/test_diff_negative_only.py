"""--negative-only-for: the costly side gets only the cases the documentation says must be rejected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.commands.diff import DiffOptions, execute_diff
from conformance.engine.profiles import load_profile
from conformance.mock.config import MockConfig
from conformance.mock.server import MockServer

TOKEN = "diff-negative-only-token"


@pytest.fixture
def two_mocks() -> Iterator[tuple[MockServer, MockServer]]:
    with (
        MockServer(MockConfig(token=TOKEN, seed=1)) as cheap,
        MockServer(MockConfig(token=TOKEN, seed=2)) as costly,
    ):
        yield cheap, costly


def profile_file(tmp_path: Path, name: str, url: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nbase_url: {url}\nauth: {{method: header, token_env: OPENTACT_DIFF_TOKEN}}\n"
        "senders: ['12017771234', '12013046585']\nmax_sends: 500\n"
    )
    return path


@pytest.mark.slow
def test_the_costly_side_gets_no_positive_case(
    tmp_path: Path, two_mocks: tuple[MockServer, MockServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENTACT_DIFF_TOKEN", TOKEN)
    cheap, costly = two_mocks
    a = load_profile(str(profile_file(tmp_path, "sandbox", cheap.url)))
    b = load_profile(str(profile_file(tmp_path, "production", costly.url)))
    results = execute_diff(DiffOptions(a=a, b=b, max_examples=4, negative_only_for="production"))
    assert costly.store.messages() == ()  # not one SMS "sent" on the costly side
    assert costly.store.request_count == results.stats["compared"] > 20
    one_side = {
        (phase.name, pair.split("/")[0]): count
        for phase in results.phases
        for pair, count in phase.status_counts.items()
        if pair.endswith("/-")
    }
    assert sum(one_side.values()) == results.stats["sent_to_one_side_only"] > 0
    stored = sum(count for (_, status), count in one_side.items() if status.startswith("2"))
    assert len(cheap.store.messages()) == stored > 0
    # the only one-side case that may be refused: TO given twice, where either outcome is documented (D34)
    refused = {key: n for key, n in one_side.items() if not key[1].startswith("2")}
    assert refused in ({}, {("coverage", "400"): 1})
    assert results.deviations == ()
    assert results.stats["sides"]["production"]["used"] < results.stats["sides"]["sandbox"]["used"]
    assert results.target.base_url == f"{cheap.url} | {costly.url}"
    assert results.target.name == "sandbox vs production"


@pytest.mark.slow
def test_each_side_spends_its_own_budget_and_an_exhausted_side_skips_the_case_for_both(
    tmp_path: Path, two_mocks: tuple[MockServer, MockServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENTACT_DIFF_TOKEN", TOKEN)
    cheap, costly = two_mocks
    tight = profile_file(tmp_path, "production", costly.url)
    tight.write_text(tight.read_text().replace("max_sends: 500", "max_sends: 3"))
    a = load_profile(str(profile_file(tmp_path, "sandbox", cheap.url)))
    b = load_profile(str(tight))
    results = execute_diff(DiffOptions(a=a, b=b, max_examples=4))
    assert results.stats["sides"]["production"]["used"] == 3
    assert results.stats["sides"]["sandbox"]["used"] == 3  # what B could not send, A did not send either
    assert results.stats["skipped_budget_or_negative_only"] > 0
    assert len(costly.store.messages()) <= 3
    assert results.deviations == ()
