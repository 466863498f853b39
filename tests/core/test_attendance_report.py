"""A whole school's attendance figures on a small register worked out by hand: each pupil, the
groups, and the rolling ten school weeks behind a penalty notice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from core.attendance_report import (
    OutsideTheYear,
    attendance_report,
    pupil_json,
    recent_weeks_start,
)
from core.clock import FixedClock
from core.models import School
from core.register import import_marks
from core.register_rows import read_marks_text
from core.schools import school_calendar
from tests.core.register_files import AMELIA, JACK, STEFAN, enrol_smiths, marks_csv

DAY = date(2026, 11, 23)  # a Monday in the corpus calendar's autumn term


def week(monday: str, upn: str, marks: list[str]) -> list[tuple[str, str, str, str]]:
    """Ten sessions, Monday AM to Friday PM, from `marks` in order."""
    start = date.fromisoformat(monday)
    return [((start + timedelta(days=n // 2)).isoformat(), "AM" if n % 2 == 0 else "PM", upn,
             mark) for n, mark in enumerate(marks)]


@pytest.fixture
def register(session: Session, school: School, clock: FixedClock) -> School:
    """By hand: Millie (Amelia, Year 3, SEND and FSM): / \\ I I O X on 23-25 Nov: 5 possible
    sessions (X is not one), 2 attended, 2 authorised, 1 unauthorised: 40.0%, severe.
    Jack (Year 5): the week of 16 Nov, nine / and one L: 10 possible, all attended.
    Stefan (Year 3, EAL, CP): O on 8 Sep AM and PM, then the whole week of 16 Nov O: 12
    unauthorised, 10 of them in the ten school weeks to 23 Nov (they start on 14 Sep)."""
    enrol_smiths(session, school, clock)
    rows = [("2026-11-23", "AM", AMELIA, "/"), ("2026-11-23", "PM", AMELIA, "\\"),
            ("2026-11-24", "AM", AMELIA, "I"), ("2026-11-24", "PM", AMELIA, "I"),
            ("2026-11-25", "AM", AMELIA, "O"), ("2026-11-25", "PM", AMELIA, "X"),
            *week("2026-11-16", JACK, ["/"] * 9 + ["L"]),
            ("2026-09-08", "AM", STEFAN, "O"), ("2026-09-08", "PM", STEFAN, "O"),
            *week("2026-11-16", STEFAN, ["O"] * 10)]
    import_marks(session=session, school=school, clock=clock,
                 rows=read_marks_text(marks_csv(*rows)))
    session.commit()
    return school


def test_each_pupils_figures(session: Session, register: School) -> None:
    report = attendance_report(session=session, school=register, day=date(2026, 11, 25))
    rows = {r["upn"]: r for r in map(pupil_json, report.pupils)}
    assert rows[AMELIA] == {
        "upn": AMELIA, "possible_sessions": 5, "present_sessions": 2, "attendance_pct": 40.0,
        "authorised_absences": 2, "unauthorised_absences": 1, "persistent_absence": True,
        "severe_absence": True, "unauthorised_last_10_school_weeks": 1,
        "penalty_notice_threshold": False}
    assert (rows[JACK]["attendance_pct"], rows[JACK]["persistent_absence"]) == (100.0, False)
    assert (rows[STEFAN]["unauthorised_absences"], rows[STEFAN]["attendance_pct"]) == (12, 0.0)
    assert rows[STEFAN]["unauthorised_last_10_school_weeks"] == 10
    assert rows[STEFAN]["penalty_notice_threshold"] is True


def test_marks_after_the_date_do_not_count(session: Session, register: School) -> None:
    report = attendance_report(session=session, school=register, day=DAY)
    amelia = next(r for r in report.pupils if r.pupil.upn == AMELIA)
    assert (amelia.figures.possible, amelia.figures.percentage) == (2, 100.0)


def test_groups_add_up_sessions_not_percentages(session: Session, register: School) -> None:
    report = attendance_report(session=session, school=register, day=date(2026, 11, 25))
    groups = {(g.kind, g.name): g for g in report.groups}
    school = groups[("school", "Whole school")]
    # 27 possible: 12 attended (44.4%), 2 authorised, 13 unauthorised; Millie and Stefan PA.
    assert (school.pupils, school.figures.possible, school.figures.attended) == (3, 27, 12)
    assert (school.figures.percentage, school.persistent, school.severe) == (44.4, 2, 2)
    assert school.persistent_rate == 66.7
    year3 = groups[("year", "Year 3")]
    assert (year3.pupils, year3.figures.possible, year3.figures.percentage) == (2, 17, 11.8)
    assert groups[("year", "Year 5")].figures.percentage == 100.0
    assert groups[("class", "3B")].pupils == 3
    assert groups[("send", "SEND")].figures.percentage == 40.0
    assert groups[("cp", "Child protection plan")].figures.unauthorised == 12
    assert [g.kind for g in report.for_role(safeguarding=False)].count("cp") == 0
    assert [g.kind for g in report.for_role(safeguarding=True)].count("cp") == 1


@pytest.mark.parametrize("day, monday", [
    (date(2026, 11, 23), date(2026, 9, 14)),  # half term is no school week
    (date(2026, 9, 10), date(2026, 9, 3)),  # fewer than ten weeks so far: the year's start
    (date(2026, 12, 6), date(2026, 9, 21)),  # a Sunday counts the week it ends
])
def test_the_rolling_ten_school_weeks(school: School, day: date, monday: date) -> None:
    assert recent_weeks_start(school_calendar(school), day) == monday


def test_a_date_outside_the_calendar_is_refused(session: Session, register: School) -> None:
    with pytest.raises(OutsideTheYear, match="outside"):
        attendance_report(session=session, school=register, day=date(2027, 8, 1))
