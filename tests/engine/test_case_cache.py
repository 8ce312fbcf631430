"""The case cache: read back instead of regenerated, keyed by what shapes cases, robust, never secret."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from support import run_cli

from conformance.contract.specfile import load_spec
from conformance.engine.generation import cache as case_cache
from conformance.engine.generation.cases import GenerationOptions, generate_cases, profile_inputs
from conformance.engine.profiles import Profile, mock_profile
from conformance.mock.server import MockServer
from conformance.model.cases import Case
from strategies.derived_tokens import derived_token_kinds, derived_tokens

from .conftest import TOKEN, TOKEN_ENV
from .gate_runs import run_suite

SMALL = GenerationOptions(seed=3, max_examples=3)
# the cache is off unless a test switches it on, as for any library caller of generate_cases
pytestmark = pytest.mark.fresh_cases


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(case_cache.CACHE_DIR_ENV, str(folder))
    return folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("cases-*.json")) if folder.is_dir() else []


@pytest.mark.slow  # generates cases: the drawing child is a process
def test_every_field_of_every_case_survives_the_round_trip() -> None:
    options = GenerationOptions(seed=5, max_examples=4, token_kinds=derived_token_kinds(TOKEN))
    cases = generate_cases(mock_profile(), load_spec(), options)
    encoded = json.loads(json.dumps(case_cache.encode_cases(cases)))
    assert case_cache.decode_cases(encoded) == cases
    assert {c.phase for c in cases} >= {"examples", "coverage", "auth", "generated"}


@pytest.mark.slow  # generates cases: the drawing child is a process
def test_the_second_generation_reads_the_entry_the_first_wrote(cache: Path) -> None:
    spec, profile = load_spec(), mock_profile()
    with case_cache.caching():
        first = generate_cases(profile, spec, SMALL)
    [entry] = entries(cache)
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["cases"][0]["kind"] = "edited in the cache"  # only a read of the entry can return this
    entry.write_text(json.dumps(data), encoding="utf-8")
    with case_cache.caching():
        second = generate_cases(profile, spec, SMALL)
    assert second[0].kind == "edited in the cache"
    assert second[1:] == first[1:]
    assert generate_cases(profile, spec, SMALL) == first  # outside caching(): generated afresh


def drawn_entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("draws-*.json")) if folder.is_dir() else []


@pytest.mark.slow  # generates cases: the drawing child is a process
def test_case_lists_of_other_profiles_with_the_same_seed_and_size_read_one_drawing(cache: Path) -> None:
    spec, profile = load_spec(), mock_profile()
    other = replace(profile, senders=("12015550111",), unleased_sender="12015550199")
    with case_cache.caching():
        first = generate_cases(profile, spec, SMALL)
    [drawn] = drawn_entries(cache)
    data = json.loads(drawn.read_text(encoding="utf-8"))
    positive = data["draws"][0]
    assert positive and all(isinstance(query, dict) for query in positive)
    positive[0] = {**positive[0], "edited": "in the cache"}  # only a read of the entry can send this
    drawn.write_text(json.dumps(data), encoding="utf-8")
    with case_cache.caching():
        second = generate_cases(other, spec, SMALL)
    assert len(entries(cache)) == 2 and drawn_entries(cache) == [drawn]  # two case lists, one drawing
    edited = [c for c in second if c.phase == "generated" and c.params.get("edited") == "in the cache"]
    assert len(edited) == 1
    assert not any(c.params.get("edited") for c in first)
    assert [c for c in generate_cases(other, spec, SMALL) if c.params.get("edited")] == []  # uncached


def test_the_drawing_key_changes_with_the_spec_path_and_draws_and_not_with_the_profile() -> None:
    from conformance.engine.generation.drawing import Draw

    spec, draws = load_spec(), [Draw(3, 3, positive=True), Draw(4, 3, positive=False)]
    base = case_cache.draws_key(spec, "/rest/sms", draws)
    other = [
        case_cache.draws_key(replace(spec, sha256="0" * 64), "/rest/sms", draws),
        case_cache.draws_key(spec, "/rest/other", draws),
        case_cache.draws_key(spec, "/rest/sms", [Draw(3, 4, positive=True), Draw(4, 3, positive=False)]),
        case_cache.draws_key(spec, "/rest/sms", [Draw(5, 3, positive=True), Draw(4, 3, positive=False)]),
        case_cache.draws_key(spec, "/rest/sms", draws[:1]),
        _key(),  # a case list's key is never a drawing's
    ]
    assert base not in other and len(set(other)) == len(other)
    assert case_cache.draws_key(spec, "/rest/sms", list(draws)) == base


@pytest.mark.parametrize("raw", [7, [7], [[7]], [{"FROM": "1"}], {"draws": []}, [[{"FROM": "1"}], "x"]])
def test_a_drawn_entry_that_is_not_lists_of_queries_is_refused(raw: Any) -> None:
    with pytest.raises(ValueError):
        case_cache.decode_draws(raw)


def test_a_corrupt_drawn_entry_is_drawn_again(cache: Path) -> None:
    key = "d" * 64
    with case_cache.caching():
        assert case_cache.cached_draws(key, lambda: [[{"FROM": "1"}]]) == [[{"FROM": "1"}]]
        [drawn] = drawn_entries(cache)
        drawn.write_text(json.dumps({"format": 1, "key": key, "draws": [7]}), encoding="utf-8")
        assert case_cache.cached_draws(key, lambda: [[{"TO": "2"}]]) == [[{"TO": "2"}]]
        assert case_cache.cached_draws(key, lambda: pytest.fail("the entry was there to read")) == [
            [{"TO": "2"}]
        ]


@pytest.fixture(scope="module")
def written_entry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Case]]:
    """The entry a first run writes into an empty cache, and the cases it generated (no entry to read:
    a fresh generation), made once for the corrupt-entry tests below."""
    folder = tmp_path_factory.mktemp("written") / "cache"
    with pytest.MonkeyPatch.context() as patch, case_cache.caching():
        patch.setenv(case_cache.CACHE_DIR_ENV, str(folder))
        fresh = generate_cases(mock_profile(), load_spec(), SMALL)
    [entry] = entries(folder)
    return entry, fresh


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{not json",
        b'{"format": 1, "key": "other", "cases": []}',
        b'{"format": 1, "cases": 7}',
        b"\xff\xfe",
    ],
)
@pytest.mark.slow  # generates cases: the drawing child is a process
def test_a_corrupt_entry_is_ignored_and_replaced(
    cache: Path, written_entry: tuple[Path, list[Case]], damage: bytes
) -> None:
    spec, profile = load_spec(), mock_profile()
    written, fresh = written_entry
    cache.mkdir()
    entry = cache / written.name
    shutil.copyfile(written, entry)
    if damage.startswith(b'{"format": 1, "cases"'):
        key = json.loads(entry.read_text(encoding="utf-8"))["key"]
        damage = json.dumps({"format": 1, "key": key, "cases": 7}).encode()
    entry.write_bytes(damage)
    with case_cache.caching():
        assert generate_cases(profile, spec, SMALL) == fresh
    assert json.loads(entry.read_text(encoding="utf-8"))["cases"] == case_cache.encode_cases(fresh)
    assert not list(cache.glob(".tmp-*"))  # the rewrite went through a renamed temporary file


@pytest.mark.slow  # generates cases: the drawing child is a process
def test_an_unusable_cache_directory_costs_a_regeneration_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv(case_cache.CACHE_DIR_ENV, str(blocker / "cache"))
    with case_cache.caching():
        cases = generate_cases(mock_profile(), load_spec(), SMALL)
    assert cases == generate_cases(mock_profile(), load_spec(), SMALL)


def _key(profile: Profile | None = None, options: GenerationOptions = SMALL, **spec_change: Any) -> str:
    spec = replace(load_spec(), **spec_change)
    return case_cache.cache_key(spec, options, profile_inputs(profile or mock_profile()))


def test_the_key_changes_with_what_shapes_cases_and_only_with_that() -> None:
    base, profile = _key(), mock_profile()
    shaping = [
        _key(options=replace(SMALL, seed=4)),
        _key(options=replace(SMALL, max_examples=4)),
        _key(options=replace(SMALL, phases=("examples",))),
        _key(options=replace(SMALL, negative_only=True)),
        _key(options=replace(SMALL, token_kinds=("reversed",))),
        _key(replace(profile, senders=("12015550111",))),
        _key(replace(profile, destinations=("14155550100",))),
        _key(replace(profile, unleased_sender="12015550199")),
        _key(replace(profile, negative_only=True)),
        _key(replace(profile, auth=replace(profile.auth, method="jwt-query"))),
        _key(sha256="0" * 64),
    ]
    assert base not in shaping and len(set(shaping)) == len(shaping)
    for inert in (
        replace(profile, base_url="http://127.0.0.1:1", embedded_mock=False),
        replace(profile, max_sends=3, rate_limit_per_s=2.0, timeout_s=1.0, name="other"),
        replace(profile, auth=replace(profile.auth, token_env="OTHER_TOKEN")),
    ):
        assert _key(inert) == base


class _Recording:
    """A profile that records which of its fields are read."""

    def __init__(self, profile: Profile, read: set[str]) -> None:
        self._profile, self._read = profile, read

    def __getattr__(self, name: str) -> Any:
        self._read.add(name)
        return getattr(self._profile, name)


@pytest.mark.slow  # generates cases: the drawing child is a process
@pytest.mark.parametrize("negative_only", [False, True])
def test_generation_reads_only_the_profile_fields_the_key_holds(negative_only: bool) -> None:
    read: set[str] = set()
    profile = replace(mock_profile(), destinations=("14155550100",), negative_only=negative_only)
    cases = generate_cases(_Recording(profile, read), load_spec(), SMALL)  # type: ignore[arg-type]
    assert cases == generate_cases(profile, load_spec(), SMALL)
    keyed = {"auth" if name == "auth_method" else name for name in profile_inputs(profile)}
    assert read and read <= keyed, read - keyed


def test_old_entries_are_pruned_beyond_the_bound(cache: Path) -> None:
    with case_cache.caching():
        for index in range(case_cache.MAX_ENTRIES + 3):
            case_cache.cached(hashlib.sha256(str(index).encode()).hexdigest(), list)
    assert len(entries(cache)) == case_cache.MAX_ENTRIES


def test_case_lists_and_drawings_are_pruned_each_within_the_bound(cache: Path) -> None:
    with case_cache.caching():
        for index in range(case_cache.MAX_ENTRIES + 2):
            key = hashlib.sha256(str(index).encode()).hexdigest()
            case_cache.cached(key, list)
            case_cache.cached_draws(key, list)
    assert len(entries(cache)) == len(drawn_entries(cache)) == case_cache.MAX_ENTRIES
    assert len(list(cache.glob(".lock-*"))) == 2 * case_cache.MAX_ENTRIES


def test_an_entry_read_recently_outlives_older_ones(cache: Path) -> None:
    """Pruning removes the least recently *used* entries: a read entry is kept over unread newer ones."""
    keys = [hashlib.sha256(str(index).encode()).hexdigest() for index in range(case_cache.MAX_ENTRIES + 1)]
    with case_cache.caching():
        for age, key in enumerate(keys[:-1]):
            case_cache.cached(key, list)
            os.utime(cache / f"cases-{key[:40]}.json", (1_000_000 + age, 1_000_000 + age))
        assert case_cache.cached(keys[0], lambda: pytest.fail("the entry was there to read")) == []
        case_cache.cached(keys[-1], list)  # one entry too many: the least recently used goes
    names = {path.name for path in entries(cache)}
    assert len(names) == case_cache.MAX_ENTRIES
    assert f"cases-{keys[0][:40]}.json" in names  # the oldest written, but read last
    assert f"cases-{keys[1][:40]}.json" not in names


_GENERATE_ONCE = """
import sys, time
from pathlib import Path
from conformance.engine.generation import cache
from conformance.model.cases import Case, Expectation

