"""Accessible charts as inline SVG, drawn on the server: no JavaScript, nothing to download.

Each chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`, with
both axes titled, and comes with a data table holding every figure, for screen readers and for
anyone who would rather read the numbers. On white, bars and lines (#1d4f91) have a contrast
of 8.6:1 and text at least 8.9:1; the target line (#8a1f11, 8.3:1) is also dashed and labelled,
so nothing is told by colour alone. Values are placed from the chart's own data only: every
string that reaches the markup is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

INK, MUTED, BAR, TARGET, GRID = "#1b1b1b", "#4a4a4a", "#1d4f91", "#8a1f11", "#d0d0d0"
WIDTH = 560  # drawn about this size beside its table on a desktop, so text stays ~13px
FONT = 'font-family="system-ui, sans-serif" font-size="13"'


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None  # None: nothing to draw (no sessions yet, or too few pupils to show)
    shown: str = ""  # the value as words, when the number alone would not do
    extra: tuple[str, ...] = ()  # more columns for the data table


@dataclass(frozen=True)
class Chart:
    key: str  # unique on the page: the ids of the title, description and table derive from it
    title: str
    summary: str  # the <desc>: what the chart shows, in a sentence or two
    category_label: str
    value_label: str
    points: tuple[Point, ...]
    unit: str = "%"
    reference: float | None = None  # a target, drawn as a dashed line
    reference_label: str = ""
    extra_columns: tuple[str, ...] = ()
    zero_based: bool = False  # counts start at 0; percentages start near the lowest value
    value_max: float | None = 100.0  # the highest the value can be (100%), if any

    def text(self, point: Point) -> str:
        return point.shown or format_value(point.value, self.unit)

    def table_text(self, point: Point) -> str:
        """The same in a table, whose heading names the unit: 558, not 558 sessions."""
        return point.shown or format_value(point.value, "%" if self.unit == "%" else "")

    @property
    def drawn(self) -> list[tuple[int, Point, float]]:
        return [(i, p, p.value) for i, p in enumerate(self.points) if p.value is not None]


def format_value(value: float | None, unit: str = "%") -> str:
    if value is None:
        return "no figures"
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:,.0f}{' ' + unit if unit else ''}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if high <= low:
        high = low + 1
    rough = (high - low) / count
    power = 10 ** math.floor(math.log10(rough))
    step = next(s * power for s in (1, 2, 2.5, 5, 10) if s * power >= rough)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(n * step, 6) for n in range(first, last + 1)]


def value_axis(chart: Chart) -> list[float]:
    """The ticks of the value axis: from 0 for counts; for percentages from a little below
    the lowest value or target, so a two-point dip on a Monday can be seen."""
    values = [v for _, _, v in chart.drawn]
    if chart.reference is not None:
        values.append(chart.reference)
    high = max(values, default=1.0)
    if chart.value_max is not None and not chart.zero_based:
        high = chart.value_max
    low = 0.0 if chart.zero_based else max(0.0, min(values, default=0.0) - 1)
    ticks = nice_ticks(low, high)
    if chart.value_max is not None:
        ticks = [t for t in ticks if t <= chart.value_max]
    return ticks


def _desc(chart: Chart, ticks: list[float]) -> str:
    unit = "%" if chart.unit == "%" else f" {chart.unit}"
    start = "" if ticks[0] == 0 else f" The value axis starts at {ticks[0]:g}{unit}, not zero."
    return chart.summary + start


def _svg_open(chart: Chart, height: int, ticks: list[float]) -> list[str]:
    k = escape(chart.key)
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
            f'width="100%" role="img" aria-labelledby="{k}-title {k}-desc" class="chart-svg" '
            f'{FONT} fill="{INK}">',
            f'<title id="{k}-title">{escape(chart.title)}</title>',
            f'<desc id="{k}-desc">{escape(_desc(chart, ticks))}</desc>']


def bar_chart(chart: Chart) -> str:
    """Horizontal bars, one row a category, each labelled with its value."""
    # Room for the longest label (about 7px a character at this size), within reason.
    longest = max((len(p.label) for p in chart.points), default=0)
    left, right, top, row = min(220, max(90, 7 * longest + 16)), 84, 28, 30
    plot = WIDTH - left - right
    height = top + row * len(chart.points) + 52
    ticks = value_axis(chart)
    low, high = ticks[0], ticks[-1]

    def x(value: float) -> float:
        return left + plot * (min(max(value, low), high) - low) / (high - low)

    out = _svg_open(chart, height, ticks)
    bottom = top + row * len(chart.points)
    out += _value_ticks_x(ticks, x, top, bottom)
    out.append(f'<text x="{left - 8}" y="{top - 10}" text-anchor="end" font-weight="600">'
               f'{escape(chart.category_label)}</text>')
    for i, point in enumerate(chart.points):
        y = top + row * i
        out.append(f'<text x="{left - 8}" y="{y + 19}" text-anchor="end">'
                   f'{escape(point.label)}</text>')
        end = left
        if point.value is not None:
            end = x(point.value)
            out.append(f'<rect x="{left}" y="{y + 6}" width="{end - left:.1f}" height="18" '
                       f'fill="{BAR}"><title>{escape(point.label)}: '
                       f'{escape(chart.text(point))}</title></rect>')
        out.append(f'<text x="{end + 6:.1f}" y="{y + 19}">{escape(chart.text(point))}</text>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="{MUTED}"/>')
    if chart.reference is not None:
        rx = x(chart.reference)
        out.append(f'<line x1="{rx:.1f}" y1="{top - 4}" x2="{rx:.1f}" y2="{bottom}" '
                   f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{rx:.1f}" y="{top - 10}" text-anchor="middle" fill="{TARGET}">'
                   f'{escape(chart.reference_label)}</text>')
    out.append(f'<text x="{left + plot / 2:.1f}" y="{height - 8}" text-anchor="middle" '
               f'font-weight="600">{escape(chart.value_label)}</text>')
    return "".join(out) + "</svg>"


def _value_ticks_x(ticks: list[float], x: Callable[[float], float], top: int,
                   bottom: int) -> list[str]:
    out = []
    for tick in ticks:
        tx = x(tick)
        out.append(f'<line x1="{tx:.1f}" y1="{top}" x2="{tx:.1f}" y2="{bottom}" '
                   f'stroke="{GRID}"/>')
        out.append(f'<text x="{tx:.1f}" y="{bottom + 18}" text-anchor="middle" '
                   f'fill="{MUTED}">{_tick(tick)}</text>')
    return out


def _tick(value: float) -> str:
    return f"{value:g}"


def line_chart(chart: Chart) -> str:
    """A line through the points in order (weeks, days), each point marked and titled."""
    left, right, top, bottom_margin, height = 60, 20, 28, 64, 320
    plot_w, bottom = WIDTH - left - right, height - bottom_margin
    ticks = value_axis(chart)
    low, high = ticks[0], ticks[-1]
    count = max(len(chart.points), 1)

    def x(index: int) -> float:
        return left + plot_w / 2 if count == 1 else left + plot_w * index / (count - 1)

    def y(value: float) -> float:
        return bottom - (bottom - top) * (min(max(value, low), high) - low) / (high - low)

    out = _svg_open(chart, height, ticks)
    for tick in ticks:
        out.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{WIDTH - right}" '
                   f'y2="{y(tick):.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                   f'fill="{MUTED}">{_tick(tick)}</text>')
    out.append(f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - right}" y2="{bottom}" '
               f'stroke="{MUTED}"/>')
    every = math.ceil(count / 8)
    for i, point in enumerate(chart.points):
        if i % every == 0:
            out.append(f'<text x="{x(i):.1f}" y="{bottom + 18}" text-anchor="middle" '
                       f'fill="{MUTED}">{escape(point.label)}</text>')
    if chart.reference is not None:
        ry = y(chart.reference)
        out.append(f'<line x1="{left}" y1="{ry:.1f}" x2="{WIDTH - right}" y2="{ry:.1f}" '
                   f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{WIDTH - right}" y="{ry - 6:.1f}" text-anchor="end" '
                   f'fill="{TARGET}">{escape(chart.reference_label)}</text>')
    for run in _runs(chart.points):
        path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
        out.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="3"/>')
    for i, point, value in chart.drawn:
        out.append(f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="4" fill="{BAR}">'
                   f'<title>{escape(point.label)}: {escape(chart.text(point))}</title></circle>')
    out.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 12}" text-anchor="middle" '
               f'font-weight="600">{escape(chart.category_label)}</text>')
    out.append(f'<text transform="translate(16 {(top + bottom) / 2:.1f}) rotate(-90)" '
               f'text-anchor="middle" font-weight="600">{escape(chart.value_label)}</text>')
    return "".join(out) + "</svg>"


def _runs(points: Sequence[Point]) -> list[list[tuple[int, float]]]:
    """Unbroken stretches of points with values: a gap in the data is a gap in the line."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, point in enumerate(points):
        if point.value is None:
            runs.append([])
        else:
            runs[-1].append((i, point.value))
    return [r for r in runs if r]


