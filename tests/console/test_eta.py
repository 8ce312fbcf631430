"""The ETA comes from the measured rate, and only once there is one."""

from __future__ import annotations

from conformance.commands.console import ETA_MIN_CASES, ETA_MIN_SECONDS, Eta


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_no_eta_from_the_first_case_or_before_a_few_cases_and_a_second() -> None:
    clock = Clock()
    eta = Eta(clock)
    assert eta.update(1, 200) == ""  # the first case: the clock starts here
    clock.now += 5.0
    assert eta.update(1 + ETA_MIN_CASES - 1, 200) == ""  # long enough, too few cases
    clock.now = 100.0 + ETA_MIN_SECONDS / 2
    assert eta.update(50, 200) == ""  # many cases, too short a time


def test_the_eta_is_the_measured_rate_times_the_cases_left() -> None:
    clock = Clock()
    eta = Eta(clock)
    eta.update(1, 111)
    clock.now += 2.0
    assert eta.update(11, 111) == "ETA 20 s"  # 10 cases in 2 s: 5/s, 100 left
    clock.now += 58.0
    assert eta.update(31, 631) == "ETA 20 min"  # 30 cases in 60 s, 600 left: 1200 s


def test_a_finished_run_has_nothing_left() -> None:
    clock = Clock()
    eta = Eta(clock)
    eta.update(3, 9)
    assert eta.update(9, 9) == "ETA 0 s"