def produce():
    with open(sys.argv[1], "a") as log:
        log.write("generated\\n")
    time.sleep(1.0)  # long enough for the other process to find the entry's lock held
    return [Case(id="c-1", phase="p", kind="k", expectation=Expectation.SUCCESS)]

with cache.caching():
    print(cache.cached("k" * 64, produce)[0].id)
"""


@pytest.mark.slow  # two processes
def test_processes_that_need_the_same_entry_at_once_generate_it_once(cache: Path, tmp_path: Path) -> None:
    log = tmp_path / "generations.log"
    env = {**os.environ, case_cache.CACHE_DIR_ENV: str(cache)}
    both = [
        subprocess.Popen(
            [sys.executable, "-c", _GENERATE_ONCE, str(log)], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in both]
    assert [process.returncode for process in both] == [0, 0]
    assert outputs == ["c-1\n", "c-1\n"]  # both have the cases
    assert log.read_text(encoding="utf-8") == "generated\n"  # one of them generated them


def _forms(secret: str) -> set[str]:
    raw = secret.encode()
    return {
        secret,
        secret.lower(),
        urllib.parse.quote(secret, safe=""),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        binascii.hexlify(raw).decode(),
    }


@pytest.mark.slow
def test_run_caches_cases_without_any_form_of_the_token_and_no_cache_skips_it(
    tmp_path: Path, shared_mock: MockServer
) -> None:
    folder = tmp_path / "cache"
    env = {TOKEN_ENV: TOKEN, case_cache.CACHE_DIR_ENV: str(folder)}
    common = ("--base-url", shared_mock.url, "--token-env", TOKEN_ENV, "--max-examples", "3", "--quiet")
    done = run_cli("run", *common, "--no-cache", "--report-dir", "a", cwd=tmp_path, env=env)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert entries(folder) == []
    for report in ("b", "c"):
        done = run_cli("run", *common, "--report-dir", report, cwd=tmp_path, env=env)
        assert done.returncode in (0, 1), done.stderr[-2000:]
    [entry] = entries(folder)
    results = [json.loads((tmp_path / r / "results.json").read_text(encoding="utf-8")) for r in "abc"]
    # every request but the life-cycle reads, whose number moves with the pace (D68)
    reads = [sum(p["sent"] for p in r["phases"] if p["name"] == "lifecycle") for r in results]
    sends = [r["stats"]["sent"] - read for r, read in zip(results, reads, strict=True)]
    assert sends[0] == sends[1] == sends[2] > 0
    keys = [{d["key"] for d in r["deviations"] if d["check"] != "response_time"} for r in results]
    assert keys[0] == keys[1] == keys[2]  # timing apart, the same deviations cold, warm and uncached
    text = entry.read_text(encoding="utf-8")
    secrets = [TOKEN, *derived_tokens(TOKEN).values()]
    assert len(secrets) > 1  # the derived-token cases exist: they are stored as references
    assert "derived:" in text
    for secret in secrets:
        for form in _forms(secret):
            assert form not in text, "a form of the token reached the cache"
    assert oct(os.stat(entry).st_mode & 0o777) == oct(0o600)


@pytest.mark.slow
def test_diff_reads_and_writes_the_cache_and_no_cache_skips_it(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    env = {case_cache.CACHE_DIR_ENV: str(folder)}
    common = ("diff", "--profile", "mock", "--profile", "mock", "--max-examples", "2", "--quiet")
    done = run_cli(*common, "--no-cache", "--report-dir", "a", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert entries(folder) == []
    done = run_cli(*common, "--report-dir", "b", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(entries(folder)) == 1
    compared = [
        json.loads((tmp_path / r / "results.json").read_text(encoding="utf-8"))["stats"]["compared"]
        for r in "ab"
    ]
    assert compared[0] == compared[1] > 0


@pytest.mark.slow
def test_the_pytest_route_reads_and_writes_the_cache_and_no_cache_skips_it(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    env = {case_cache.CACHE_DIR_ENV: str(folder)}
    done = run_suite(tmp_path, Path("mock"), env, "--no-cache")
    assert done.returncode == 0, done.stdout[-2000:]
    assert entries(folder) == []
    done = run_suite(tmp_path, Path("mock"), env)
    assert done.returncode == 0, done.stdout[-2000:]
    [entry] = entries(folder)
    written = entry.stat()
    os.utime(entry, (1_000_000, 1_000_000))
    done = run_suite(tmp_path, Path("mock"), env)
    assert done.returncode == 0, done.stdout[-2000:]
    assert entries(folder) == [entry]
    read = entry.stat()
    assert read.st_ino == written.st_ino  # not written again ...
    assert read.st_mtime > 1_000_000  # ... but read: a read touches its entry


def test_the_key_holds_the_version_of_every_package_generation_reads() -> None:
    from importlib import metadata

    identity = case_cache._code_identity()
    assert "phonenumberslite" in case_cache.GENERATION_PACKAGES  # its metadata decides valid numbers
    for package in case_cache.GENERATION_PACKAGES:
        assert identity[package] == metadata.version(package)


@pytest.mark.parametrize("package", case_cache.GENERATION_PACKAGES)
def test_an_upgrade_of_a_package_generation_reads_gives_another_key(
    package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import metadata

    installed = metadata.version
    case_cache._code_identity.cache_clear()
    before = _key()
    monkeypatch.setattr(metadata, "version", lambda name: "999.0" if name == package else installed(name))
    case_cache._code_identity.cache_clear()
    try:
        assert _key() != before
    finally:
        monkeypatch.undo()
        case_cache._code_identity.cache_clear()
    assert _key() == before  # and the installed version gives the old key back


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_CACHE_HOME is the Linux convention")
def test_the_cache_folder_is_the_platforms_user_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(case_cache.CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert case_cache.cache_dir() == tmp_path / "opentact-conformance"
    monkeypatch.setenv(case_cache.CACHE_DIR_ENV, str(tmp_path / "mine"))
    assert case_cache.cache_dir() == tmp_path / "mine"
