"""The figures behind the attendance pictures, on a small register worked out by hand: week by
week, by weekday, by year group and by reason, against the school's target."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from core.attendance_charts import (
    DEFAULT_TARGET,
    attendance_charts,
    attendance_target,
    chart_specs,
)
from core.attendance_report import OutsideTheYear, attendance_report
from core.clock import FixedClock
from core.models import School
from core.schools import add_school
from tests.conftest import CORPUS_CALENDAR
from tests.core.monitoring_files import enrol, mark, school_week, whole_days

MON16, FRI20, MON23 = date(2026, 11, 16), date(2026, 11, 20), date(2026, 11, 23)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"


@pytest.fixture
def register(session: Session, school: School) -> School:
    """By hand. 3B (Year 3) has six pupils, 5A (Year 5) two. The week of 16 Nov everyone is in
    but: Monday, two pupils ill (I, both sessions); Friday, one on an unagreed holiday (G, both)
    and one with no reason yet (N, the morning). Monday 23 Nov everyone is in. One 5A pupil
    has a morning mark on 2 Nov; the week of 9 Nov has no marks at all.
    Not counted: a pupil who has left (O all week) and a mark after the date (24 Nov)."""
    pupils = enrol(session, school, {"3B": 6, "5A": 2})
    three = pupils[:6]
    left = enrol(session, school, {"3B": 1}, start=99)[0]
    left.on_roll = False
    session.add(left)
    rows = whole_days(pupils, school_week(MON16)) + whole_days(pupils, [MON23])
    changed = {(three[0].id, MON16): "I", (three[1].id, MON16): "I", (three[2].id, FRI20): "G"}
    rows = [(p, d, s, changed.get((p.id, d), m)) for p, d, s, m in rows]
    rows = [(p, d, s, "N" if (p, d, s) == (three[3], FRI20, "AM") else m) for p, d, s, m in rows]
    rows += [(pupils[6], date(2026, 11, 2), "AM", "/"), (three[0], date(2026, 11, 24), "AM", "O")]
    rows += whole_days([left], school_week(MON16), "O")
    mark(session, school, rows)
    return school


def test_week_by_week_with_a_gap_where_there_are_no_marks(session: Session,
                                                           register: School) -> None:
    data = attendance_charts(session=session, school=register, day=MON23)
    assert [(w.label, w.figures.possible, w.figures.percentage, w.note) for w in data.weeks] == [
        ("2 Nov", 1, 100.0, ""), ("9 Nov", 0, None, "no marks"),
        ("16 Nov", 80, 91.3, ""),  # 73 of 80: 7 sessions missed
        ("23 Nov", 16, 100.0, "")]


def test_the_weeks_add_up_to_the_attendance_report(session: Session, register: School) -> None:
    data = attendance_charts(session=session, school=register, day=MON23)
    school = attendance_report(session=session, school=register, day=MON23).groups[0]
    assert sum(w.figures.possible for w in data.weeks) == school.figures.possible == 97
    assert sum(w.figures.attended for w in data.weeks) == school.figures.attended == 90


def test_mondays_and_fridays(session: Session, register: School) -> None:
    data = attendance_charts(session=session, school=register, day=MON23)
    assert [(d.label, d.figures.possible, d.figures.percentage) for d in data.weekdays] == [
        ("Monday", 33, 87.9), ("Tuesday", 16, 100.0), ("Wednesday", 16, 100.0),
        ("Thursday", 16, 100.0), ("Friday", 16, 81.3)]


def test_by_year_group_with_pupils_on_roll(session: Session, register: School) -> None:
    data = attendance_charts(session=session, school=register, day=MON23)
    assert [(y.label, y.pupils, y.figures.possible, y.figures.percentage)
            for y in data.years] == [("Year 3", 6, 72, 90.3), ("Year 5", 2, 25, 100.0)]


def test_absence_by_reason(session: Session, register: School) -> None:
    data = attendance_charts(session=session, school=register, day=MON23)
    assert [(r.label, r.sessions, r.pupils) for r in data.reasons] == [
        ("Illness", 4, 2), ("Holiday not agreed", 2, 1), ("No reason yet", 1, 1)]
    assert data.absent_sessions == 7


def test_the_pictures_say_what_they_show(session: Session, register: School) -> None:
    charts = chart_specs(attendance_charts(session=session, school=register, day=MON23))
    assert charts["weekly"].reference == DEFAULT_TARGET == 96.0
    assert "2 of 3 weeks met it. The latest, the week of 23 Nov, was 100.0%." in (
        charts["weekly"].summary)
    assert "Lowest on Friday (81.3%)" in charts["weekdays"].summary
    assert "Below the target of 96%: Year 3." in charts["years"].summary
    assert [p.extra for p in charts["reasons"].points] == [
        ("57.1%", "2"), ("28.6%", "1"), ("14.3%", "1")]


def test_groups_of_fewer_than_five_pupils_are_not_shown(session: Session,
                                                         register: School) -> None:
    charts = chart_specs(attendance_charts(session=session, school=register, day=MON23),
                         fewest_pupils=5)
    years = {p.label: (p.value, p.shown) for p in charts["years"].points}
    assert years == {"Year 3": (90.3, ""), "Year 5": (None, "fewer than 5 pupils")}
    assert {(p.value, p.shown) for p in charts["reasons"].points} == {
        (None, "fewer than 5 pupils")}


def test_the_target_comes_from_the_policy(session: Session, clock: FixedClock) -> None:
    school, _ = add_school(session=session, clock=clock, name="One Page Primary",
                           policy_file=EXAMPLES / "attendance-on-one-page.toml",
                           calendar_file=CORPUS_CALENDAR)
    assert attendance_target(school) == 97.0  # "the schools aspirational target of 97%"


def test_an_empty_register_draws_nothing(session: Session, school: School) -> None:
    enrol(session, school, {"4C": 3})
    data = attendance_charts(session=session, school=school, day=MON23)
    assert (data.weeks, data.reasons) == ([], [])
    assert all(d.figures.possible == 0 for d in data.weekdays)
    assert [(y.label, y.pupils, y.figures.percentage) for y in data.years] == [
        ("Year 4", 3, None)]


def test_a_date_outside_the_calendar_is_refused(session: Session, school: School) -> None:
    with pytest.raises(OutsideTheYear):
        attendance_charts(session=session, school=school, day=date(2027, 8, 1))
