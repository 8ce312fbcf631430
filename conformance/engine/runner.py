"""One conformance run: resolve the target, generate cases, send within budget, check, collect results."""

from __future__ import annotations

import contextlib
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from conformance import __version__
from conformance.checks import CHECKS, CheckContext, describe, run_checks
from conformance.contract.schemas import load_contract
from conformance.contract.specfile import load_spec
from conformance.contract.variants import load_variants, response_variants
from conformance.engine.client import TargetClient, TargetUnreachableError, credential_secrets
from conformance.engine.generation import PHASES, GenerationOptions, generate_cases
from conformance.engine.profiles import Profile, ProfileError, SendBudget, is_loopback_url, resolve_token
from conformance.engine.variant_probe import PROBE_PHASE, downgrade_rescued, request_variants
from conformance.model.cases import Case, Expectation
from conformance.model.deviations import Deviation, Severity
from conformance.model.exchange import Exchange
from conformance.model.redaction import Redactor, remember_secret
from conformance.model.results import Crash, PhaseStats, RunResults, TargetInfo
from strategies.derived_tokens import derived_token_kinds

__all__ = ["RunOptions", "SafetyError", "could_send", "execute", "resolved_target"]

ProgressCallback = Callable[[Exchange | None, Case, int, int], None]


class SafetyError(ValueError):
    """A run the safety rules refuse (non-loopback target without both live switches)."""


@dataclass(frozen=True)
class RunOptions:
    profile: Profile
    seed: int = 0
    max_examples: int = 25
    fail_on: Severity = Severity.ERROR
    allow_live: bool = False
    negative_only: bool = False
    phases: tuple[str, ...] = PHASES
    checks: tuple[str, ...] = ()  # empty: all
    shard: tuple[int, int] | None = None  # (i, n), 1-based: run only shard i of n
    progress: ProgressCallback | None = field(default=None, compare=False)


def check_safety(profile: Profile, allow_live: bool) -> None:
    """Refuse any non-loopback target unless the profile says live: true *and* --live was given."""
    if profile.embedded_mock or is_loopback_url(profile.base_url):
        return
    if not (profile.live and allow_live):
        missing = " and ".join(
            part
            for part, ok in (("'live: true' in the profile", profile.live), ("--live", allow_live))
            if not ok
        )
        raise SafetyError(
            f"profile {profile.source}: base_url {profile.base_url} is not on this machine, and a run there "
            "can "
            f"send real, paid SMS. It needs {missing}. Add them only if you mean to test that target."
        )
    if not profile.base_url.startswith("https://"):
        raise SafetyError(
            f"profile {profile.source}: field 'base_url' must use https:// for a non-loopback target "
            "(Opentact redirects plain HTTP, D13)."
        )


@contextlib.contextmanager
def resolved_target(profile: Profile, token: str, seed: int) -> Iterator[Profile]:
    """The profile with a real base URL: starts the embedded mock when the profile asks for it."""
    if not profile.embedded_mock:
        yield profile
        return
    from conformance.mock.config import MockConfig
    from conformance.mock.server import MockServer

    config = MockConfig(
        token=token, senders=profile.senders, faults=frozenset(profile.mock_faults), seed=seed
    )
    with MockServer(config) as server:
        yield replace(profile, base_url=server.url)


def could_send(case: Case, profile: Profile) -> bool:
    """Counts against the budget: any request naming a leased sender and some destination."""
    return case.params.get("FROM") in profile.senders and bool(case.params.get("TO"))


def shard_cases(cases: list[Case], shard: tuple[int, int] | None) -> list[Case]:
    """Shard ``i`` of ``n`` (1-based): every n-th case, a deterministic split of the same generated list."""
    if shard is None:
        return cases
    index, count = shard
    return cases[index - 1 :: count]


def shard_budget(max_sends: int, shard: tuple[int, int] | None) -> int:
    """The profile's budget divided between shards, so all shards together never exceed it."""
    if shard is None:
        return max_sends
    index, count = shard
    return max_sends // count + (1 if index <= max_sends % count else 0)


class _Tally:
    """What the sending loop accumulates; turned into RunResults at the end."""

    def __init__(self) -> None:
        self.deviations: list[Deviation] = []
        self.crashes: list[Crash] = []
        self.status_counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.skipped: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()
        self.positive: Counter[str] = Counter()
        self.classes: dict[str, set[str]] = defaultdict(set)  # phase -> domain classes of sent cases

    def record(self, exchange: Exchange, ctx: CheckContext, check_names: tuple[str, ...]) -> None:
        case, response = exchange.case, exchange.response
        self.sent[case.phase] += 1
        self.classes[case.phase].update(case.classes)
        self.status_counts[case.phase][str(response.status) if response else "no-response"] += 1
        if case.expectation is Expectation.SUCCESS and case.severity is not Severity.INFO:
            self.positive["total"] += 1
            self.positive["2xx"] += int(response is not None and 200 <= response.status < 300)
        found, crashed = run_checks(ctx, exchange, check_names)
        self.deviations.extend(found)
        self.crashes.extend(Crash(name, case.id, error) for name, error in crashed)

    def count(self, exchange: Exchange) -> None:
        """A probe: counted in its phase's statistics, not checked."""
        self.sent[exchange.case.phase] += 1
        response = exchange.response
        self.status_counts[exchange.case.phase][str(response.status) if response else "no-response"] += 1

    def phases(self, cases: list[Case]) -> tuple[PhaseStats, ...]:
        planned = Counter(c.phase for c in cases)
        planned[PROBE_PHASE] = self.sent[PROBE_PHASE]
        return tuple(
            PhaseStats(
                name=p,
                cases=planned[p],
                sent=self.sent[p],
                skipped=self.skipped[p],
                status_counts=dict(self.status_counts[p]),
                classes=tuple(sorted(self.classes[p])),
            )
            for p in (*PHASES, PROBE_PHASE)
            if planned[p]
        )


