"""The governors' pack: the school's attendance for the school year to a date, naming no
pupil. Whole-school attendance against the target, persistent and severe absence, each year
group, the groups the DfE reports on (SEND, free school meals, English as an additional
language; never the safeguarding groups), and the pictures of the Attendance page.

Governors see groups, not children: a group of fewer than five pupils is shown as "fewer than
5" with no figures, as published attendance statistics suppress small numbers, and so is a
reason for absence fewer than five pupils had. Year groups add up to the whole school, so a
single hidden year could be worked out as the whole school less the years shown: then the
next smallest year is hidden too (secondary suppression, as published statistics do).
core/governors_pdf.py lays it out as a PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session

from core.attendance_charts import attendance_charts, chart_specs
from core.attendance_report import GroupFigures, attendance_report
from core.models import School
from core.svg_charts import Chart

FEWEST = 5  # smaller groups are suppressed
PACK_GROUPS = ("send", "fsm", "eal")
SUPPRESSED = f"fewer than {FEWEST}"
ALSO_HIDDEN = "not shown: it would reveal a smaller year"
YEAR_NAMES = {"R": "Reception"}  # as the pictures name it


@dataclass(frozen=True)
class PackRow:
    """One group's figures, or only its name when it is too small to show."""

    name: str
    pupils: int | None  # None: fewer than five pupils, nothing else shown
    attendance: float | None = None  # % of possible sessions
    authorised: float | None = None  # authorised absence, % of possible sessions
    unauthorised: float | None = None
    persistent: int | None = None  # pupils missing 10% or more
    persistent_rate: float | None = None  # % of the group's pupils
    severe: int | None = None  # pupils missing 50% or more
    hidden_as: str = SUPPRESSED  # what a hidden row says in place of its figures

    @property
    def suppressed(self) -> bool:
        return self.pupils is None

    def cells(self) -> tuple[str, ...]:
        """The row as the pack's tables print it."""
        if self.pupils is None:
            return (self.name, self.hidden_as, "", "", "", "", "")
        return (self.name, str(self.pupils), _pct(self.attendance), _pct(self.authorised),
                _pct(self.unauthorised), f"{self.persistent} ({_pct(self.persistent_rate)})",
                str(self.severe))


COLUMNS = ("Group", "Pupils", "Attendance", "Authorised absence", "Unauthorised absence",
           "Persistently absent", "Severely absent")


@dataclass(frozen=True)
class GovernorsPack:
    school: str
    start: date
    end: date
    target: float
    whole_school: PackRow
    years: tuple[PackRow, ...]
    groups: tuple[PackRow, ...]
    charts: dict[str, Chart]  # small groups already left undrawn

    @property
    def meets_target(self) -> bool | None:
        attendance = self.whole_school.attendance
        return None if attendance is None else attendance >= self.target

    def headline(self) -> list[str]:
        """The whole school in a few sentences, for the first page."""
        school = self.whole_school
        if school.suppressed:
            return [f"The school has {SUPPRESSED} pupils on roll: no figures are shown."]
        if school.attendance is None:
            return ["No register marks yet this school year."]
        gap = abs(school.attendance - self.target)
        verdict = "meeting" if self.meets_target else f"{gap:.1f} points below"
        return [f"Attendance {_pct(school.attendance)}, {verdict} the target of "
                f"{self.target:g}%.",
                f"Authorised absence {_pct(school.authorised)} and unauthorised absence "
                f"{_pct(school.unauthorised)} of possible sessions.",
                f"Persistently absent (missing 10% or more of sessions): {school.persistent} "
                f"pupils, {_pct(school.persistent_rate)} of {school.pupils} on roll.",
                f"Severely absent (missing 50% or more): {school.severe} pupils."]


def governors_pack(*, session: Session, school: School, day: date) -> GovernorsPack:
    """The pack's figures for the school year to the end of `day`."""
    report = attendance_report(session=session, school=school, day=day)
    charts = attendance_charts(session=session, school=school, day=day)
    by_kind: dict[str, list[GroupFigures]] = {}
    for group in report.groups:
        by_kind.setdefault(group.kind, []).append(group)
    whole = _row(by_kind["school"][0])
    years = _hide_the_complement(tuple(_row(g, YEAR_NAMES.get(g.name, g.name))
                                       for g in by_kind.get("year", [])))
    groups = tuple(_row(g) for kind in PACK_GROUPS for g in by_kind.get(kind, []))
    also = frozenset(r.name for r in years if r.hidden_as == ALSO_HIDDEN)
    return GovernorsPack(school.name, report.start, report.end, charts.target, whole, years,
                         groups, chart_specs(charts, fewest_pupils=FEWEST, also_hidden=also))


def _hide_the_complement(years: tuple[PackRow, ...]) -> tuple[PackRow, ...]:
    """With one year hidden, hide the smallest year shown as well, so the whole school less
    the years shown gives away no small year's figures."""
    shown = [r for r in years if not r.suppressed]
    if len(years) - len(shown) != 1 or not shown:
        return years
    smallest = min(shown, key=lambda r: r.pupils or 0)
    return tuple(PackRow(r.name, None, hidden_as=ALSO_HIDDEN) if r is smallest else r
                 for r in years)


def _row(group: GroupFigures, name: str = "") -> PackRow:
    name = name or group.name
    if group.pupils < FEWEST:
        return PackRow(name, None)
    f = group.figures
    return PackRow(name, group.pupils, f.percentage, _share(f.authorised, f.possible),
                   _share(f.unauthorised, f.possible), group.persistent, group.persistent_rate,
                   group.severe)


def _share(part: int, whole: int) -> float | None:
    if not whole:
        return None
    exact = Decimal(part * 100) / Decimal(whole)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"
