"""FROM is a Number as TO is (D4): the leased sender in each spelling the contract refuses.

The coverage phase sends them (classes ``sender:*``). A mock that reads numbers leniently
(``lenient_numbers``: a leading +, Unicode digits, surrounding whitespace, any length) accepts
several and each gets D4's warning under its own title; the clean mock refuses every one and the
run stays silent; ``--negative-only`` keeps none that a lenient parser reads as the leased sender.
"""

from __future__ import annotations

import pytest

from conformance.engine.profiles import mock_profile
from conformance.engine.run.runner import RunOptions, execute
from conformance.model.deviations import Severity
from conformance.model.results import RunResults

pytestmark = pytest.mark.slow  # the embedded mock runs as a process

TITLE = "A sender that is not a valid number was accepted"
LENIENTLY_READ = {"sender:leading-plus", "sender:fullwidth-digits", "sender:surrounding-whitespace"}


def _coverage(seed: int, *faults: str) -> RunResults:
    return execute(
        RunOptions(
            profile=mock_profile(faults=faults),
            seed=seed,
            max_examples=1,
            phases=("coverage",),
            probe_variants=False,
            send_repeats=False,
            send_race=False,
            follow_messages=False,
        )
    )


@pytest.mark.parametrize("seed", range(1, 6))
def test_a_lenient_sender_reading_is_d4_s_warning_and_the_clean_mock_is_silent(seed: int) -> None:
    lenient = _coverage(seed, "lenient_numbers")
    found = [d for d in lenient.deviations if d.title == TITLE]
    assert found, [d.title for d in lenient.deviations]
    assert {d.check for d in found} == {"negative_data_accepted"}
    assert {d.severity for d in found} == {Severity.WARNING}
    sent_classes = {c for phase in lenient.phases for c in phase.classes}
    assert sent_classes >= LENIENTLY_READ
    clean = _coverage(seed)
    assert [d for d in clean.deviations if d.severity is not Severity.INFO] == []
    assert {c for phase in clean.phases for c in phase.classes} >= LENIENTLY_READ
