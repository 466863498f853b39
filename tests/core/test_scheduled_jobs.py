"""The ladder and the outbreak check ride on the minute tick at their own pace: the ladder
from 07:00 once a day, outbreaks hourly from 09:00; a second process adds nothing."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, select

from core.attendance_models import Intervention, StaffTask
from core.clock import FixedClock
from core.models import School
from core.scheduled_jobs import ScheduledJobs
from tests.core.monitoring_files import enrol as enrol_classes
from tests.core.monitoring_files import report_illness
from tests.core.test_ladder import away_on, school_with_ladder, write_register
from tests.core.test_ladder import enrol as enrol_families

LONDON = ZoneInfo("Europe/London")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def test_outbreaks_are_checked_hourly_from_nine_and_flagged_once(
        engine: Engine, session: Session, school: School) -> None:
    pupils = enrol_classes(session, school, {"3B": 25})
    for pupil, day in zip(pupils, (16, 17, 19), strict=False):
        report_illness(session, school, pupil, date(2026, 11, day), "she has chicken pox")
    thursday = date(2026, 11, 19)
    jobs = ScheduledJobs()

    early = jobs.run_due(engine, at(thursday, 8, 30))
    assert early.ran == ["ladder"] and early.outbreaks == 0  # before 09:00: not yet

    assert jobs.run_due(engine, at(thursday, 10, 5)).outbreaks == 1
    assert jobs.run_due(engine, at(thursday, 10, 40)).ran == []  # once an hour
    # Another process checks the same hour: the cluster's task is already there.
    other = ScheduledJobs().run_due(engine, at(thursday, 10, 40))
    assert other.ran == ["ladder", "outbreaks"] and other.outbreaks == 0
    assert jobs.run_due(engine, at(thursday, 18, 0)).ran == []  # after school: no checks
    titles = session.exec(select(StaffTask.title).where(StaffTask.kind == "outbreak")).all()
    assert titles == ["Possible chickenpox outbreak in class 3B"]


def test_the_ladder_is_proposed_on_the_first_tick_after_seven_once(
        engine: Engine, session: Session, clock: FixedClock, tmp_path: Path) -> None:
    school = school_with_ladder(session, clock, tmp_path)
    pupils = enrol_families(session, school, clock, "Slipping")
    write_register(session, school, pupils["Slipping"],
                   away_on("2026-09-17", "2026-10-01", mark="O"), end=date(2026, 10, 2))
    monday = date(2026, 10, 5)
    jobs = ScheduledJobs()

    assert jobs.run_due(engine, at(monday, 6, 59)).ran == []
    assert jobs.run_due(engine, at(monday, 7, 0)).ladder_steps == 1
    assert "ladder" not in jobs.run_due(engine, at(monday, 7, 1)).ran
    # A restarted process runs it again the same day, and the week's run is already done.
    assert ScheduledJobs().run_due(engine, at(monday, 7, 2)).ladder_steps == 0
    steps = session.exec(select(Intervention.step, Intervention.status)).all()
    assert steps == [("first-letter", "proposed")]
