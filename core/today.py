"""The school's morning at a glance: the counts on the staff Today page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.attendance_models import ChaseAction, RegisterMark, StaffTask, TaskStatus
from core.chasing_runner import LIVE_REPORTS, covers
from core.codes import UnknownCode, get_code
from core.conversation_models import AbsenceReport, Message, MessageStatus, ReportStatus
from core.models import School
from core.register import UNEXPLAINED
from core.schools import school_calendar


@dataclass(frozen=True)
class TodayCounts:
    day: date
    absent: int  # pupils with an absence mark in a session today
    reported: int  # pupils a parent's report explains today
    unexplained: int  # N marks no report explains
    chased_waiting: int  # unexplained pupils whose parents have been texted
    escalated: int  # unexplained pupils with a staff task today
    approvals_pending: int  # confirmed reports waiting for staff to approve the code
    tasks_due: int  # open tasks due by the end of today
    for_staff: int  # parents' messages left for staff
    latest_message_id: int  # the newest incoming message: the page polls for a change


def today_counts(*, session: Session, school: School, now: datetime) -> TodayCounts:
    """Counts for the school's local today."""
    assert school.id is not None
    calendar = school_calendar(school)
    today = calendar.local_date(now)
    marks = session.exec(select(RegisterMark.pupil_id, RegisterMark.mark).where(
        RegisterMark.school_id == school.id, RegisterMark.day == today)).all()
    reports = session.exec(select(AbsenceReport).where(
        AbsenceReport.school_id == school.id, col(AbsenceReport.status).in_(LIVE_REPORTS),
        col(AbsenceReport.first_day) <= today)).all()
    reported = {r.pupil_id for r in reports if covers(r, today, calendar)}
    unexplained = {p for p, mark in marks if mark == UNEXPLAINED} - reported
    actions = session.exec(select(ChaseAction.pupil_id, ChaseAction.kind).where(
        ChaseAction.school_id == school.id, ChaseAction.day == today)).all()
    end_of_day = calendar.at_local(today + timedelta(days=1), time(0, 0))
    return TodayCounts(
        day=today, absent=len({p for p, mark in marks if _is_absence(mark)}),
        reported=len(reported), unexplained=len(unexplained),
        chased_waiting=len({p for p, kind in actions if kind == "message"} & unexplained),
        escalated=len({p for p, kind in actions if kind == "task"} & unexplained),
        approvals_pending=_count(session, select(func.count()).select_from(AbsenceReport).where(
            AbsenceReport.school_id == school.id,
            AbsenceReport.status == ReportStatus.confirmed.value)),
        tasks_due=_count(session, select(func.count()).select_from(StaffTask).where(
            StaffTask.school_id == school.id, StaffTask.status == TaskStatus.open.value,
            col(StaffTask.due_at) < end_of_day)),
        for_staff=_count(session, select(func.count()).select_from(Message).where(
            Message.school_id == school.id, Message.status == MessageStatus.for_staff.value)),
        latest_message_id=latest_incoming_id(session=session, school=school))


def latest_incoming_id(*, session: Session, school: School) -> int:
    """The id of the school's newest message from a parent (0 when none)."""
    return _count(session, select(func.coalesce(func.max(Message.id), 0)).where(
        Message.school_id == school.id, Message.direction == "incoming"))


def _count(session: Session, query: object) -> int:
    return int(session.exec(query).one())  # type: ignore[call-overload]


def _is_absence(mark: str) -> bool:
    try:
        return get_code(mark).absence
    except UnknownCode:
        return False