def _send(client: TargetClient, case: Case, anything_sent: bool) -> Exchange:
    """One exchange; a target that stops answering mid-run is a transport deviation, at start exit 3."""
    try:
        return client.send(case)
    except TargetUnreachableError:
        if not anything_sent:
            raise
        return Exchange(
            case=case,
            request=client.build(case),
            response=None,
            error="ConnectError: the target stopped accepting connections",
            sent_at=datetime.now(UTC),
        )


def execute(options: RunOptions) -> RunResults:
    """Run every case against the target and return the results (partial if interrupted or out of time)."""
    profile = options.profile
    check_safety(profile, options.allow_live)
    token = resolve_token(profile)
    for secret in credential_secrets(token):  # near-miss tokens are as secret as the token
        remember_secret(secret)
    spec = load_spec()
    check_names = options.checks or tuple(CHECKS)
    unknown = [c for c in check_names if c not in CHECKS]
    if unknown:
        raise ProfileError(f"unknown check(s) {unknown}; `opentact-conformance run --list-checks` lists them")
    generation = GenerationOptions(
        seed=options.seed,
        max_examples=options.max_examples,
        negative_only=options.negative_only,
        phases=options.phases,
        token_kinds=derived_token_kinds(token) if token else (),
    )
    cases = shard_cases(generate_cases(profile, spec, generation), options.shard)
    ctx = CheckContext(
        contract=load_contract(spec),
        variants=response_variants(spec),
        seed=options.seed,
        latency_budget_ms=profile.latency_budget_ms,
        secrets=credential_secrets(token),
    )
    budget = SendBudget(shard_budget(profile.max_sends, options.shard))
    tally = _Tally()
    started, clock = datetime.now(UTC), time.perf_counter()
    partial_reason = ""
    waited = 0.0
    with resolved_target(profile, token, options.seed) as target:
        client = TargetClient(
            target.base_url, token, timeout_s=target.timeout_s, rate_limit_per_s=target.rate_limit_per_s
        )
        try:
            for index, case in enumerate(cases):
                limit = target.time_budget_s
                if limit is not None and time.perf_counter() - clock + client.limiter.pending() > limit:
                    partial_reason = f"time budget of {limit:g} s spent after {index} of {len(cases)} cases"
                    break
                if could_send(case, target) and not budget.try_spend():
                    tally.skipped[case.phase] += 1
                    continue
                exchange = _send(client, case, anything_sent=bool(tally.sent))
                tally.record(exchange, ctx, check_names)
                if options.progress is not None:
                    options.progress(exchange, case, index + 1, len(cases))
            if not partial_reason and "valid_data_rejected" in check_names:

                def probe(case: Case) -> Exchange | None:
                    if not budget.try_spend():
                        return None
                    exchange = _send(client, case, anything_sent=True)
                    tally.count(exchange)
                    return exchange

                tally.deviations = downgrade_rescued(
                    tally.deviations,
                    {c.id: c for c in cases},
                    request_variants(load_variants()),
                    probe,
                    secrets=(token,),
                )
        except KeyboardInterrupt:
            partial_reason = "interrupted (Ctrl-C) before every case was sent"
        finally:
            waited = client.limiter.waited_s
            client.close()
    total = tally.positive["total"]
    stats = {
        "cases": len(cases),
        "sent": sum(tally.sent.values()),
        "skipped_budget": sum(tally.skipped.values()),
        "send_budget": budget.limit,
        "sends_used": budget.used,
        "rate_limited": sum(c["429"] for c in tally.status_counts.values()),
        "waited_s": round(waited, 3),
        "positive_total": total,
        "positive_2xx": tally.positive["2xx"],
        "positive_2xx_share": round(tally.positive["2xx"] / total, 4) if total else None,
        "negative_only": options.negative_only or profile.negative_only,
        "shard": None if options.shard is None else f"{options.shard[0]}/{options.shard[1]}",
    }
    results = RunResults(
        target=TargetInfo(
            profile.name,
            "embedded mock (127.0.0.1)" if profile.embedded_mock else profile.base_url,
            profile.live,
            profile.auth.method,
        ),
        spec=spec.summary(),
        seed=options.seed,
        started_at=started.isoformat(timespec="seconds"),
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        duration_s=time.perf_counter() - clock,
        fail_on=options.fail_on,
        deviations=tuple(tally.deviations),
        phases=tally.phases(cases),
        crashes=tuple(tally.crashes),
        checks={name: describe(name) for name in check_names},
        stats=stats,
        partial=bool(partial_reason),
        partial_reason=partial_reason,
        tool_version=__version__,
    )
    # nothing the run saw of the token (or a token derived from it) leaves it
    return results.redacted(Redactor(credential_secrets(token)))
