"""The vendor export's view model: one entry per distinct problem, in the vendor's words.

Each entry says what the documentation says (the page's title, its public URL and what it shows),
what the server did, how often and since when, why it matters, and the smallest reproduction as a
curl line that reads the token from an environment variable. Internal names (deviation keys, DECISIONS
numbers, JSON pointers into our OpenAPI file, check names) go only into each entry's ``technical``
facts, which the renderers fold into a collapsed appendix. Pure: the caller passes the documentation
pages and how to reach the target (``reports`` reads only the model).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from conformance.model.deviations import ABSENT, Deviation
from conformance.model.problems import Problem, distinct_problems, problem_id, problem_status
from conformance.model.results import RunResults
from reports.baseline import compare
from reports.runnable_curl import runnable_curl

__all__ = [
    "DocLink",
    "DocPage",
    "TargetAccess",
    "VendorExport",
    "VendorProblem",
    "build_export",
    "plain",
]

OPERATION_PAGE = "S1"  # the page that documents POST /rest/sms: cited when nothing more specific is
WHY = {
    "error": "It breaks what the documentation states plainly: a client written from the documentation "
    "can fail on this answer.",
    "warning": "It differs from the API reference, but another Opentact page shows it this way or the "
    "documentation is unclear: clients written from different pages will disagree.",
    "info": "It is not in the documentation: most clients ignore it, but nobody can rely on it.",
}
SEVERITY_WORDS = {
    "error": "breaks the documentation",
    "warning": "differs from the API reference",
    "info": "undocumented",
}
_COUNTED = {  # (one, many): "1 breaks what …", "2 break what …"
    "error": ("breaks what the documentation states", "break what the documentation states"),
    "warning": ("differs from the API reference", "differ from the API reference"),
    "info": ("is undocumented", "are undocumented"),
}
# checks whose problem shows only when the same request is sent more than once
_SEND_AGAIN = frozenset(
    {"equal_requests_same_outcome", "uuid_unique", "thread_per_pair", "automated_consistent"}
)
_PUBLIC_STANDARDS = (
    (re.compile(r"RFC (\d+)(?: §([\d.]+))?"), "https://www.rfc-editor.org/rfc/rfc{0}"),
    (re.compile(r"HTTP/1\.1"), "https://www.rfc-editor.org/rfc/rfc9112"),
)
_PAGE_ID = re.compile(r"\bS(\d+)(?:\s*-\s*S(\d+))?\b")
_INTERNAL = (  # our vocabulary in a text written for the vendor, and what replaces it
    (re.compile(r"\s*\((?:D\d+(?:,\s*)?)+(?:[^)]*)\)"), ""),  # "(D23)", "(D12, D25)"
    (re.compile(r"\s*\((?:schema|variant) [^)]*\)"), ""),  # "(schema #/…)", "(variant auth-bearer-header)"
    (re.compile(r"\s*\bD\d+\b"), ""),
    (re.compile(r"\s*\((?:S\d+(?:,\s*)?)+\)"), ""),  # "(S1)", "(S1, S4, S10)": the pages are linked instead
    (re.compile(r"\$\.([A-Za-z_][\w.\[\]-]*)"), r"`\1`"),  # "$.payload.to" -> "`payload.to`"
    (re.compile(r"#/\S+"), ""),
    (re.compile(r"^schemathesis [a-z]+: "), ""),  # the generator's phase naming the case
    (re.compile(r"was sent as \S+ and \S+:"), "was sent twice:"),  # two case ids
)


@dataclass(frozen=True)
class DocPage:
    """A public page the suite cites (``spec/sources.yaml``)."""

    id: str
    title: str
    url: str


@dataclass(frozen=True)
class DocLink:
    title: str
    url: str
    shows: str  # what the page shows that this problem is about ("" when it is the page as a whole)


@dataclass(frozen=True)
class TargetAccess:
    """How a reader reaches the target: the token variable, and for the embedded mock its start."""

    token_variable: str
    base_url: str | None = None  # replaces the recorded address (the embedded mock's is gone)
    start: str = ""  # a sentence saying how to start the target, "" for a service that is up


@dataclass(frozen=True)
class VendorProblem:
    number: int
    title: str
    severity: str
    severity_words: str
    why: str
    expected: str  # what the documentation promises
    actual: str  # what the server did, in words
    detail: str
    docs: tuple[DocLink, ...]
    frequency: str
    first_seen: str
    last_seen: str
    runs_seen: str  # "in 3 of 5 runs", "" for one run
    status: str  # "new since the baseline", "open in the newest run", ""
    reproduce_note: str
    curl: str
    technical: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class VendorExport:
    title: str
    target: str
    target_url: str
    period: str
    scope: str
    runs: int
    problems: tuple[VendorProblem, ...]
    start: str  # how to start the target before the reproductions ("" when it is a running service)
    token_variable: str

    @property
    def summary(self) -> str:
        counts: dict[str, int] = {}
        for problem in self.problems:
            counts[problem.severity] = counts.get(problem.severity, 0) + 1
        if not self.problems:
            return "No problems to report."
        ordered = sorted(counts.items(), key=_severity_order)
        parts = [f"{n} {_COUNTED[s][0] if n == 1 else _COUNTED[s][1]}" for s, n in ordered]
        noun = "problem" if len(self.problems) == 1 else "distinct problems"
        return f"{len(self.problems)} {noun}: {', '.join(parts)}."


def _severity_order(item: tuple[str, int]) -> int:
    return {"error": 0, "warning": 1, "info": 2}.get(item[0], 3)


def plain(text: str) -> str:
    """``text`` without DECISIONS numbers and pointers into our OpenAPI file."""
    for pattern, replacement in _INTERNAL:
        text = pattern.sub(replacement, text)
    return text.strip()


def _where(path: str) -> str:
    if path in ("", "$"):
        return "the response"
    if path.startswith("$."):
        return f"`{path[2:]}`"
    return f"the {path} header"


def _plain_title(problem: Problem, example: Deviation) -> str:
    if example.evidence.variant:
        return f"{_where(problem.path)} differs from the API reference (as another Opentact page shows it)"
    return plain(re.sub(r"variant '[^']*'", "variant", problem.title))


def _server_did(example: Deviation) -> str:
    actual = " ".join(example.actual.split())
    if not actual:
        return plain(example.detail)
    if example.path in ("", "$"):
        return f"The server answered {_code(actual)}."
    if example.path.startswith("$.") and actual == ABSENT:
        return f"The server left out {_where(example.path)}."
    if example.path.startswith("$."):
        return f"The server sent {_where(example.path)} as {_code(actual)}."
    return f"The server sent {example.path} {_code(actual)}."


def _code(text: str, limit: int = 300) -> str:
    shown = text if len(text) <= limit else text[:limit] + "…"
    fence = "``" if "`" in shown else "`"
    return f"{fence}{shown}{fence}" if fence == "`" else f"{fence} {shown} {fence}"


def _standards(clause: str) -> list[DocLink]:
    links = []
    for pattern, url in _PUBLIC_STANDARDS:
        for match in pattern.finditer(clause):
            groups = [g for g in match.groups() if g]
            address = url.format(*groups) if groups else url
            if len(groups) > 1:
                address += f"#section-{groups[1]}"
            links.append(DocLink(match.group(0), address, ""))
    return links


def doc_links(evidence: str, pages: Mapping[str, DocPage]) -> tuple[DocLink, ...]:
    """The public pages an evidence text cites, each with what it shows; the operation's page if none."""
    links: dict[str, DocLink] = {}
    for clause in evidence.split(";"):
        cited = []
        for match in _PAGE_ID.finditer(clause):
            first = int(match.group(1))
            last = int(match.group(2) or first)
            cited += [f"S{n}" for n in range(first, last + 1)]
        shows = plain(_PAGE_ID.sub("", clause)).strip(" ,:").removeprefix("and ").strip(" ,:")
        shows = re.sub(r"^(?:,\s*|and\s+)+", "", shows)
        for page_id in cited:
            page = pages.get(page_id)
            if page is not None and page.url not in links:
                links[page.url] = DocLink(page.title, page.url, shows)
        for link in _standards(clause):
            links.setdefault(link.url, link)
    if not links and OPERATION_PAGE in pages:
        page = pages[OPERATION_PAGE]
        links[page.url] = DocLink(page.title, page.url, "")
    return tuple(links.values())


