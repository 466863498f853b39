"""The governors' pack (core/governors_pack.py) laid out as an A4 PDF with fpdf2: the whole
school in a few sentences, the weekly line against the target, bars by weekday, by year group
and by reason, and the year-group and group tables. Pure Python: no browser, no fonts to
install (Helvetica is built into every PDF reader), so text outside Latin-1 is transliterated.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import datetime

from fpdf import FPDF
from fpdf.fonts import FontFace

from core.governors_pack import COLUMNS, SUPPRESSED, GovernorsPack
from core.svg_charts import Chart, value_axis

BRAND, TARGET, INK, MUTED, GRID = (29, 79, 145), (138, 31, 17), (27, 27, 27), (74, 74, 74), (
    208, 208, 208)
HEAD = (236, 236, 236)  # table headings' background
TITLE = "Attendance: governors' pack"
# Letters and marks with no Latin-1 form that dropping an accent would not give.
PLAIN = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
                       "\u201c": '"', "\u201d": '"', "\u0142": "l", "\u0141": "L",
                       "\u0111": "d", "\u0110": "D", "\u0131": "i", "\u0153": "oe",
                       "\u0152": "OE"})


class _Pack(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{TITLE} - page {self.page_no()} of {{nb}}", align="C")


def pack_pdf(pack: GovernorsPack, *, created: datetime, compress: bool = True) -> bytes:
    """The pack as PDF bytes; `created` is the document's date (the caller's clock)."""
    pdf = _Pack(format="A4")
    pdf.set_compression(compress)
    pdf.set_creation_date(created)
    pdf.set_title(f"{TITLE}: {_t(pack.school)}")
    pdf.set_author("Rollcall")
    pdf.set_lang("en-GB")
    pdf.set_margins(15, 15)
    pdf.set_auto_page_break(True, 18)
    pdf.add_page()
    _heading(pdf, TITLE, 18)
    _para(pdf, f"{pack.school}: the school year from {pack.start:%-d %B %Y} to "
               f"{pack.end:%-d %B %Y}.")
    _para(pdf, f"No pupil is named. A group of {SUPPRESSED} pupils is shown as "
               f"\"{SUPPRESSED}\", without its figures; with one year group hidden, the "
               "next smallest is hidden too, so it cannot be worked out from the whole "
               "school.", muted=True)
    _heading(pdf, "The whole school")
    for line in pack.headline():
        _para(pdf, line)
    if pack.whole_school.suppressed:
        return bytes(pdf.output())  # too few pupils for any figure, pictures included
    charts = pack.charts
    _chart(pdf, "Week by week", charts["weekly"], line=True)
    _chart(pdf, "By day of the week", charts["weekdays"])
    _heading(pdf, "Year groups")
    _table(pdf, [r.cells() for r in pack.years])
    _chart(pdf, "", charts["years"])
    _heading(pdf, "Groups")
    if pack.groups:
        _table(pdf, [r.cells() for r in pack.groups])
    else:
        _para(pdf, "No pupils on roll are flagged SEND, FSM or EAL.")
    _chart(pdf, "Absence by reason", charts["reasons"])
    return bytes(pdf.output())


def _t(text: str) -> str:
    """Text the built-in fonts can show: Latin-1, other letters without their accents."""
    text = text.translate(PLAIN)
    if all(ord(ch) < 256 for ch in text):
        return text
    plain = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in plain if ord(ch) < 256 and not unicodedata.combining(ch))


def _heading(pdf: FPDF, text: str, size: int = 14) -> None:
    if pdf.get_y() > pdf.h - 40:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("helvetica", "B", size)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, size * 0.5, _t(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _para(pdf: FPDF, text: str, *, muted: bool = False) -> None:
    pdf.set_font("helvetica", size=10)
    pdf.set_text_color(*(MUTED if muted else INK))
    pdf.multi_cell(0, 5, _t(text), new_x="LMARGIN", new_y="NEXT")


def _table(pdf: FPDF, rows: list[tuple[str, ...]]) -> None:
    pdf.set_font("helvetica", size=8)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*GRID)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_line_width(0.2)
    with pdf.table(col_widths=(34, 22, 22, 26, 26, 28, 22), text_align=(
            "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
            line_height=4.5, borders_layout="HORIZONTAL_LINES", cell_fill_mode="NONE",
            headings_style=FontFace(emphasis="BOLD", color=INK, fill_color=HEAD)) as table:
        header = table.row()
        for name in COLUMNS:
            header.cell(name)
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(_t(cell))
    pdf.ln(2)


def _chart(pdf: FPDF, heading: str, chart: Chart, *, line: bool = False) -> None:
    rows = len(chart.points)
    needed = 75 if line else 24 + 7 * rows
    if pdf.get_y() + needed > pdf.h - 20:
        pdf.add_page()
    if heading:
        _heading(pdf, heading)
    _para(pdf, chart.summary)
    if not chart.drawn:  # every group too small to show, or nothing yet: say so in words
        for point in chart.points:
            _para(pdf, f"{point.label}: {chart.text(point)}", muted=True)
        return
    pdf.ln(2)
    (_line if line else _bars)(pdf, chart)


def _bars(pdf: FPDF, chart: Chart) -> None:
    ticks = value_axis(chart)
    low, high, row = ticks[0], ticks[-1], 7.0
    left, width, top = pdf.l_margin + 48, 100.0, pdf.get_y() + 4

    def x(value: float) -> float:
        return left + width * (min(max(value, low), high) - low) / (high - low)

    bottom = top + row * len(chart.points)
    _grid_x(pdf, ticks, x, top, bottom)
    pdf.set_font("helvetica", size=9)
    for i, point in enumerate(chart.points):
        y = top + row * i
        pdf.set_text_color(*INK)
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(46, row, _t(point.label), align="R")
        end = left
        if point.value is not None:
            end = x(point.value)
            pdf.set_fill_color(*BRAND)
            pdf.rect(left, y + 1.5, end - left, row - 3, style="F")
        pdf.set_xy(end + 1.5, y)
        pdf.cell(30, row, _t(chart.text(point)))
    if chart.reference is not None:
        _target(pdf, chart, x(chart.reference), top - 3, x(chart.reference), bottom)
    pdf.set_y(bottom + 9)


def _grid_x(pdf: FPDF, ticks: list[float], x: Callable[[float], float], top: float,
            bottom: float) -> None:
    pdf.set_font("helvetica", size=7)
    pdf.set_text_color(*MUTED)
    pdf.set_line_width(0.2)
    for tick in ticks:
        pdf.set_draw_color(*GRID)
        pdf.line(x(tick), top, x(tick), bottom)
        pdf.set_xy(x(tick) - 8, bottom + 0.5)
        pdf.cell(16, 4, f"{tick:g}", align="C")
    pdf.set_draw_color(*MUTED)
    pdf.line(x(ticks[0]), top, x(ticks[0]), bottom)


def _target(pdf: FPDF, chart: Chart, x1: float, y1: float, x2: float, y2: float) -> None:
    pdf.set_draw_color(*TARGET)
    pdf.set_line_width(0.5)
    pdf.set_dash_pattern(dash=1.5, gap=1)
    pdf.line(x1, y1, x2, y2)
    pdf.set_dash_pattern()
    pdf.set_line_width(0.2)
    pdf.set_font("helvetica", size=7)
    pdf.set_text_color(*TARGET)
    vertical = x1 == x2
    pdf.set_xy(x1 - 15 if vertical else x2 - 30, y1 - 4 if vertical else y2 - 4.5)
    pdf.cell(30, 4, _t(chart.reference_label), align="C" if vertical else "R")


def _line(pdf: FPDF, chart: Chart) -> None:
    ticks = value_axis(chart)
    low, high = ticks[0], ticks[-1]
    left, width, top, height = pdf.l_margin + 12, 165.0, pdf.get_y() + 2, 55.0
    bottom, count = top + height, max(len(chart.points), 1)

    def x(index: int) -> float:
        return left + width / 2 if count == 1 else left + width * index / (count - 1)

    def y(value: float) -> float:
        return bottom - height * (min(max(value, low), high) - low) / (high - low)

    pdf.set_font("helvetica", size=7)
    pdf.set_text_color(*MUTED)
    pdf.set_line_width(0.2)
    for tick in ticks:
        pdf.set_draw_color(*GRID)
        pdf.line(left, y(tick), left + width, y(tick))
        pdf.set_xy(left - 12, y(tick) - 2)
        pdf.cell(10, 4, f"{tick:g}", align="R")
    every = -(-count // 8)
    for i, point in enumerate(chart.points):
        if i % every == 0:
            pdf.set_xy(x(i) - 10, bottom + 1)
            pdf.cell(20, 4, _t(point.label), align="C")
    if chart.reference is not None:
        _target(pdf, chart, left, y(chart.reference), left + width, y(chart.reference))
    pdf.set_draw_color(*BRAND)
    pdf.set_fill_color(*BRAND)
    pdf.set_line_width(0.7)
    run: list[tuple[float, float]] = []
    for i, point in enumerate([*chart.points, None]):
        if point is None or point.value is None:
            if len(run) > 1:
                pdf.polyline(run)
            run = []
            continue
        run.append((x(i), y(point.value)))
        pdf.ellipse(x(i) - 0.9, y(point.value) - 0.9, 1.8, 1.8, style="F")
    pdf.set_line_width(0.2)
    pdf.set_y(bottom + 8)
