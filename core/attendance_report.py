"""Attendance figures for a whole school on a date: each pupil's, and the same summed for the
school, each year group and class, and the groups the DfE reports on (SEND, FSM, EAL, and the
safeguarding groups CP, CIN and LAC, which only the DSL and the head see).

The period is the school year to the date, from the calendar's first day. Group figures add
up the sessions of their pupils (the DfE's overall absence rate is absent sessions over
possible sessions, not an average of pupils' percentages); a group's persistent absence rate
is the share of its pupils who are persistently absent.

Beside each pupil's year, the unauthorised sessions in the rolling ten school weeks to the
date: ten or more there is the national threshold at which a penalty notice must be
considered (weeks with no school day, such as holidays, are not counted as weeks).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from core.attendance_figures import AttendanceFigures, counted_figures
from core.attendance_models import RegisterMark
from core.calendar import SchoolCalendar
from core.codes import CODES
from core.date_rules import monday_of
from core.models import Pupil, School
from core.schools import school_calendar

PENALTY_WEEKS = 10
PENALTY_SESSIONS = 10  # unauthorised sessions in the rolling ten school weeks
SAFEGUARDING_GROUPS = frozenset({"cp", "cin", "lac"})
GROUPS = (("send", "SEND", "send"), ("fsm", "Free school meals", "fsm"),
          ("eal", "English as an additional language", "eal"),
          ("cp", "Child protection plan", "child_protection_plan"),
          ("cin", "Child in need", "child_in_need"), ("lac", "Looked after", "looked_after"))


class OutsideTheYear(ValueError):
    """The date is not in the school's calendar."""


@dataclass(frozen=True)
class PupilFigures:
    pupil: Pupil
    figures: AttendanceFigures
    unauthorised_recent: int  # in the rolling ten school weeks to the date

    @property
    def penalty_threshold(self) -> bool:
        return self.unauthorised_recent >= PENALTY_SESSIONS


@dataclass(frozen=True)
class GroupFigures:
    kind: str  # school, year, class, or a group key (send, fsm, eal, cp, cin, lac)
    name: str
    pupils: int
    figures: AttendanceFigures
    persistent: int  # pupils persistently absent (10% or more)
    severe: int  # pupils severely absent (50% or more)

    @property
    def persistent_rate(self) -> float | None:
        return round(100 * self.persistent / self.pupils, 1) if self.pupils else None


@dataclass(frozen=True)
class AttendanceReport:
    school: School
    start: date
    end: date
    recent_start: date  # first day of the rolling ten school weeks
    pupils: list[PupilFigures]
    groups: list[GroupFigures]

    def for_role(self, safeguarding: bool) -> list[GroupFigures]:
        """The groups a member of staff may see."""
        return [g for g in self.groups if safeguarding or g.kind not in SAFEGUARDING_GROUPS]


def combined(figures: Iterable[AttendanceFigures]) -> AttendanceFigures:
    possible = attended = authorised = unauthorised = 0
    for f in figures:
        possible, attended = possible + f.possible, attended + f.attended
        authorised, unauthorised = authorised + f.authorised, unauthorised + f.unauthorised
    return AttendanceFigures(possible, attended, authorised, unauthorised)


def recent_weeks_start(calendar: SchoolCalendar, day: date, weeks: int = PENALTY_WEEKS) -> date:
    """The Monday that begins the `weeks` school weeks ending with `day`'s week."""
    monday = monday_of(day)
    counted = 0
    while monday >= calendar.first_day - timedelta(days=6):
        if any(calendar.is_school_day(monday + timedelta(days=n)) for n in range(5)
               if monday + timedelta(days=n) <= day):
            counted += 1
            if counted == weeks:
                return monday
        monday -= timedelta(days=7)
    return calendar.first_day


def pupil_figures(session: Session, pupil_id: int, first: date, last: date
                  ) -> AttendanceFigures:
    """One pupil's figures from `first` to `last` (both included), counted in SQL."""
    return pupils_figures(session, [pupil_id], first, last)[pupil_id]


