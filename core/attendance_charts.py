"""The figures behind the attendance pictures: whole-school attendance week by week against the
school's target, attendance by weekday (the Monday and Friday dips) and by year group, and
absence by reason.

Counted in the database (marks grouped by day and code, by year group and code, by code) and
then as the 2024 codes define (core/attendance_figures.py), over the same period and the same
pupils as the attendance report: the school year to the date, pupils on roll. A week is
labelled by its Monday; a week with no possible session (a holiday) is a gap in the line.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from core.attendance_figures import AttendanceFigures, counted_figures
from core.attendance_models import RegisterMark
from core.attendance_report import OutsideTheYear, _year_order
from core.calendar import SchoolCalendar
from core.date_rules import monday_of
from core.models import Pupil, School
from core.schools import school_calendar, school_policy
from core.svg_charts import Chart, Point

DEFAULT_TARGET = 96.0  # the target most local authorities set schools, and our policies name
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
# Absence codes as a head reads them, in the order the DfE lists them.
REASONS = (("Illness", ("I",)), ("Medical or dental", ("M",)),
           ("Religious observance", ("R",)), ("Exceptional leave", ("C",)),
           ("Other authorised leave", ("C1", "C2", "J1", "S", "T")),
           ("Suspension, exclusion", ("E",)), ("Holiday not agreed", ("G",)),
           ("No reason yet", ("N",)), ("Other unauthorised", ("O",)),
           ("Late after register closed", ("U",)))


@dataclass(frozen=True)
class Bucket:
    label: str
    figures: AttendanceFigures
    pupils: int = 0  # pupils on roll, for year groups
    note: str = ""  # why there is nothing to count: "no school" (a holiday), "no marks"


@dataclass(frozen=True)
class ReasonCount:
    label: str
    codes: tuple[str, ...]
    sessions: int
    pupils: int  # different pupils with at least one such session


@dataclass(frozen=True)
class AttendanceCharts:
    start: date
    end: date
    target: float
    weeks: list[Bucket]  # a holiday week has no possible sessions
    weekdays: list[Bucket]
    years: list[Bucket]
    reasons: list[ReasonCount]

    @property
    def absent_sessions(self) -> int:
        return sum(r.sessions for r in self.reasons)


def attendance_target(school: School) -> float:
    """The school's attendance target: its policy's (`[monitoring] target`), else 96%."""
    monitoring = school_policy(school).monitoring
    return DEFAULT_TARGET if monitoring is None else float(monitoring.target)


def attendance_charts(*, session: Session, school: School, day: date) -> AttendanceCharts:
    """The figures for each picture, from the start of the school year to `day`."""
    calendar = school_calendar(school)
    if not calendar.first_day <= day <= calendar.last_day:
        raise OutsideTheYear(f"{day} is outside {school.name}'s calendar "
                             f"({calendar.first_day} to {calendar.last_day})")
    start = calendar.first_day
    in_period = (RegisterMark.school_id == school.id, col(RegisterMark.day) >= start,
                 col(RegisterMark.day) <= day, col(Pupil.on_roll))

    def counts(*columns: Any) -> Any:
        return select(*columns).join(Pupil, col(Pupil.id) == RegisterMark.pupil_id).where(
            *in_period)

    by_day = session.exec(counts(RegisterMark.day, RegisterMark.mark, func.count()).group_by(
        col(RegisterMark.day), col(RegisterMark.mark))).all()
    by_year = session.exec(counts(Pupil.year_group, RegisterMark.mark, func.count()).group_by(
        col(Pupil.year_group), col(RegisterMark.mark))).all()
    codes = [c for _, group in REASONS for c in group]
    by_code = session.exec(counts(RegisterMark.mark, func.count(), func.count(
        func.distinct(RegisterMark.pupil_id))).where(col(RegisterMark.mark).in_(codes)).group_by(
        col(RegisterMark.mark))).all()
    on_roll = dict(session.exec(select(Pupil.year_group, func.count()).where(
        Pupil.school_id == school.id, col(Pupil.on_roll)).group_by(col(Pupil.year_group))).all())
    return AttendanceCharts(start, day, attendance_target(school),
                            _weeks(list(by_day), calendar), _weekdays(list(by_day)),
                            _years(by_year, on_roll), _reasons(by_code))


def _weeks(rows: list[tuple[date, str, int]], calendar: SchoolCalendar) -> list[Bucket]:
    counts: dict[date, list[tuple[str, int]]] = defaultdict(list)
    for day, mark, count in rows:
        counts[monday_of(day)].append((mark, count))
    if not counts:
        return []
    monday, last, weeks = min(counts), max(counts), []
    while monday <= last:
        figures = counted_figures(counts.get(monday, ()))
        school = calendar.school_days_between(monday, monday + timedelta(days=5))
        note = "" if figures.possible else ("no marks" if school else "no school")
        weeks.append(Bucket(f"{monday:%-d %b}", figures, note=note))
        monday += timedelta(days=7)
    return weeks


def _weekdays(rows: list[tuple[date, str, int]]) -> list[Bucket]:
    counts: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for day, mark, count in rows:
        counts[day.weekday()].append((mark, count))
    return [Bucket(name, counted_figures(counts.get(n, ()))) for n, name in enumerate(WEEKDAYS)]


def _years(rows: list[tuple[str, str, int]], on_roll: dict[str, int]) -> list[Bucket]:
    counts: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for year, mark, count in rows:
        counts[year].append((mark, count))
    return [Bucket(f"Year {y}" if y.isdigit() else {"R": "Reception"}.get(y, y),
                   counted_figures(counts.get(y, ())), on_roll[y])
            for y in sorted(on_roll, key=_year_order)]


def _reasons(rows: list[tuple[str, int, int]]) -> list[ReasonCount]:
    sessions = {mark: (count, pupils) for mark, count, pupils in rows}
    found = []
    for label, codes in REASONS:
        total = sum(sessions.get(c, (0, 0))[0] for c in codes)
        if total:
            # A pupil with two of the codes grouped here counts once only when one code holds
            # them all; the larger count is the fewest pupils there can be.
            pupils = max(sessions.get(c, (0, 0))[1] for c in codes)
            found.append(ReasonCount(label, codes, total, pupils))
    return found


def _pct(value: float | None) -> str:
    return "no sessions" if value is None else f"{value:.1f}%"


def chart_specs(data: AttendanceCharts, *, fewest_pupils: int = 0,
                also_hidden: frozenset[str] = frozenset()) -> dict[str, Chart]:
    """The four pictures. With `fewest_pupils` (the governors' pack), a year group or reason
    with fewer pupils than that is shown as "fewer than N pupils" and not drawn, and so are
    the years in `also_hidden` (hidden so that a small year cannot be worked out)."""
    target = f"Target {data.target:g}%"
    return {"weekly": _weekly(data, target), "weekdays": _weekday_chart(data, target),
            "years": _year_chart(data, target, fewest_pupils, also_hidden),
            "reasons": _reason_chart(data, fewest_pupils)}


def _weekly(data: AttendanceCharts, target: str) -> Chart:
    taught = [w for w in data.weeks if w.figures.possible]
    met = sum(1 for w in taught if (w.figures.percentage or 0) >= data.target)
    latest = (f" The latest, the week of {taught[-1].label}, was "
              f"{_pct(taught[-1].figures.percentage)}.") if taught else ""
    return Chart(
        "weekly", "Whole-school attendance week by week",
        f"Attendance of the whole school each school week from {data.start:%-d %B %Y} to "
        f"{data.end:%-d %B %Y}, against the target of {data.target:g}%: {met} of "
        f"{len(taught)} weeks met it.{latest}", "Week beginning", "Attendance (%)",
        tuple(Point(w.label, w.figures.percentage, w.note, (str(w.figures.possible),))
              for w in data.weeks),
        reference=data.target, reference_label=target, extra_columns=("Possible sessions",))


def _weekday_chart(data: AttendanceCharts, target: str) -> Chart:
    days = [d for d in data.weekdays if d.figures.possible]
    summary = "Attendance on each day of the week, over the school year so far."
    if days:
        low = min(days, key=lambda d: d.figures.percentage or 0.0)
        high = max(days, key=lambda d: d.figures.percentage or 0.0)
        summary += (f" Lowest on {low.label} ({_pct(low.figures.percentage)}), highest on "
                    f"{high.label} ({_pct(high.figures.percentage)}).")
    return Chart("weekdays", "Attendance by weekday", summary, "Day", "Attendance (%)",
                 tuple(Point(d.label, d.figures.percentage, "" if d.figures.possible else
                             "no sessions", (str(d.figures.possible),))
                       for d in data.weekdays),
                 reference=data.target, reference_label=target,
                 extra_columns=("Possible sessions",))


def _year_chart(data: AttendanceCharts, target: str, fewest: int,
                also_hidden: frozenset[str]) -> Chart:
    points = []
    for year in data.years:
        hidden = year.pupils < fewest or year.label in also_hidden
        note = "not shown: it would reveal a smaller year" if year.label in also_hidden \
            else f"fewer than {fewest} pupils"
        points.append(Point(year.label, None if hidden else year.figures.percentage,
                            note if hidden else
                            ("" if year.figures.possible else "no sessions"),
                            ("-" if hidden else str(year.pupils),)))
    below = [p.label for p in points if p.value is not None and p.value < data.target]
    return Chart("years", "Attendance by year group",
                 f"Attendance of each year group over the school year so far. Below the "
                 f"target of {data.target:g}%: {', '.join(below) or 'none'}.", "Year group",
                 "Attendance (%)", tuple(points), reference=data.target,
                 reference_label=target, extra_columns=("Pupils",))


def _reason_chart(data: AttendanceCharts, fewest: int) -> Chart:
    total = data.absent_sessions
    small = [r for r in data.reasons if r.pupils < fewest]
    shown = [r for r in data.reasons if r.pupils >= fewest]
    # The reasons add up to the total: one hidden alone could be worked out from the rest.
    also = min(shown, key=lambda r: r.sessions) if len(small) == 1 and shown else None
    if also is not None:
        shown.remove(also)
    points = []
    for reason in data.reasons:
        hidden = reason not in shown
        share = f"{100 * reason.sessions / total:.1f}%"
        extra = (share,) if fewest else (share, str(reason.pupils))
        points.append(Point(reason.label, None if hidden else reason.sessions,
                            ("not shown: it would reveal a smaller reason" if reason is also
                             else f"fewer than {fewest} pupils") if hidden else "",
                            ("-",) if hidden else extra))
    top = max(shown, key=lambda r: r.sessions, default=None)
    largest = (f", the largest share for {top.label.lower()} "
               f"({100 * top.sessions / total:.0f}%)") if top else ""
    return Chart("reasons", "Absence by reason",
                 f"Sessions missed for each reason over the school year so far: {total} in "
                 f"all{largest}.", "Reason", "Sessions missed", tuple(points), unit="sessions",
                 extra_columns=("Share of absence",) if fewest else
                 ("Share of absence", "Pupils"), zero_based=True, value_max=None)
