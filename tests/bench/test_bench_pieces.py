"""The bench's pure pieces on known inputs: statistics, counting at the server, the verdict table."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.processes import RequestCount, count_requests
from bench.stats import paired_ratios, spread
from bench.table import Figure, format_table, missed

ACCESS_LOG = """\
Opentact mock listening on http://127.0.0.1:40000  (Ctrl-C to stop)
2026-11-25 16:51:01,213 127.0.0.1:59292 - "POST /rest/sms?FROM=12017771234&TO=98765&Message=Hi HTTP/1.1" 200
2026-11-25 16:51:01,244 127.0.0.1:59292 - "POST /rest/sms?FROM=1&TO=q HTTP/1.1" 400
2026-11-25 16:51:01,250 127.0.0.1:59293 - "GET /rest/sms HTTP/1.1" 405
2026-11-25 16:51:01,260 127.0.0.1:59294 - "GET /_mock/messages HTTP/1.1" 200
2026-11-25 16:51:01,261 127.0.0.1:59294 - "POST /_mock/reset HTTP/1.1" 200
WARNING:  Invalid HTTP request received.
mock stopped
"""


def test_spread_gives_median_and_range_of_the_rounds() -> None:
    result = spread([3.0, 1.0, 2.0, 10.0, 4.0])
    assert (result.median, result.low, result.high, result.rounds) == (3.0, 1.0, 10.0, 5)
    assert result.format("x") == "3.00x (1.00-10.00, 5 rounds)"
    assert spread([2.5]).format(" s", 1) == "2.5 s (1 round)"


def test_paired_ratios_are_taken_round_by_round_not_as_a_ratio_of_medians() -> None:
    ours, theirs = [1.0, 2.0, 9.0], [1.0, 4.0, 3.0]
    ratios = paired_ratios(ours, theirs)
    assert ratios == [1.0, 0.5, 3.0]
    assert spread(ratios).median == 1.0  # the ratio of the medians would be 2.0 / 3.0


def test_unpaired_or_empty_rounds_are_refused() -> None:
    with pytest.raises(ValueError, match="unpaired"):
        paired_ratios([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="not positive"):
        paired_ratios([1.0], [0.0])
    with pytest.raises(ValueError, match="at least one"):
        spread([])


def test_requests_are_counted_from_the_access_log_with_control_calls_and_refusals_apart() -> None:
    count = count_requests(ACCESS_LOG)
    assert count == RequestCount(api=3, control=2, invalid=1)
    assert count.total == 4
    assert count - RequestCount(api=1, control=2, invalid=0) == RequestCount(api=2, control=0, invalid=1)
    assert count_requests("mock stopped\n") == RequestCount(0, 0, 0)


def test_missed_names_missed_and_unavailable_gated_figures_but_not_information() -> None:
    figures = [
        Figure("met one", "2x", ">= 1x", True),
        Figure("missed one", "0.5x", ">= 1x", False),
        Figure("unavailable one", "not available: no key", ">= 5x", None),
        Figure("information", "3 req/s", gated=False, note="counted at the mock"),
    ]
    assert missed(figures) == ["missed one", "unavailable one"]
    table = format_table(figures)
    assert "MISSED (not available)" in table
    assert "counted at the mock" in table
    assert [line.split()[-1] for line in table.splitlines()[2:] if line.startswith(("met", "inf"))] == [
        "met",
        "info",
    ]


def test_throughput_gates_the_warm_rounds_against_schemathesis_and_shows_wrk_as_information() -> None:
    from bench.settings import Settings
    from bench.throughput import Side, _figures

    sides = {  # round 1 cold (slow gate), rounds 2-3 warm
        "gate": [Side(100, 10.0), Side(100, 1.0), Side(100, 2.0)],
        "schemathesis": [Side(100, 10.0)] * 3,
        "wrk": [Side(10_000, 5.0)] * 3,  # 2000 req/s: the warm gate reaches 0.025-0.05x
    }
    figures = {f.name: f for f in _figures(sides, Settings(rounds=3, max_examples=4), has_wrk=True)}
    cold = figures["gate / schemathesis, same request count (cold case cache, round 1)"]
    warm = figures["gate / schemathesis, same request count (warm case cache)"]
    assert (cold.gated, cold.value) == (False, "1.000x (1 round)")
    assert (warm.gated, warm.met, warm.value) == (True, True, "7.500x (5.000-10.000, 2 rounds)")
    limit = figures["gate --max-examples 4 / physical limit (warm case cache)"]
    assert (limit.gated, limit.value) == (False, "0.038x (0.025-0.050, 2 rounds)")  # far below: information
    assert "information" in limit.note and limit.verdict == "info"
    assert missed(list(figures.values())) == []
    slow = dict(sides, gate=[Side(100, 10.0), Side(100, 4.0), Side(100, 5.0)])  # 2.0-2.5x schemathesis
    assert missed(_figures(slow, Settings(rounds=3, max_examples=4), has_wrk=True)) == [warm.name]
    one_round = {k: v[:1] for k, v in sides.items()}
    alone = _figures(one_round, Settings(rounds=1, max_examples=4), has_wrk=True)
    assert missed(alone) == [warm.name]
    assert all("need --rounds 2" in f.value for f in alone if f.name == warm.name)
    without_wrk = _figures({**sides, "wrk": []}, Settings(rounds=3, max_examples=4), has_wrk=False)
    assert missed(without_wrk) == []
    assert any("wrk` is not installed" in f.value and not f.gated for f in without_wrk)


def test_the_sending_rate_counts_the_gaps_between_requests() -> None:
    from bench.latency import sending_rate

    assert sending_rate(6, 1.0) == 5.0  # six requests 0.2 s apart span one second
    with pytest.raises(ValueError, match="two requests"):
        sending_rate(1, 0.0)


def test_the_rate_limit_figure_is_met_at_90_percent_of_the_limit_and_missed_below() -> None:
    from bench.latency import GateRun, rate_figures

    at_limit = [GateRun(0, 20.0, 50, 49 / 4.9), GateRun(1, 21.0, 50, 49 / 4.6)]  # 98 %, 92 %
    below = [GateRun(0, 30.0, 50, 49 / 4.0), GateRun(0, 30.0, 50, 49 / 4.4)]  # 80 %, 88 %
    met, short = rate_figures({"sequential": at_limit, "default": below}, 100.0)
    assert (met.met, met.value) == (True, "95% of the limit (92-98, 2 rounds)")
    assert "4.75 req/s" in met.note and "[50]" in met.note and "exit [0, 1]" in met.note
    assert (short.met, short.value) == (False, "84% of the limit (80-88, 2 rounds)")
    assert missed([met, short]) == [short.name]


def test_hostile_texts_have_the_size_asked_and_the_quadratic_shape() -> None:
    from bench.hostile import SHAPES, hostile_text

    for shape, prefix in SHAPES.items():
        text = hostile_text(shape, 16_384)
        assert text.startswith(prefix) and len(text) in (16_383, 16_384)
        assert text[len(prefix) :] == '\\"' * ((16_384 - len(prefix)) // 2)


def test_the_hostile_har_is_read_as_one_exchange_per_shape(tmp_path: Path) -> None:
    from bench.hostile import SHAPES, hostile_har, hostile_text
    from conformance.engine.traffic.files import read_traffic
    from conformance.engine.traffic.observed import ObservedExchange

    har = hostile_har(tmp_path / "hostile.har")
    assert 60 * 1024 <= har.stat().st_size <= 64 * 1024
    exchanges = list(read_traffic(har))
    assert all(isinstance(exchange, ObservedExchange) for exchange in exchanges)
    bodies = sorted(item.response_body for item in exchanges if isinstance(item, ObservedExchange))
    per_body = (64 * 1024 - 1536) // (2 * len(SHAPES))
    assert bodies == sorted(hostile_text(shape, per_body).encode() for shape in SHAPES)


@pytest.mark.slow  # asks git
def test_the_default_baseline_revision_is_a_commit_of_this_repository_and_a_bad_one_is_named() -> None:
    from bench.baseline import _git, measure_baseline
    from bench.settings import DEFAULT_BASELINE_REV, Settings

    assert _git("rev-parse", "--verify", f"{DEFAULT_BASELINE_REV}^{{commit}}").returncode == 0
    (figure,) = measure_baseline(Path("/nonexistent"), Settings(baseline_rev="no-such-revision"))
    assert "not a commit" in figure.value and missed([figure]) == [figure.name]
