"""Bar charts as plain data for an SVG template: no script, no internet, and a text alternative."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WIDTH = 420  # drawing width of the bars, in SVG units
ROW = 26


@dataclass(frozen=True, slots=True)
class Segment:
    """One coloured part of a bar."""

    key: str  # a CSS class suffix (the state or status)
    label: str
    value: int
    x: float
    width: float


@dataclass(frozen=True, slots=True)
class Bar:
    """One labelled bar made of segments, at a vertical position."""

    label: str
    total: int
    y: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A horizontal bar chart and the sentence that says what it shows."""

    title: str
    bars: tuple[Bar, ...]
    keys: tuple[tuple[str, str], ...]  # (key, label) of the legend, in order
    height: int
    summary: str


def _label(key: str) -> str:
    return key.replace("_", " ")


def _mixed(label: str, parts: Mapping[str, int]) -> bool:
    return any(parts.values()) and set(parts) != {label}


def stacked_chart(title: str, rows: Mapping[str, Mapping[str, int]], keys: Sequence[str]) -> Chart:
    """A chart with a bar per row, stacked by key (e.g. per metal, facilities by status)."""
    largest = max((sum(parts.values()) for parts in rows.values()), default=0) or 1
    bars = []
    for index, (label, parts) in enumerate(rows.items()):
        x = 0.0
        segments = []
        for key in keys:
            width = WIDTH * parts.get(key, 0) / largest
            if parts.get(key, 0):
                segments.append(Segment(key, _label(key), parts[key], round(x, 1), round(width, 1)))
            x += width
        bars.append(Bar(label, sum(parts.values()), index * ROW, tuple(segments)))
    summary = "; ".join(
        f"{_label(label)}: {sum(parts.values())}"
        + (
            " (" + ", ".join(f"{parts[k]} {_label(k)}" for k in keys if parts.get(k)) + ")"
            if _mixed(label, parts)
            else ""
        )
        for label, parts in rows.items()
    )
    return Chart(title, tuple(bars), tuple((k, _label(k)) for k in keys), len(bars) * ROW, f"{title}. {summary}.")


def simple_chart(title: str, values: Mapping[str, int]) -> Chart:
    """A chart with one single-coloured bar per label (e.g. requests by state)."""
    return stacked_chart(title, {label: {label: value} for label, value in values.items()}, list(values))
