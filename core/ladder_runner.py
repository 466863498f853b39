"""The weekly ladder run: every pupil's figures to a date, their steps so far, and the steps
the school's ladder proposes now, stored for staff to approve or dismiss.

Idempotent: a proposal's natural key is (school, pupil, step, week) under a unique
constraint, and the planner proposes nothing a pupil already has waiting, so running twice,
or in two processes at once, proposes once. `run_ladder(engine, now)` is what a scheduler
calls as often as it likes: it runs each school once a week, on its first school day.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.attendance_figures import AttendanceFigures
from core.attendance_models import (
    Intervention,
    InterventionStatus,
    LadderRun,
)
from core.attendance_report import OutsideTheYear, attendance_report, pupil_figures
from core.calendar import NoSchoolDay, SchoolCalendar
from core.date_rules import monday_of
from core.ladder import Past, PupilLadder, Snapshot
from core.ladder_policy import MonitoringSection
from core.models import School
from core.schools import school_calendar, school_policy

logger = logging.getLogger(__name__)


class NoLadder(LookupError):
    """The school's policy has no [monitoring] section."""


def monitoring_of(school: School) -> MonitoringSection:
    monitoring = school_policy(school).monitoring
    if monitoring is None:
        raise NoLadder(f"{school.name}'s policy has no [monitoring] section: add the school's "
                       "intervention ladder to its policy file (see examples/policies/)")
    return monitoring


def propose_steps(*, session: Session, school: School, day: date, now: datetime,
                  run_on: date | None = None) -> list[Intervention]:
    """Propose each pupil's next steps from the figures to the end of `day`, on the run's
    date `run_on` (default `day`; waits are counted to it); the new proposals (none for a
    pupil who already has them)."""
    monitoring = monitoring_of(school)
    calendar = school_calendar(school)
    report = attendance_report(session=session, school=school, day=day)
    history = load_history(session, school, calendar, report.start)
    run_on = run_on or day
    week = monday_of(run_on)
    planned: list[Intervention] = []
    for row in report.pupils:
        pupil_id = row.pupil.id
        assert pupil_id is not None
        snapshot = Snapshot.of(row.figures, row.unauthorised_recent,
                               monitoring.band_of(row.figures.percentage))
        ladder = PupilLadder(monitoring, calendar, run_on, snapshot,
                             tuple(history.get(pupil_id, ())),
                             since=lambda past, p=pupil_id: figures_since(session, p, past, day))
        for proposal in ladder.propose():
            step = proposal.step
            planned.append(Intervention(
                school_id=row.pupil.school_id, pupil_id=pupil_id, step=step.name,
                action=step.action.value, title=step.title, role=step.role.value, week=week,
                as_of=day, reason=proposal.reason, figures=json.dumps(asdict(snapshot)),
                anchor_id=proposal.anchor.id if proposal.anchor else None,
                medical_evidence=step.medical_evidence, created_at=now))
    return [p for p in planned if _store(session, p)]


def _store(session: Session, proposal: Intervention) -> bool:
    """Write one proposal; False if another run wrote it first (the unique key)."""
    try:
        session.add(proposal)
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def load_history(session: Session, school: School, calendar: SchoolCalendar,
                 start: date) -> dict[int, list[Past]]:
    """Each pupil's steps this school year, oldest first."""
    found: dict[int, list[Past]] = {}
    for row in session.exec(select(Intervention).where(
            Intervention.school_id == school.id, col(Intervention.as_of) >= start).order_by(
            col(Intervention.id))).all():
        found.setdefault(row.pupil_id, []).append(past_of(row, calendar))
    return found


def past_of(row: Intervention, calendar: SchoolCalendar) -> Past:
    assert row.id is not None
    return Past(row.id, row.step, InterventionStatus(row.status), row.week,
                calendar.local_date(row.decided_at) if row.decided_at else None,
                Snapshot(**json.loads(row.figures)), row.anchor_id, row.target, row.review_due)


def figures_since(session: Session, pupil_id: int, past: Past, day: date) -> AttendanceFigures:
    """The pupil's attendance after the day a step was decided, to `day`."""
    start = past.decided_on or past.week
    return pupil_figures(session, pupil_id, start + timedelta(days=1), day)


def record_run(session: Session, school: School, week: date, day: date, proposed: int,
               now: datetime) -> None:
    """Note the week's run, so the scheduler does not run the school again this week."""
    found = session.exec(select(LadderRun).where(LadderRun.school_id == school.id,
                                                 LadderRun.week == week)).first()
    if found is None:
        assert school.id is not None
        session.add(LadderRun(school_id=school.id, week=week, as_of=day, proposed=proposed,
                              ran_at=now))
    else:
        found.proposed += proposed
        session.add(found)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # another process noted it at the same moment


def run_ladder(engine: Engine, now: datetime) -> int:
    """Once a week per school with a ladder, on the first school day of the week: propose
    steps from the figures to the end of the school day before. Returns how many."""
    total = 0
    with Session(engine) as session:
        schools = session.exec(select(School).order_by(col(School.id))).all()
        for school in schools:
            total += _run_school(session, school, now)
    return total


def _run_school(session: Session, school: School, now: datetime) -> int:
    if school_policy(school).monitoring is None:
        return 0
    calendar = school_calendar(school)
    today = calendar.local_date(now)
    week = monday_of(today)
    if not calendar.is_school_day(today) or session.exec(select(LadderRun.id).where(
            LadderRun.school_id == school.id, LadderRun.week == week)).first():
        return 0
    try:
        day = calendar.previous_school_day(today)
        proposed = propose_steps(session=session, school=school, day=day, now=now,
                                 run_on=today)
    except (OutsideTheYear, NoSchoolDay):
        return 0
    record_run(session, school, week, day, len(proposed), now)
    logger.info("ladder: %d step(s) proposed at school %s", len(proposed), school.slug)
    return len(proposed)
