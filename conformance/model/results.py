"""The results model: what one run found, and its versioned JSON form (`results.json`)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from conformance.model.deviations import Deviation, Severity
from conformance.model.jsontext import JSONTooDeepError, dumps_strict, gc_paused, loads_bounded
from conformance.model.redaction import Redactor
from conformance.model.results_codec import decode_v2

__all__ = [
    "READABLE_SCHEMA_VERSIONS",
    "RESULTS_SCHEMA_VERSION",
    "BaselineComparison",
    "Crash",
    "ExchangeTable",
    "PhaseStats",
    "ResultsError",
    "RunResults",
    "TargetInfo",
    "inline_exchanges",
    "load_results",
    "loads_bounded",  # the bounded JSON parser, for the reports (they import only this module)
    "pid_alive",
    "remove_stale_temporaries",
    "write_atomic",
]

RESULTS_SCHEMA_VERSION = 2  # 2: request/response evidence once per exchange (``exchanges``), D44
READABLE_SCHEMA_VERSIONS = (1, 2)  # 1: the same evidence inline in every deviation
RESULTS_MAX_DEPTH = 32  # results.json is 6 levels deep; bodies inside it are strings
# values the tool writes from its own enumerations; never target text, so never redacted
_TOOL_ENUMERATIONS = ("schema_version", "severity", "fail_on", "verdict", "partial")


class ResultsError(ValueError):
    """A results file that cannot be read."""


@dataclass(frozen=True)
class TargetInfo:
    name: str
    base_url: str
    live: bool = False
    auth_method: str = "header"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "base_url": self.base_url,
            "live": self.live,
            "auth_method": self.auth_method,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetInfo:
        return cls(
            str(data["name"]), str(data["base_url"]), bool(data.get("live")), str(data.get("auth_method", ""))
        )


@dataclass(frozen=True)
class PhaseStats:
    name: str
    cases: int = 0
    sent: int = 0
    skipped: int = 0
    status_counts: Mapping[str, int] = field(default_factory=dict)  # "200" -> n, "error" -> transport errors
    classes: tuple[str, ...] = ()  # domain classes its sent cases covered (the coverage phase), sorted

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "cases": self.cases,
            "sent": self.sent,
            "skipped": self.skipped,
            "status_counts": dict(sorted(self.status_counts.items())),
        }
        if self.classes:
            data["classes"] = list(self.classes)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PhaseStats:
        return cls(
            name=str(data["name"]),
            cases=int(data.get("cases", 0)),
            sent=int(data.get("sent", 0)),
            skipped=int(data.get("skipped", 0)),
            status_counts={str(k): int(v) for k, v in (data.get("status_counts") or {}).items()},
            classes=tuple(sorted(str(c) for c in data.get("classes") or ())),
        )


@dataclass(frozen=True)
class Crash:
    """A bug in the suite itself (a check that raised), kept apart from API deviations."""

    check: str
    case_id: str
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "case_id": self.case_id, "error": self.error}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Crash:
        return cls(str(data["check"]), str(data.get("case_id", "")), str(data.get("error", "")))


@dataclass(frozen=True)
class BaselineComparison:
    """Deviation keys of this run against a baseline run."""

    baseline: str  # where the baseline came from (a path or a label)
    new: tuple[str, ...] = ()
    persisting: tuple[str, ...] = ()
    fixed: tuple[Deviation, ...] = ()  # deviations of the baseline that are gone now

    def to_dict(self, exchanges: ExchangeTable | None = None) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "new": list(self.new),
            "persisting": list(self.persisting),
            "fixed": [_deviation_dict(d, exchanges) for d in self.fixed],
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], exchanges: Sequence[Mapping[str, Any]] | None = None
    ) -> BaselineComparison:
        return cls(
            baseline=str(data.get("baseline", "")),
            new=tuple(data.get("new", ())),
            persisting=tuple(data.get("persisting", ())),
            fixed=tuple(Deviation.from_dict(d, exchanges) for d in data.get("fixed", ())),
        )


class ExchangeTable:
    """The ``exchanges`` table of results.json: each distinct request/response evidence once.

    Deviations of one exchange (several checks firing on one answer) carry equal evidence; each
    distinct one gets the next index. Equal objects are recognised by identity first (the engine and
    ``load_results`` share them), then by content.
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._by_identity: dict[tuple[int, int, int, str], int] = {}
        self._by_content: dict[bytes, int] = {}
        self._alive: list[Deviation] = []  # keeps the identities above valid while the table lives

    def index(self, deviation: Deviation) -> int:
        identity = (
            id(deviation.request),
            id(deviation.response),
            id(deviation.other_response),
            deviation.curl,
        )
        found = self._by_identity.get(identity)
        if found is not None:
            return found
        row = deviation.exchange_dict()
        # a digest, not the text: the table must not hold a second copy of every response it stores
        text = json.dumps(row, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")
        content = hashlib.sha256(text).digest()
        del text
        found = self._by_content.get(content)
        if found is None:
            found = len(self.rows)
            self.rows.append(row)
            self._by_content[content] = found
        self._by_identity[identity] = found
        self._alive.append(deviation)
        return found


def _deviation_dict(deviation: Deviation, exchanges: ExchangeTable | None) -> dict[str, Any]:
    return (
        deviation.to_dict() if exchanges is None else deviation.to_dict(exchange=exchanges.index(deviation))
    )


def inline_exchanges(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The deviations of a results document (any readable version) with their exchange evidence inline,
    as version 1 stored them: for tools and tests that read results.json without this package's model."""
    exchanges = data.get("exchanges") or []
    out = []
    for item in data.get("deviations", ()):
        reference = item.get("exchange")
        if reference is None:
            out.append(dict(item))
        else:
            extra = {k: v for k, v in item.items() if k != "exchange"}
            out.append({**extra, **exchanges[reference]})
    return out


@dataclass(frozen=True)
class RunResults:
    """Everything one run found; ``results.json`` is its serialised form."""

    target: TargetInfo
    spec: Mapping[str, str]  # title, version, sha256
    seed: int
    started_at: str
    finished_at: str
    duration_s: float
    fail_on: Severity
    deviations: tuple[Deviation, ...] = ()
    phases: tuple[PhaseStats, ...] = ()
    crashes: tuple[Crash, ...] = ()
    checks: Mapping[str, str] = field(default_factory=dict)  # check id -> description
    stats: Mapping[str, Any] = field(default_factory=dict)
    partial: bool = False
    partial_reason: str = ""
    baseline: BaselineComparison | None = None
    command: str = "run"
    tool_version: str = ""
    # every option that shaped the run, the redacted command line and one command to reproduce it
    invocation: Mapping[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counter = Counter(d.severity._value_ for d in self.deviations)
        return {s.value: counter.get(s.value, 0) for s in Severity}

    def gating(self) -> tuple[Deviation, ...]:
        """The deviations that decide the verdict: at/above ``fail_on``, and new if a baseline is set."""
        gate = self.fail_on.names_at_least()
        at_or_above = [d for d in self.deviations if d.severity._value_ in gate]
        if self.baseline is not None:
            new = set(self.baseline.new)
            at_or_above = [d for d in at_or_above if d.key in new]
        return tuple(at_or_above)

    @property
    def throttled(self) -> str:
        """How much throttling (429) the run met and what came of it; empty when none."""
        cases = int(self.stats.get("throttled_cases", 0) or 0)
        if not cases:
            return ""
        resends = int(self.stats.get("throttle_resends", 0) or 0)
        unresolved = int(self.stats.get("throttled_unresolved", 0) or 0)
        outcome = f"{unresolved} never processed (not evaluated)" if unresolved else "all then evaluated"
        return f"{cases} case(s) throttled (429), {resends} re-send(s) after waiting; {outcome}"

    @property
    def verdict(self) -> str:
        """``incomplete`` for a partial run (interrupted, out of time): it never reads as a pass (D19)."""
        if self.partial:
            return "incomplete"
        return "fail" if self.gating() else "pass"

    def with_baseline(self, comparison: BaselineComparison) -> RunResults:
        return replace(self, baseline=comparison)

    def redacted(self, redactor: Redactor) -> RunResults:
        """These results with every form of every secret removed from every string and key.

        One pass over the serialised form, so no field (detail, actual, path, errors, header
        names, keys of ``stats``…) can be forgotten; the artefacts are all rendered from it.
        """
        data = self.to_dict()
        return RunResults.from_dict(redactor.data(data, keep=_TOOL_ENUMERATIONS, names=_field_names(data)))

    def to_dict(self) -> dict[str, Any]:
        exchanges = ExchangeTable()
        deviations = [_deviation_dict(d, exchanges) for d in self.deviations]
        baseline = None if self.baseline is None else self.baseline.to_dict(exchanges)
        return {
            "schema_version": RESULTS_SCHEMA_VERSION,
            "tool": {"name": "opentact-conformance", "version": self.tool_version},
            "run": {
                "command": self.command,
                "seed": self.seed,
                "started_at": self.started_at,
                "finished_at": self.finished_at,
                "duration_s": round(self.duration_s, 3),
                "fail_on": self.fail_on.value,
                "verdict": self.verdict,
                "partial": self.partial,
                "partial_reason": self.partial_reason,
            },
            "target": self.target.to_dict(),
            "spec": dict(self.spec),
            "phases": [p.to_dict() for p in self.phases],
            "stats": dict(self.stats),
            "counts": self.counts(),
            "checks": dict(sorted(self.checks.items())),
            "deviations": deviations,
            "crashes": [c.to_dict() for c in self.crashes],
            "baseline": baseline,
            "invocation": dict(self.invocation),
            # last: the bulk of the file, each distinct request/response once (D44)
            "exchanges": exchanges.rows,
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, deviations: tuple[Deviation, ...] | None = None
    ) -> RunResults:
        """Read the JSON form; ``deviations`` when a reader has built them already (``results_codec``)."""
        version = data.get("schema_version")
        if version not in READABLE_SCHEMA_VERSIONS:
            readable = " and ".join(str(v) for v in READABLE_SCHEMA_VERSIONS)
            raise ResultsError(
                f"results schema_version {version!r} is not supported (this tool reads "
                f"versions {readable}); re-run the suite with this version to regenerate it"
            )
        run = data["run"]
        exchanges = _exchange_rows(data.get("exchanges")) if version >= 2 else None
        baseline = data.get("baseline")
        return cls(
            target=TargetInfo.from_dict(data["target"]),
            spec={str(k): str(v) for k, v in data.get("spec", {}).items()},
            seed=int(run["seed"]),
            started_at=str(run["started_at"]),
            finished_at=str(run["finished_at"]),
            duration_s=float(run["duration_s"]),
            fail_on=Severity.parse(str(run.get("fail_on", "error"))),
            deviations=deviations
            if deviations is not None
            else tuple(Deviation.from_dict(d, exchanges) for d in data.get("deviations", ())),
            phases=tuple(PhaseStats.from_dict(p) for p in data.get("phases", ())),
            crashes=tuple(Crash.from_dict(c) for c in data.get("crashes", ())),
            checks={str(k): str(v) for k, v in (data.get("checks") or {}).items()},
            stats=dict(data.get("stats") or {}),
            partial=bool(run.get("partial", False)),
            partial_reason=str(run.get("partial_reason", "")),
            baseline=None if baseline is None else BaselineComparison.from_dict(baseline, exchanges),
            command=str(run.get("command", "run")),
            tool_version=str(data.get("tool", {}).get("version", "")),
            invocation=dict(data.get("invocation") or {}),
        )

    def write(self, path: Path) -> None:
        write_atomic(path, results_text(self.to_dict()))


_LINE_PER_ITEM = frozenset({"deviations", "exchanges"})


def results_text(data: Mapping[str, Any]) -> str:
    """The text of results.json: the run's small parts indented, and each deviation and exchange on a
    line of its own without spaces (the bulk of a big run: a third smaller, as quick to grep) (D44)."""
    parts = ["{"]
    for index, (name, value) in enumerate(data.items()):
        lead = ",\n" if index else "\n"
        if name in _LINE_PER_ITEM and value:
            compact = {"ensure_ascii": False, "separators": (",", ":")}
            lines = ",\n".join(dumps_strict(item, **compact) for item in value)
            parts.append(f"{lead}{json.dumps(name)}: [\n{lines}\n]")
        else:
            parts.append(f"{lead}{json.dumps(name)}: {dumps_strict(value, indent=2, ensure_ascii=False)}")
    parts.append("\n}\n")
    return "".join(parts)


def _exchange_rows(rows: Any) -> list[dict[str, Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValueError("'exchanges' must be a list of objects")
    return rows


_FREE_MAPPINGS = frozenset({"headers", "stats", "status_counts", "checks", "spec"})


def _field_names(data: Mapping[str, Any]) -> set[str]:
    """The keys of the results schema itself (not those of header maps or other free mappings)."""
    names: set[str] = set()
    stack: list[Any] = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            names.update(str(k) for k in item)
            stack.extend(v for k, v in item.items() if k not in _FREE_MAPPINGS)
        elif isinstance(item, list):
            stack.extend(item)
    names.update(_FREE_MAPPINGS)
    return names


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see either the old or the whole new content.

    The temporary file is named ``.NAME.PID.*.tmp``; a writer killed with ``kill -9`` leaves it
    behind, and the next write of the same file removes it (``remove_stale_temporaries``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_current_umask())  # mkstemp makes 0600; artefacts are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove ``write_atomic``'s temporary files for ``path`` whose writing process is gone."""
    removed: list[Path] = []
    for candidate in path.parent.glob(f".{path.name}.*.tmp"):
        pid_text = candidate.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and pid_alive(int(pid_text)):
            continue  # another live process is writing it right now
        candidate.unlink(missing_ok=True)
        removed.append(candidate)
    return removed


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load_results(path: Path) -> RunResults:
    """Read a results file; raise ``ResultsError`` with a one-paragraph message on bad input."""
    deviations: tuple[Deviation, ...] | None = None
    try:
        raw = path.read_bytes()
        with gc_paused():  # 100,000 deviations are a million objects, none of them in a cycle
            fast = decode_v2(raw, max_depth=RESULTS_MAX_DEPTH)
            if fast is not None:
                data: Any = fast.data
                deviations = fast.deviations
            else:  # version 1, or a file the fast reader refused: the generic reader, as before
                text = raw.decode("utf-8")
                del raw  # never the bytes and the text of a big file at once
                data = loads_bounded(text, max_depth=RESULTS_MAX_DEPTH).value
                del text
            del fast
    except OSError as exc:
        raise ResultsError(f"cannot read results file {path}: {exc.strerror}") from None
    except JSONTooDeepError as exc:
        raise ResultsError(
            f"results file {path} is not a results file of this tool: {exc}. Pass the results.json "
            "a run wrote."
        ) from None
    except ValueError as exc:
        raise ResultsError(
            f"results file {path} is not valid JSON ({exc}); was the run interrupted?"
        ) from None
    if not isinstance(data, dict):
        raise ResultsError(f"results file {path} does not hold a JSON object")
    try:
        with gc_paused():
            return RunResults.from_dict(data, deviations=deviations)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ResultsError):
            raise
        raise ResultsError(f"results file {path} is missing or has a malformed field ({exc})") from None
