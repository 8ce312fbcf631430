"""report.html's life-cycle section: each followed message's timeline and the time to delivery, drawn as
inline SVG from ``stats.lifecycle`` (D68), every text in it escaped; no section when nothing was followed."""

from __future__ import annotations

from dataclasses import replace
from html import unescape

from builders import clean_results
from lifecycle_exchanges import delivered_life

from conformance.model.lifecycle import FollowedMessage, Lifecycle, figures
from reports.html import render_html

HOSTILE = '<script>alert("x")</script>'


def results_with(lifecycle: Lifecycle):  # type: ignore[no-untyped-def]
    stats = {**clean_results().stats, "lifecycle": figures(lifecycle, reads=9, read_budget=20, probes=2)}
    return replace(clean_results(), stats=stats)


def test_each_followed_message_gets_its_timeline_and_the_delivery_times_a_histogram() -> None:
    lives = (delivered_life(), delivered_life("5d0c1a52-9a4e-4f0e-8f57-0d6f0e2b7c11"))
    page = render_html(results_with(Lifecycle(lives)))
    section = page.split('<section class="lifecycle" id="lifecycle">', 1)[1].split("</section>", 1)[0]
    assert "2 of 2 followed messages found; 9 of 20 reads" in section
    assert section.count('<svg class="timeline"') == 2
    assert section.count('<svg class="histogram"') == 1
    assert section.count("<circle ") == 2 * 5  # the send's answer and four reads each
    assert "delivered at 2.000 s" in section
    assert "<td>delivered</td>" in section


def test_text_from_the_target_is_escaped_inside_the_drawings() -> None:
    life = delivered_life()
    hostile = Lifecycle((FollowedMessage(HOSTILE, life.send, life.reads, "terminal"),))
    page = render_html(results_with(hostile))
    assert HOSTILE not in page
    assert HOSTILE in unescape(page)


def test_no_section_without_followed_messages() -> None:
    assert 'id="lifecycle"' not in render_html(clean_results())


def test_a_run_whose_lookups_found_nothing_says_the_life_cycle_was_not_evaluated() -> None:
    from lifecycle_exchanges import read, send

    lost = Lifecycle((FollowedMessage("u", send("u"), (read(0.5, 404, "u"),), "deadline"),))
    page = render_html(results_with(lost))
    assert 'id="lifecycle-not-evaluated"' in page
    assert 'id="lifecycle-not-evaluated"' not in render_html(results_with(Lifecycle((delivered_life(),))))
