"""A cache of generated case lists under the user cache directory (D43).

Generating the cases of a run is most of a cold gate's time (hypothesis and schemathesis draws); the
same inputs always give the same list, so the list is kept on disk and read back next time. The key
holds everything that shapes the cases: the spec's hash, the generation options (seed, size, phases,
derived-token kinds), the profile fields generation reads (senders, destinations, unleased sender,
auth method, negative-only), the tool's version, a digest of the source that generates and classifies
cases, and the versions of the packages generation reads (hypothesis, schemathesis, phonenumberslite:
``GENERATION_PACKAGES``, through ``importlib.metadata``). Cases hold token *references* (``profile``,
``derived:<kind>``) or random bad tokens, never the profile's token, so nothing secret is stored.

The schemathesis queries drawn in a child process (``drawing``) are kept the same way under a key of
their own (``draws_key``: the spec's hash, the path, the draws, the same code identity), since they
do not depend on the profile: two profiles, or two sets of generation options, with the same seed and
size read one drawing.

Location: ``$OPENTACT_CONFORMANCE_CACHE_DIR``, else the platform's user cache folder (``platformdirs``:
``$XDG_CACHE_HOME/opentact-conformance`` or ``~/.cache/opentact-conformance`` on Linux). Entries are
written atomically (temporary file, then rename); an entry that cannot be read or decoded is ignored
and regenerated; at most ``MAX_ENTRIES`` are kept, the least recently used removed first. Processes
that need the same entry at once (the shards of ``pytest -n``) generate it once: the first holds the
entry's lock file while it generates, the others wait for it (at most ``GENERATION_WAIT_S``) and read
what it wrote.
The cache is off unless a command switches it on (``run``, ``diff`` and the pytest route do, unless
``--no-cache``):
library callers of ``generate_cases`` always generate.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import enum
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, fields
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from conformance.contract.specfile import Spec
from conformance.model.cases import AuthPlacement, Case, Expectation
from conformance.model.deviations import Severity

__all__ = [
    "CACHE_DIR_ENV",
    "GENERATION_PACKAGES",
    "GENERATION_WAIT_S",
    "MAX_ENTRIES",
    "cache_dir",
    "cache_key",
    "cached",
    "cached_draws",
    "caching",
    "decode_cases",
    "decode_draws",
    "draws_key",
    "encode_cases",
]

CACHE_DIR_ENV = "OPENTACT_CONFORMANCE_CACHE_DIR"
MAX_ENTRIES = 256  # least recently used entries beyond this are removed when one is written (~200 KB each)
GENERATION_WAIT_S = 300.0  # how long a process waits for another generating the same entry, then generates
_LOCK_POLL_S = 0.05
FORMAT = 1  # of an entry file; part of the key
_KINDS = ("cases", "draws")  # of entry: case lists and drawn schemathesis queries (``<kind>-<key>.json``)
_LOCK_PREFIX = ".lock-"
_ENUMS: dict[str, type[Any]] = {"expectation": Expectation, "auth": AuthPlacement, "severity": Severity}
_BYTES = frozenset({"body"})
_ROOT = Path(__file__).resolve().parents[3]  # the checkout: conformance/engine/generation/cache.py
# the source whose changes can change the cases (conservative: whole packages)
_SOURCES = ("conformance/engine", "conformance/contract", "conformance/model", "strategies")
# the installed packages whose code or data shapes the cases: phonenumberslite's metadata decides which
# numbers are valid (strategies/numbers.py)
GENERATION_PACKAGES = ("opentact-conformance", "hypothesis", "schemathesis", "phonenumberslite")
T = TypeVar("T")
_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar("case_cache_enabled", default=False)


@contextlib.contextmanager
def caching(enabled: bool = True) -> Iterator[None]:
    """Within this block ``generate_cases`` reads and writes the cache (or not, with ``enabled=False``)."""
    token = _enabled.set(enabled)
    try:
        yield
    finally:
        _enabled.reset(token)


def is_enabled() -> bool:
    return _enabled.get()


def cache_dir() -> Path:
    """Where entries go: the env override, else the platform's user cache folder."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("opentact-conformance", appauthor=False))


@lru_cache(maxsize=1)
def _code_identity() -> dict[str, str]:
    """Versions of this tool and of every package generation reads, and a digest of the case-shaping
    source."""
    digest = hashlib.sha256()
    for folder in _SOURCES:
        for path in sorted((_ROOT / folder).rglob("*.py")):
            digest.update(str(path.relative_to(_ROOT)).encode())
            digest.update(path.read_bytes())
    identity = {"source": digest.hexdigest()}
    for package in GENERATION_PACKAGES:
        try:
            identity[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            identity[package] = "none"
    return identity


def cache_key(spec: Spec, options: Any, profile_inputs: Mapping[str, Any]) -> str:
    """The hex key of a case list: spec hash, generation options, case-shaping profile fields, code."""
    material = {
        "format": FORMAT,
        "spec": spec.sha256,
        "options": asdict(options),
        "profile": dict(profile_inputs),
        "code": _code_identity(),
    }
    return _digest(material)


def draws_key(spec: Spec, path: str, draws: list[Any]) -> str:
    """The hex key of the schemathesis queries drawn for ``draws`` (``drawing.Draw``) of ``path``."""
    material = {
        "format": FORMAT,
        "spec": spec.sha256,
        "path": path,
        "draws": [asdict(draw) for draw in draws],
        "code": _code_identity(),
    }
    return _digest(material)


def _digest(material: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=list).encode()).hexdigest()


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _decode(name: str, value: Any) -> Any:
    if name in _ENUMS:
        return _ENUMS[name](value)
    if name in _BYTES:
        return None if value is None else base64.b64decode(value, validate=True)
    if isinstance(value, list):
        return tuple(tuple(item) if isinstance(item, list) else item for item in value)
    return value


