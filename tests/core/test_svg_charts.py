"""The SVG charts: well-formed, named and described for screen readers, drawn to scale, with
every figure in a table beside them, in colours that pass contrast, and no script."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from core import svg_charts
from core.svg_charts import Chart, Point, bar_chart, data_table, figure, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def weekdays(**changes: object) -> Chart:
    values = {"key": "weekdays", "title": "Attendance by weekday",
              "summary": "Lowest on Friday.", "category_label": "Day",
              "value_label": "Attendance (%)",
              "points": (Point("Monday", 94.0), Point("Tuesday", 96.5), Point("Friday", 91.0)),
              "reference": 96.0, "reference_label": "Target 96%"}
    return Chart(**{**values, **changes})  # type: ignore[arg-type]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


@pytest.mark.parametrize("low, high, ticks", [
    (90.0, 100.0, [90, 92, 94, 96, 98, 100]),
    (88.3, 100.0, [87.5, 90, 92.5, 95, 97.5, 100]),
    (0.0, 7.0, [0, 2, 4, 6, 8]),
    (0.0, 1234.0, [0, 250, 500, 750, 1000, 1250]),
    (50.0, 50.0, [50, 50.2, 50.4, 50.6, 50.8, 51]),
])
def test_nice_ticks_cover_the_range_in_round_steps(low: float, high: float,
                                                   ticks: list[float]) -> None:
    assert nice_ticks(low, high) == ticks


def test_a_bar_chart_is_an_image_named_and_described() -> None:
    root = parse(bar_chart(weekdays()))
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Attendance by weekday"
    # The axis does not start at zero, and the description says so.
    assert desc.text == "Lowest on Friday. The value axis starts at 90%, not zero."
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Day", "Attendance (%)", "Target 96%", "Monday", "94.0%", "91.0%"} <= set(texts)


def test_bars_are_drawn_to_scale() -> None:
    bars = parse(bar_chart(weekdays())).findall(f"{SVG}rect")
    widths = {b.find(f"{SVG}title").text: float(b.get("width")) for b in bars}  # type: ignore[union-attr]
    # The axis runs 90 to 100: 94% is 4 tenths of it, 96.5% 6.5 tenths, 91% one tenth.
    assert widths["Monday: 94.0%"] / widths["Tuesday: 96.5%"] == pytest.approx(4 / 6.5, 0.01)
    assert widths["Friday: 91.0%"] / widths["Monday: 94.0%"] == pytest.approx(1 / 4, 0.01)


def test_counts_start_at_zero() -> None:
    chart = weekdays(points=(Point("Illness", 120), Point("Holiday", 30)), unit="sessions",
                     zero_based=True, value_max=None, reference=None)
    root = parse(bar_chart(chart))
    assert "not zero" not in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    widths = [float(b.get("width") or 0) for b in root.findall(f"{SVG}rect")]
    assert widths[0] / widths[1] == pytest.approx(4, rel=0.01)  # to a tenth of a pixel
    assert "120 sessions" in [t.text for t in root.iter(f"{SVG}text")]
    assert '<td class="num">120</td>' in data_table(chart)  # its heading names the unit


def test_a_point_with_no_value_is_not_drawn_but_says_why() -> None:
    chart = weekdays(points=(Point("Year 3", 95.0), Point("Year 4", None, "fewer than 5")))
    root = parse(bar_chart(chart))
    assert len(root.findall(f"{SVG}rect")) == 1
    assert "fewer than 5" in [t.text for t in root.iter(f"{SVG}text")]
    assert "<td class=\"num\">fewer than 5</td>" in data_table(chart)


def test_a_line_chart_breaks_at_a_gap_and_marks_each_point() -> None:
    chart = weekdays(key="weekly", points=(
        Point("5 Oct", 95.0), Point("12 Oct", 96.0), Point("26 Oct", None, "no school"),
        Point("2 Nov", 93.5)))
    root = parse(line_chart(chart))
    lines = [p.get("points", "").split() for p in root.findall(f"{SVG}polyline")]
    assert [len(points) for points in lines] == [2, 1]
    marks = [c.find(f"{SVG}title").text for c in root.findall(f"{SVG}circle")]  # type: ignore[union-attr]
    assert marks == ["5 Oct: 95.0%", "12 Oct: 96.0%", "2 Nov: 93.5%"]
    # Higher attendance is higher on the page (a smaller y).
    ys = [float(c.get("cy") or 0) for c in root.findall(f"{SVG}circle")]
    assert ys[1] < ys[0] < ys[2]


def test_the_table_holds_every_figure_with_headers() -> None:
    chart = weekdays(extra_columns=("Possible sessions",), points=(
        Point("Monday", 94.0, extra=("400",)), Point("Friday", 91.0, extra=("380",))))
    table = data_table(chart)
    assert "<caption>Attendance by weekday: the figures</caption>" in table
    assert '<th scope="col">Day</th>' in table
    assert '<th scope="col" class="num">Possible sessions</th>' in table
    assert re.findall(r'<tr><th scope="row">(\w+)</th><td class="num">([\d.%]+)</td>'
                      r'<td class="num">(\d+)</td></tr>', table) == [
        ("Monday", "94.0%", "400"), ("Friday", "91.0%", "380")]


def test_text_is_escaped_and_there_is_no_script() -> None:
    chart = weekdays(title="A & B <script>alert(1)</script>",
                     points=(Point('"><script>x</script>', 95.0),))
    page = figure(chart)
    assert "<script" not in page
    assert not re.search(r"\son\w+=", page)  # no event handlers
    parse(bar_chart(chart))  # still well-formed


def test_nothing_to_draw_says_so_in_words() -> None:
    page = figure(weekdays(points=(Point("Monday", None), Point("Friday", None))))
    assert "<svg" not in page and "No figures to draw yet." in page


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("colour", [svg_charts.INK, svg_charts.MUTED, svg_charts.BAR,
                                    svg_charts.TARGET])
def test_text_and_marks_pass_contrast_on_white(colour: str) -> None:
    ratio = (1.0 + 0.05) / (_luminance(colour) + 0.05)
    assert ratio >= 4.5  # WCAG AA for text; marks need only 3:1