def data_table(chart: Chart) -> str:
    """Every figure the chart draws, as a table with a caption and headers."""
    k = escape(chart.key)
    head = "".join(f'<th scope="col" class="num">{escape(c)}</th>'
                   for c in chart.extra_columns)
    rows = "".join(
        f'<tr><th scope="row">{escape(p.label)}</th>'
        f'<td class="num">{escape(chart.table_text(p))}</td>'
        + "".join(f'<td class="num">{escape(e)}</td>' for e in p.extra) + "</tr>"
        for p in chart.points)
    return (f'<table id="{k}-data"><caption>{escape(chart.title)}: the figures</caption>'
            f'<thead><tr><th scope="col">{escape(chart.category_label)}</th>'
            f'<th scope="col" class="num">{escape(chart.value_label)}</th>{head}</tr></thead>'
            f'<tbody>{rows}</tbody></table>')


def figure(chart: Chart, kind: str = "bar") -> str:
    """The chart and its table side by side (stacked on a narrow screen); a plain sentence
    instead of an empty picture when there is nothing to draw yet."""
    k = escape(chart.key)
    if not chart.drawn:
        return (f'<section class="chart" aria-labelledby="{k}-heading">'
                f'<h3 id="{k}-heading">{escape(chart.title)}</h3>'
                f'<p class="muted">No figures to draw yet.</p></section>')
    svg = line_chart(chart) if kind == "line" else bar_chart(chart)
    return (f'<section class="chart" aria-labelledby="{k}-heading">'
            f'<h3 id="{k}-heading">{escape(chart.title)}</h3>'
            f'<div class="chart-body"><div class="chart-picture">{svg}</div>'
            f'<div class="chart-table" tabindex="0" role="region" '
            f'aria-label="{escape(chart.title)}: the figures">{data_table(chart)}</div>'
            f'</div></section>')
