"""The results model: what one run found, and its versioned JSON form (`results.json`)."""

from __future__ import annotations

import os
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import msgspec

from conformance.model.deviations import Deviation, Severity
from conformance.model.jsontext import JSONTooDeepError, loads_bounded, nesting_depth, nests_within
from conformance.model.redaction import Redactor
from conformance.model.results_codec import ExchangeRow, ExchangeTable, read_deviations

__all__ = [
    "READABLE_SCHEMA_VERSIONS",
    "RESULTS_FILE",
    "RESULTS_SCHEMA_VERSION",
    "BaselineComparison",
    "Crash",
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

RESULTS_FILE = "results.json"  # the file name every command writes and reads in a report directory

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


@dataclass(frozen=True)
class PhaseStats:
    name: str
    cases: int = 0
    sent: int = 0
    skipped: int = 0
    status_counts: Mapping[str, int] = field(default_factory=dict)  # "200" -> n, "error" -> transport errors
    classes: tuple[str, ...] = ()  # domain classes its sent cases covered (the coverage phase), sorted


@dataclass(frozen=True)
class Crash:
    """A bug in the suite itself (a check that raised), kept apart from API deviations."""

    check: str
    case_id: str
    error: str


@dataclass(frozen=True)
class BaselineComparison:
    """Deviation keys of this run against a baseline run."""

    baseline: str  # where the baseline came from (a path or a label)
    new: tuple[str, ...] = ()
    persisting: tuple[str, ...] = ()
    fixed: tuple[Deviation, ...] = ()  # deviations of the baseline that are gone now


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
        clean = redactor.data(data, keep=_TOOL_ENUMERATIONS, names=_field_names(data))
        return _from_file(_DECODER.decode(_ENCODER.encode(clean)))

    def to_file(self) -> ResultsFileV2:
        """The form results.json stores (the current version)."""
        exchanges = ExchangeTable()
        deviations = [msgspec.Raw(_ENCODER.encode(exchanges.row(d))) for d in self.deviations]
        baseline = None
        if self.baseline is not None:
            baseline = BaselineRow(
                baseline=self.baseline.baseline,
                new=list(self.baseline.new),
                persisting=list(self.baseline.persisting),
                fixed=[msgspec.Raw(_ENCODER.encode(exchanges.row(d))) for d in self.baseline.fixed],
            )
        return ResultsFileV2(
            tool=ToolRow(version=self.tool_version),
            run=RunRow(
                command=self.command,
                seed=self.seed,
                started_at=self.started_at,
                finished_at=self.finished_at,
                duration_s=round(self.duration_s, 3),
                fail_on=self.fail_on,
                verdict=self.verdict,
                partial=self.partial,
                partial_reason=self.partial_reason,
            ),
            target=self.target,
            spec=dict(self.spec),
            phases=[replace(p, status_counts=dict(sorted(p.status_counts.items()))) for p in self.phases],
            stats=dict(self.stats),
            counts=self.counts(),
            checks=dict(sorted(self.checks.items())),
            deviations=deviations,
            crashes=list(self.crashes),
            baseline=baseline,
            invocation=dict(self.invocation),
            exchanges=exchanges.rows,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON value of results.json."""
        data: dict[str, Any] = msgspec.json.decode(_ENCODER.encode(self.to_file()))
        return data

    def write(self, path: Path) -> None:
        write_atomic(path, results_text(self.to_file()))


class ToolRow(msgspec.Struct, kw_only=True):
    name: str = "opentact-conformance"
    version: str = ""


class RunRow(msgspec.Struct, kw_only=True):
    command: str = "run"
    seed: int
    started_at: str
    finished_at: str
    duration_s: float
    fail_on: Severity = Severity.ERROR
    verdict: str = ""  # written for readers without the model; recomputed when read
    partial: bool = False
    partial_reason: str = ""


class BaselineRow(msgspec.Struct, kw_only=True):
    baseline: str = ""
    new: list[str] = []
    persisting: list[str] = []
    fixed: list[msgspec.Raw] = []  # deviation rows, as in ``deviations``


class ResultsFile(msgspec.Struct, kw_only=True, tag_field="schema_version"):
    """results.json; its ``schema_version`` (written first) says which of the two forms it is.

    Each deviation stays the text of its row until ``read_deviations`` turns it into a ``Deviation``
    (``InlineRow`` in version 1, ``ReferringRow`` in version 2): a big run's rows never all exist at
    once (D44).
    """

    tool: ToolRow = msgspec.field(default_factory=ToolRow)
    run: RunRow
    target: TargetInfo
    spec: dict[str, str] = {}
    phases: list[PhaseStats] = []
    stats: dict[str, Any] = {}
    counts: dict[str, int] = {}  # written for readers without the model; recomputed when read
    checks: dict[str, str] = {}
    deviations: list[msgspec.Raw] = []
    crashes: list[Crash] = []
    baseline: BaselineRow | None = None
    invocation: dict[str, Any] = {}
    # last: the bulk of the file, each distinct request/response once (D44; empty in version 1)
    exchanges: list[ExchangeRow] = []


class ResultsFileV1(ResultsFile, tag=1):
    """Version 1: every deviation carries its exchange's evidence inline."""


class ResultsFileV2(ResultsFile, tag=RESULTS_SCHEMA_VERSION):
    """Version 2: each exchange's evidence once, in ``exchanges``."""


_DECODER = msgspec.json.Decoder(ResultsFileV1 | ResultsFileV2)
_ENCODER = msgspec.json.Encoder()


class _Version(msgspec.Struct):
    schema_version: Any = None


def _from_file(file: ResultsFileV1 | ResultsFileV2) -> RunResults:
    run, version = file.run, 2 if isinstance(file, ResultsFileV2) else 1
    baseline = None
    if file.baseline is not None:
        baseline = BaselineComparison(
            baseline=file.baseline.baseline,
            new=tuple(file.baseline.new),
            persisting=tuple(file.baseline.persisting),
            fixed=read_deviations(file.baseline.fixed, version, file.exchanges, "$.baseline.fixed"),
        )
    return RunResults(
        target=file.target,
        spec=file.spec,
        seed=run.seed,
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration_s=run.duration_s,
        fail_on=run.fail_on,
        deviations=read_deviations(file.deviations, version, file.exchanges, "$.deviations"),
        phases=tuple(file.phases),
        crashes=tuple(file.crashes),
        checks=file.checks,
        stats=file.stats,
        partial=run.partial,
        partial_reason=run.partial_reason,
        baseline=baseline,
        command=run.command,
        tool_version=file.tool.version,
        invocation=file.invocation,
    )


_LINE_PER_ITEM = frozenset({"deviations", "exchanges"})


def results_text(file: ResultsFileV2) -> bytes:
    """The text of results.json: the run's small parts indented, and each deviation and exchange on a
    line of its own without spaces (the bulk of a big run: a third smaller, as quick to grep) (D44)."""
    parts = [b'{\n"schema_version": %d' % RESULTS_SCHEMA_VERSION]
    for name in file.__struct_fields__:
        value = getattr(file, name)
        if name in _LINE_PER_ITEM and value:
            lines = b",\n".join(_ENCODER.encode(item) for item in value)
            parts.append(b',\n"%s": [\n%s\n]' % (name.encode(), lines))
        else:
            parts.append(
                b',\n"%s": %s' % (name.encode(), msgspec.json.format(_ENCODER.encode(value), indent=2))
            )
    parts.append(b"\n}\n")
    return b"".join(parts)


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


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write a file so that readers see either the old or the whole new content.

    The temporary file is named ``.NAME.PID.*.tmp``; a writer killed with ``kill -9`` leaves it
    behind, and the next write of the same file removes it (``remove_stale_temporaries``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp"
    # made new with 0666 less the umask, as any new file: artefacts are for sharing (mkstemp's are 0600)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
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


def load_results(path: Path) -> RunResults:
    """Read a results file; raise ``ResultsError`` with a one-paragraph message on bad input."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ResultsError(f"cannot read results file {path}: {exc.strerror}") from None
    try:
        file = _DECODER.decode(raw)
        if not nests_within([file.stats, file.invocation], RESULTS_MAX_DEPTH):  # the only free parts
            raise RecursionError
        return _from_file(file)
    except (msgspec.ValidationError, RecursionError) as exc:
        raise _refusal(path, raw, str(exc)) from None
    except msgspec.DecodeError as exc:
        raise ResultsError(
            f"results file {path} is not valid JSON ({exc}); was the run interrupted?"
        ) from None
    except ValueError as exc:  # a reference to a missing exchange
        raise ResultsError(f"results file {path} is missing or has a malformed field ({exc})") from None


def _refusal(path: Path, raw: bytes, problem: str) -> ResultsError:
    """Why valid JSON is not a results file this tool reads, most basic reason first."""
    if not raw.lstrip().startswith(b"{"):
        return ResultsError(f"results file {path} does not hold a JSON object")
    depth = nesting_depth(raw.decode("utf-8", "replace"), stop_above=RESULTS_MAX_DEPTH)
    if depth > RESULTS_MAX_DEPTH:
        return ResultsError(
            f"results file {path} is not a results file of this tool: "
            f"{JSONTooDeepError(depth, RESULTS_MAX_DEPTH)}. Pass the results.json a run wrote."
        )
    version = msgspec.json.decode(raw, type=_Version).schema_version
    if version not in READABLE_SCHEMA_VERSIONS:
        readable = " and ".join(str(v) for v in READABLE_SCHEMA_VERSIONS)
        return ResultsError(
            f"results file {path}: results schema_version {version!r} is not supported (this tool reads "
            f"versions {readable}); re-run the suite with this version to regenerate it"
        )
    return ResultsError(f"results file {path} is missing or has a malformed field ({problem})")