def pupils_figures(session: Session, pupil_ids: list[int], first: date, last: date
                   ) -> dict[int, AttendanceFigures]:
    """pupil_figures for several pupils, in one query."""
    counts: dict[int, list[tuple[str | None, int]]] = {pupil_id: [] for pupil_id in pupil_ids}
    for pupil_id, mark, count in session.exec(select(
            RegisterMark.pupil_id, RegisterMark.mark, func.count()).where(
            col(RegisterMark.pupil_id).in_(pupil_ids), col(RegisterMark.day) >= first,
            col(RegisterMark.day) <= last).group_by(
            col(RegisterMark.pupil_id), col(RegisterMark.mark))).all():
        counts[pupil_id].append((mark, count))
    return {pupil_id: counted_figures(marks) for pupil_id, marks in counts.items()}


def attendance_report(*, session: Session, school: School, day: date) -> AttendanceReport:
    """Every pupil on roll, and every group, from the start of the school year to `day`."""
    calendar = school_calendar(school)
    if not calendar.first_day <= day <= calendar.last_day:
        raise OutsideTheYear(f"{day} is outside {school.name}'s calendar "
                             f"({calendar.first_day} to {calendar.last_day})")
    start, recent = calendar.first_day, recent_weeks_start(calendar, day)
    pupils = session.exec(select(Pupil).where(Pupil.school_id == school.id, col(Pupil.on_roll))
                          .order_by(col(Pupil.legal_last_name), col(Pupil.legal_first_name),
                                    col(Pupil.id))).all()
    counts: dict[int, list[tuple[str, int]]] = defaultdict(list)
    recent_unauthorised: dict[int, int] = defaultdict(int)
    unauthorised = [c.code for c in CODES.values()
                    if c.possible_session and c.absence and c.authorised is False]
    in_year = (RegisterMark.school_id == school.id, col(RegisterMark.day) >= start,
               col(RegisterMark.day) <= day)
    for pupil_id, mark, count in session.exec(select(
            RegisterMark.pupil_id, RegisterMark.mark, func.count()).where(*in_year).group_by(
            col(RegisterMark.pupil_id), col(RegisterMark.mark))).all():
        counts[pupil_id].append((mark, count))
    for pupil_id, count in session.exec(select(RegisterMark.pupil_id, func.count()).where(
            *in_year, col(RegisterMark.day) >= recent,
            col(RegisterMark.mark).in_(unauthorised)).group_by(
            col(RegisterMark.pupil_id))).all():
        recent_unauthorised[pupil_id] = count
    rows = [PupilFigures(p, counted_figures(counts.get(p.id or 0, ())),
                         recent_unauthorised.get(p.id or 0, 0)) for p in pupils]
    return AttendanceReport(school, start, day, recent, rows, _groups(rows))


def _groups(rows: list[PupilFigures]) -> list[GroupFigures]:
    found = [_group("school", "Whole school", rows)]
    years = sorted({r.pupil.year_group for r in rows}, key=_year_order)
    found += [_group("year", f"Year {y}" if y.isdigit() else y,
                     [r for r in rows if r.pupil.year_group == y]) for y in years]
    classes = sorted({r.pupil.reg_group for r in rows if r.pupil.reg_group})
    found += [_group("class", c, [r for r in rows if r.pupil.reg_group == c])
              for c in classes if c]
    for key, name, attribute in GROUPS:
        members = [r for r in rows if getattr(r.pupil, attribute)]
        if members:
            found.append(_group(key, name, members))
    return found


def _group(kind: str, name: str, rows: list[PupilFigures]) -> GroupFigures:
    return GroupFigures(kind, name, len(rows), combined(r.figures for r in rows),
                        sum(r.figures.persistent for r in rows),
                        sum(r.figures.severe for r in rows))


def _year_order(year: str) -> tuple[int, str]:
    order = {"N1": -3, "N2": -2, "R": -1}
    return (order.get(year, int(year) if year.isdigit() else 99), year)


def pupil_json(row: PupilFigures) -> dict[str, object]:
    """One pupil's figures in the shape `rollcall attendance report --json` prints."""
    f = row.figures
    return {"upn": row.pupil.upn, "possible_sessions": f.possible,
            "present_sessions": f.attended, "attendance_pct": f.percentage,
            "authorised_absences": f.authorised, "unauthorised_absences": f.unauthorised,
            "persistent_absence": f.persistent, "severe_absence": f.severe,
            "unauthorised_last_10_school_weeks": row.unauthorised_recent,
            "penalty_notice_threshold": row.penalty_threshold}