def _docs(example: Deviation, pages: Mapping[str, DocPage]) -> tuple[DocLink, ...]:
    """The pages behind the expectation; for a documented variant, the reference first, then the pages
    that show the server's form."""
    links = doc_links(example.evidence.source, pages)
    reference = pages.get(OPERATION_PAGE)
    if not example.evidence.variant or reference is None:
        return links
    others = tuple(
        DocLink(link.title, link.url, f"shows the server's form: {link.shows}" if link.shows else "")
        for link in links
        if link.url != reference.url
    )
    return (DocLink(reference.title, reference.url, "the API reference for this request"), *others)


def _smallest(members: Sequence[Deviation]) -> Deviation:
    """The deviation with the shortest request: the smallest reproduction."""
    with_request = [d for d in members if d.request]
    if not with_request:
        return members[0]
    return min(
        with_request, key=lambda d: len(str(d.request.get("url", ""))) + len(str(d.request.get("body") or ""))
    )


def _day(timestamp: str) -> str:
    return timestamp.replace("T", " ").replace("+00:00", " UTC")[:23] if timestamp else "–"


@dataclass(frozen=True)
class _Seen:
    first: str
    last: str
    runs: str
    status: str


def _technical(
    problem: Problem, example: Deviation, members: Sequence[Deviation]
) -> tuple[tuple[str, str], ...]:
    cases = list(dict.fromkeys(d.case_id for d in members if d.case_id))
    facts = [
        ("check", problem.check),
        ("problem id", problem.id),
        ("JSON path", problem.path),
        ("deviation keys", ", ".join(problem.keys[:5]) + (" …" if len(problem.keys) > 5 else "")),
        ("title", problem.title),
        ("evidence", example.evidence.source),
        ("decision", example.evidence.decision or "–"),
        ("variant", example.evidence.variant or "–"),
        ("spec pointer", example.spec_pointer or "–"),
        ("cases", ", ".join(cases[:8]) + (" …" if len(cases) > 8 else "")),
        ("detail", example.detail),
    ]
    return tuple(facts)