def encode_cases(cases: list[Case]) -> list[dict[str, Any]]:
    """Cases as JSON-ready dicts, one entry per dataclass field."""
    return [{f.name: _encode(getattr(case, f.name)) for f in fields(Case)} for case in cases]


def decode_cases(raw: Any) -> list[Case]:
    """The cases of ``encode_cases``; ValueError/TypeError/KeyError on anything else."""
    if not isinstance(raw, list):
        raise ValueError("not a list of cases")
    names = {f.name for f in fields(Case)}
    cases = []
    for item in raw:
        if not isinstance(item, dict) or not set(item) <= names:
            raise ValueError("not a case")
        cases.append(Case(**{name: _decode(name, value) for name, value in item.items()}))
    return cases


def decode_draws(raw: Any) -> list[list[dict[str, Any]]]:
    """Drawn queries as ``drawing.draw_queries`` answers them (a list of lists of dicts); ValueError on
    anything else."""
    if not isinstance(raw, list) or not all(isinstance(queries, list) for queries in raw):
        raise ValueError("not a list of drawn query lists")
    if not all(isinstance(query, dict) for queries in raw for query in queries):
        raise ValueError("not a drawn query")
    return raw


def _read(path: Path, kind: str, key: str, decode: Callable[[Any], T]) -> T | None:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(entry, dict) or entry.get("key") != key or entry.get("format") != FORMAT:
            return None
        return decode(entry[kind])
    except (OSError, ValueError, TypeError, KeyError):  # missing, unreadable, corrupt: regenerate
        return None


def _write(folder: Path, path: Path, kind: str, key: str, value: Any) -> None:
    """Write atomically (a reader sees the old entry or the new one, never half of one); best effort."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"format": FORMAT, "key": key, kind: value}, ensure_ascii=False)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _prune(folder)
    except OSError:  # a read-only or full cache directory costs a regeneration next time, nothing else
        return


def _prune(folder: Path) -> None:
    """Keep the ``MAX_ENTRIES`` most recently used entries of each kind (a read touches its entry) and
    their locks."""
    for prefix in (*(f"{kind}-" for kind in _KINDS), *(f"{_LOCK_PREFIX}{kind}-" for kind in _KINDS)):
        kept = sorted(folder.glob(f"{prefix}*"), key=_modified, reverse=True)
        for stale in kept[MAX_ENTRIES:]:
            with contextlib.suppress(OSError):
                stale.unlink()


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile by another process's prune
        return 0.0


@contextlib.contextmanager
def _generating(folder: Path, name: str) -> Iterator[None]:
    """Hold the lock of one entry while its cases are generated; wait while another process holds it.

    The lock is ``flock`` on a file of its own, so a process that dies releases it. A folder where no
    lock file can be made, or a wait past ``GENERATION_WAIT_S``, costs a second generation, nothing else.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = os.open(folder / f"{_LOCK_PREFIX}{name}", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + GENERATION_WAIT_S
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break
                time.sleep(_LOCK_POLL_S)
        yield
    finally:
        os.close(handle)  # releases the lock


def cached(key: str, produce: Callable[[], list[Case]]) -> list[Case]:
    """The cached list for ``key`` when caching is on and the entry reads back, else ``produce()``
    (stored when caching is on; one process at a time generates a key, the others read its entry)."""
    return _cached("cases", key, produce, encode_cases, decode_cases)


def cached_draws(key: str, produce: Callable[[], list[list[dict[str, Any]]]]) -> list[list[dict[str, Any]]]:
    """The drawn queries for ``key`` (``draws_key``), as ``cached`` keeps case lists."""
    return _cached("draws", key, produce, lambda drawn: drawn, decode_draws)


def _cached(
    kind: str, key: str, produce: Callable[[], T], encode: Callable[[T], Any], decode: Callable[[Any], T]
) -> T:
    if not is_enabled():
        return produce()
    folder = cache_dir()
    name = f"{kind}-{key[:40]}"
    path = folder / f"{name}.json"
    found = _read(path, kind, key, decode)
    if found is None:
        with _generating(folder, name):
            found = _read(path, kind, key, decode)  # another process may have written it meanwhile
            if found is None:
                value = produce()
                _write(folder, path, kind, key, encode(value))
                return value
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last
    return found
