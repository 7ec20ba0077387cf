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


@dataclass(frozen=True, slots=True)
class Line:
    """One series of a line chart: its points in SVG units and the values they stand for."""

    label: str
    index: int  # picks the colour
    points: str  # "x,y x,y ..." for a polyline
    dots: tuple[tuple[float, float, str], ...]  # (x, y, what it is) per point


@dataclass(frozen=True, slots=True)
class LineChart:
    """A line chart of percentages over time, with axis labels and the sentence that says what it shows."""

    title: str
    lines: tuple[Line, ...]
    x_labels: tuple[tuple[float, str], ...]
    y_labels: tuple[tuple[float, str], ...]
    height: int
    summary: str
    table: tuple[tuple[str, tuple[str, ...]], ...]  # the text alternative: per x label, each series' value


LEFT, RIGHT, TOP, PLOT_HEIGHT = 48.0, 620.0, 10.0, 160.0


def line_chart(title: str, series: Mapping[str, Sequence[tuple[str, int, int]]]) -> LineChart:
    """Percent lines, one per series of (label, part, whole) points (e.g. week, responded, surveyed)."""
    count = max((len(points) for points in series.values()), default=0)
    step = (RIGHT - LEFT) / max(count - 1, 1)

    def y_of(percent: float) -> float:
        return round(TOP + PLOT_HEIGHT * (1 - percent / 100), 1)

    lines = []
    for index, (label, points) in enumerate(series.items()):
        dots = []
        for i, (when, part, whole) in enumerate(points):
            percent = 100 * part / whole if whole else 0.0
            dots.append((round(LEFT + i * step, 1), y_of(percent), f"{label}, {when}: {part} of {whole}"))
        lines.append(Line(label, index % 4, " ".join(f"{x},{y}" for x, y, _ in dots), tuple(dots)))
    first = next(iter(series.values()), ())
    every = max(1, count // 6)
    x_labels = tuple((round(LEFT + i * step, 1), str(p[0])) for i, p in enumerate(first) if i % every == 0)
    y_labels = tuple((y_of(p), f"{p}%") for p in (0, 25, 50, 75, 100))
    summary = "; ".join(
        f"{label}: {points[-1][1]} of {points[-1][2]} responded by the week of {points[-1][0]}"
        + (f", from {points[0][1]} in the week of {points[0][0]}" if len(points) > 1 else "")
        for label, points in series.items()
        if points
    )
    table = tuple(
        (str(point[0]), tuple(f"{p[i][1]} of {p[i][2]}" if i < len(p) else "—" for p in series.values()))
        for i, point in enumerate(first)
    )
    height = int(TOP + PLOT_HEIGHT + 30)
    return LineChart(title, tuple(lines), x_labels, y_labels, height, f"{title}. {summary}.", table)
