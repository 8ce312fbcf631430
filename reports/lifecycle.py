"""The report's life-cycle section: each followed message's timeline and the time to delivery (D68).

Reads ``stats.lifecycle`` of ``results.json`` (``conformance.model.lifecycle.figures``) defensively:
a hand-edited or older file without it gives no section. The drawings are inline SVG built here,
every text in them escaped, so the page stays self-contained under its Content-Security-Policy
(SVG presentation attributes, no ``style`` attribute, nothing fetched).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

__all__ = ["LifecycleView", "MessageRow", "StateTime", "lifecycle_view"]

LEVELS = {"created": 0, "sending": 1, "success": 2, "failed": 2}  # delivered draws as level 3
LEVEL_NAMES = ("created", "sending", "success", "delivered")
STATES = ("created", "sending", "success", "delivered")
WIDTH, HEIGHT, LEFT, PAD = 420, 84, 62, 8
BINS = 12


@dataclass(frozen=True)
class StateTime:
    state: str
    count: int
    median: str
    max: str


@dataclass(frozen=True)
class MessageRow:
    uuid: str
    case_id: str
    last: str  # the last state read, "delivered" when delivered
    delivered_after: str  # seconds, "" when never seen delivered
    svg: Markup


@dataclass(frozen=True)
class LifecycleView:
    evaluated: bool  # False: no lookup found any message (the route may be missing, D66)
    followed: int
    found: int
    reads: int
    read_budget: int
    terminal: str
    times: tuple[StateTime, ...]
    histogram: Markup
    messages: tuple[MessageRow, ...]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: Any, default: float = 0.0) -> float:
    return float(value) if _is_number(value) else default


def _seconds(value: Any) -> str:
    return f"{_number(value):.3f} s" if _is_number(value) else ""


def _points(raw: Any) -> list[tuple[float, int, str]]:
    """(seconds, level, label) of a timeline's valid points."""
    out: list[tuple[float, int, str]] = []
    for point in raw if isinstance(raw, list) else []:
        if not (isinstance(point, list) and len(point) == 3):
            continue
        at, state, delivered = point
        if not isinstance(state, str) or state not in LEVELS:
            continue
        level = 3 if delivered is True and state == "success" else LEVELS[state]
        out.append((max(0.0, _number(at)), level, "delivered" if level == 3 else state))
    return out


def _x(at: float, span: float) -> float:
    return LEFT + (WIDTH - LEFT - PAD) * (at / span if span > 0 else 0.0)


def _y(level: int) -> float:
    return HEIGHT - PAD - (HEIGHT - 2 * PAD) * level / 3


def _label(x: float, y: float, text: str, anchor: str) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="9" text-anchor="{anchor}">{escape(text)}</text>'


def timeline_svg(points: Sequence[tuple[float, int, str]], span: float, title: str) -> Markup:
    """A step line of the message's state against seconds after the send; a dot per read."""
    parts = [
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for level, name in enumerate(LEVEL_NAMES):
        y = _y(level)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - PAD}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(_label(LEFT - 4, y + 3, name, "end"))
    if points:
        path: list[str] = []
        for index, (at, level, _) in enumerate(points):
            x, y = _x(at, span), _y(level)
            if index:
                path.append(f"{x:.1f},{_y(points[index - 1][1]):.1f}")
            path.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<polyline points="{" ".join(path)}" fill="none" stroke="#3366cc" stroke-width="1.5"/>')
        for at, level, label in points:
            parts.append(
                f'<circle cx="{_x(at, span):.1f}" cy="{_y(level):.1f}" r="2.5" fill="#3366cc">'
                f"<title>{escape(label)} at {at:.3f} s</title></circle>"
            )
    parts.append(_label(WIDTH - PAD, HEIGHT - 1, f"{span:.3f} s", "end"))
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram_svg(values: Sequence[float]) -> Markup:
    """How many messages were first seen delivered within each slice of seconds after their send."""
    if not values:
        return Markup("")
    low, high = min(values), max(values)
    width = (high - low) / BINS or 1.0
    counts = [0] * BINS
    for value in values:
        counts[min(BINS - 1, int((value - low) / width))] += 1
    tallest = max(counts)
    bar = (WIDTH - LEFT - PAD) / BINS
    parts = [
        f'<svg class="histogram" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT + 20}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT + 20}" role="img" aria-label="time to delivered">'
        "<title>Seconds from the send to the first read showing delivered</title>"
    ]
    for index, count in enumerate(counts):
        h = (HEIGHT - 2 * PAD) * count / tallest
        x = LEFT + index * bar
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
            f'fill="#3366cc"><title>{count} message(s), {low + index * width:.3f}-'
            f"{low + (index + 1) * width:.3f} s</title></rect>"
        )
    parts.append(_label(LEFT - 4, PAD + 6, str(tallest), "end"))
    parts.append(_label(LEFT, HEIGHT + 6, f"{low:.3f} s", "start"))
    parts.append(_label(WIDTH - PAD, HEIGHT + 6, f"{high:.3f} s", "end"))
    parts.append("</svg>")
    return Markup("".join(parts))


def _times(raw: Any) -> tuple[StateTime, ...]:
    table = raw if isinstance(raw, Mapping) else {}
    rows = []
    for state in STATES:
        entry = table.get(state)
        entry = entry if isinstance(entry, Mapping) else {}
        count = entry.get("count")
        rows.append(
            StateTime(
                state,
                count if isinstance(count, int) and not isinstance(count, bool) else 0,
                _seconds(entry.get("median")),
                _seconds(entry.get("max")),
            )
        )
    return tuple(rows)


def _row(raw: Any, span: float) -> MessageRow | None:
    if not isinstance(raw, Mapping):
        return None
    points = _points(raw.get("points"))
    uuid, case_id = str(raw.get("uuid", "")), str(raw.get("case_id", ""))
    delivered = next((at for at, level, _ in points if level == 3), None)
    return MessageRow(
        uuid=uuid,
        case_id=case_id,
        last=points[-1][2] if points else "not found",
        delivered_after="" if delivered is None else f"{delivered:.3f} s",
        svg=timeline_svg(points, span, f"message {uuid} of case {case_id}"),
    )


def lifecycle_view(stats: Mapping[str, Any]) -> LifecycleView | None:
    """The section's data, or None when the run followed no message."""
    raw = stats.get("lifecycle")
    if not isinstance(raw, Mapping):
        return None
    timelines = raw.get("timelines")
    timelines = timelines if isinstance(timelines, list) else []
    span = max(
        (at for item in timelines if isinstance(item, Mapping) for at, _, _ in _points(item.get("points"))),
        default=0.0,
    )
    rows = tuple(row for item in timelines if (row := _row(item, span)) is not None)
    delivered = raw.get("delivered_s")
    values = [float(v) for v in (delivered if isinstance(delivered, list) else []) if _is_number(v)]
    terminal = raw.get("terminal")
    ends = terminal.items() if isinstance(terminal, Mapping) else ()
    terminal_text = ", ".join(f"{k}: {v}" for k, v in ends)
    return LifecycleView(
        evaluated=raw.get("evaluated") is not False,
        followed=int(_number(raw.get("followed"))),
        found=int(_number(raw.get("found"))),
        reads=int(_number(raw.get("reads"))),
        read_budget=int(_number(raw.get("read_budget"))),
        terminal=terminal_text,
        times=_times(raw.get("time_to_state_s")),
        histogram=histogram_svg(values),
        messages=rows,
    )
