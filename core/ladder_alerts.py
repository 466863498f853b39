"""What the ladder changes in conversations with parents: pupils at a stage that asks for
medical evidence with illness reports, and a task for staff on each absence reported for a
persistently absent pupil (so staff can challenge it, as the policies ask)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from core.attendance_models import Intervention, InterventionStatus, StaffTask
from core.attendance_report import pupil_figures
from core.conversation_models import AbsenceReport, ReportStatus
from core.models import Pupil, School
from core.schools import school_calendar, school_policy

ACTED = (InterventionStatus.approved.value, InterventionStatus.done.value)
TOLD = frozenset({ReportStatus.confirmed.value, ReportStatus.for_head.value})


def evidence_required(session: Session, school_id: int, pupil_ids: list[int],
                      since: date) -> set[int]:
    """The pupils whose latest approved ladder step that says so (this school year, from
    `since`) asks for medical evidence with illness reports. One query."""
    if not pupil_ids:
        return set()
    rows = session.exec(select(Intervention.pupil_id, Intervention.medical_evidence).where(
        Intervention.school_id == school_id, col(Intervention.pupil_id).in_(pupil_ids),
        col(Intervention.status).in_(ACTED), col(Intervention.medical_evidence).is_not(None),
        col(Intervention.as_of) >= since).order_by(
        col(Intervention.decided_at), col(Intervention.id))).all()
    latest = dict(rows)  # later rows replace earlier ones: the latest decision stands
    return {pupil_id for pupil_id, needed in latest.items() if needed}


def tell_staff_of_persistent_absence(session: Session, school: School, report: AbsenceReport,
                                     now: datetime) -> StaffTask | None:
    """A task for the attendance officer when a persistently absent pupil's parent reports an
    absence; once a report (its key), however often the parent changes it."""
    if report.status not in TOLD or report.id is None:
        return None
    monitoring = school_policy(school).monitoring
    if monitoring is None or not monitoring.persistent_absence_alerts:
        return None
    key = f"pa-report:{report.id}"
    if session.exec(select(StaffTask.id).where(StaffTask.school_id == school.id,
                                               StaffTask.dedupe_key == key)).first():
        return None
    calendar = school_calendar(school)
    figures = pupil_figures(session, report.pupil_id, calendar.first_day,
                            calendar.local_date(now))
    if not figures.persistent or figures.possible < monitoring.min_possible_sessions:
        return None
    pupil = session.get(Pupil, report.pupil_id)
    assert pupil is not None and school.id is not None
    task = StaffTask(
        school_id=school.id, pupil_id=pupil.id, conversation_id=report.conversation_id,
        kind="persistent_absence", role=monitoring.persistent_absence_role.value,
        title=f"Persistent absentee reported absent: {pupil.display_name}"[:200],
        reason=(f"Attendance {figures.percentage:.1f}% this school year (missed "
                f"{figures.absence_percentage:.1f}% of sessions): check the reason and "
                "challenge it if need be"),
        details=_summary(report), due_at=now, dedupe_key=key, created_at=now)
    session.add(task)
    return task


def _summary(report: AbsenceReport) -> str:
    def day(value: date | None) -> str:
        return f"{value:%a %-d %b}" if value else "not given"

    reason = report.reason or "no reason given"
    details = f" ({report.details})" if report.details else ""
    return (f"Reported: {report.kind}, {reason}{details}; from {day(report.first_day)}, "
            f"back {day(report.return_day)}")