def _entry(
    number: int,
    problem: Problem,
    members: Sequence[Deviation],
    results: RunResults,
    seen: _Seen,
    pages: Mapping[str, DocPage],
    access: TargetAccess,
) -> VendorProblem:
    example = _smallest(members)
    cases = len({d.case_id for d in members if d.case_id})
    total = int(results.stats.get("cases", 0) or 0)
    times = "once" if len(members) == 1 else f"{len(members)} times"
    frequency = f"Seen {times} in the newest run, in {cases} of its {total} test cases."
    note = (
        "Send this request two or three times: the answers differ."
        if problem.check in _SEND_AGAIN or "intermittent" in problem.title
        else ""
    )
    return VendorProblem(
        number=number,
        title=_plain_title(problem, example),
        severity=problem.severity.value,
        severity_words=SEVERITY_WORDS[problem.severity.value],
        why=WHY[problem.severity.value],
        expected=plain(example.expected) or "the documented answer",
        actual=_server_did(example),
        detail="" if example.evidence.variant else plain(example.detail),
        docs=_docs(example, pages),
        frequency=frequency,
        first_seen=seen.first,
        last_seen=seen.last,
        runs_seen=seen.runs,
        status=seen.status,
        reproduce_note=note,
        curl=runnable_curl(example.request, access.token_variable, access.base_url)
        if example.request
        else "",
        technical=_technical(problem, example, members),
    )


def _members(results: RunResults) -> dict[str, list[Deviation]]:
    grouped: dict[str, list[Deviation]] = {}
    for deviation in results.deviations:
        grouped.setdefault(problem_id(deviation), []).append(deviation)
    return grouped


def build_export(
    current: RunResults,
    pages: Mapping[str, DocPage],
    access: TargetAccess,
    *,
    baseline: RunResults | None = None,
    history: Sequence[RunResults] = (),
) -> VendorExport:
    """The export of ``current`` (the newest run); only problems new since ``baseline`` when given, or
    with ``history`` (every run of the target, ``current`` among them) the problems open in ``current``
    with when each was first and last seen across the runs."""
    runs = sorted(history, key=lambda r: r.started_at) if history else [current]
    problems = distinct_problems(current.deviations)
    members = _members(current)
    per_run = [{p.id for p in distinct_problems(r.deviations)} for r in runs]
    persisting: set[str] = set()
    scope = "Every problem found in this run."
    if baseline is not None:
        persisting = set(compare(baseline, current, label="baseline").persisting)
        problems = tuple(p for p in problems if problem_status(p, persisting) == "new")
        scope = f"Only the problems that are new since the earlier run of {_day(baseline.started_at)}."
    elif len(runs) > 1:
        scope = f"The problems still open in the newest of {len(runs)} runs, with when each was first seen."
    entries = []
    for number, problem in enumerate(problems, start=1):
        present = [r for r, ids in zip(runs, per_run, strict=True) if problem.id in ids] or [current]
        seen = _Seen(
            first=_day(present[0].started_at),
            last=_day(present[-1].started_at),
            runs=f"in {len(present)} of {len(runs)} runs" if len(runs) > 1 else "",
            status="new since the earlier run" if baseline is not None else "",
        )
        entries.append(_entry(number, problem, members[problem.id], current, seen, pages, access))
    period = _day(runs[0].started_at)
    if len(runs) > 1 or runs[0].finished_at[:16] != runs[0].started_at[:16]:
        period += f" to {_day(runs[-1].finished_at)}"
    spec_title = current.spec.get("title", "Opentact SMS API")
    found = f"{len(entries)} {'problem' if len(entries) == 1 else 'problems'}"
    return VendorExport(
        title=f"{spec_title}: {found} found on {current.target.name}",
        target=current.target.name,
        target_url="the suite's mock of the documented API" if access.start else current.target.base_url,
        period=period,
        scope=scope,
        runs=len(runs),
        problems=tuple(entries),
        start=access.start,
        token_variable=access.token_variable,
    )
