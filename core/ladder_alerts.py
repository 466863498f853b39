"""What the ladder changes in conversations with parents: pupils at a stage that asks for
medical evidence with illness reports, and a task for staff on each absence reported for a
persistently absent pupil (so staff can challenge it, as the policies ask)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session, col, select

from core.attendance_models import Intervention, InterventionStatus, StaffTask
from core.attendance_report import pupils_figures
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
    tasks = tell_staff_of_persistent_absentees(session, [(school, report)], now)
    return tasks[0] if tasks else None


def tell_staff_of_persistent_absentees(session: Session,
                                       reports: Sequence[tuple[School, AbsenceReport]],
                                       now: datetime) -> list[StaffTask]:
    """tell_staff_of_persistent_absence for the reports a batch of messages made: three
    queries a school that has the alerts on, however many reports."""
    tasks: list[StaffTask] = []
    by_school: dict[int, tuple[School, list[AbsenceReport]]] = {}
    for school, report in reports:
        if report.status in TOLD and report.id is not None and school.id is not None:
            by_school.setdefault(school.id, (school, []))[1].append(report)
    for school, told in by_school.values():
        monitoring = school_policy(school).monitoring
        if monitoring is None or not monitoring.persistent_absence_alerts:
            continue
        keys = {f"pa-report:{report.id}": report for report in told}
        known = set(session.exec(select(StaffTask.dedupe_key).where(
            StaffTask.school_id == school.id, col(StaffTask.dedupe_key).in_(keys))).all())
        new = {key: report for key, report in keys.items() if key not in known}
        if not new:
            continue
        calendar = school_calendar(school)
        figures = pupils_figures(session, sorted({r.pupil_id for r in new.values()}),
                                 calendar.first_day, calendar.local_date(now))
        pupils = {p.id: p for p in session.exec(select(Pupil).where(
            col(Pupil.id).in_({r.pupil_id for r in new.values()}))).all()}
        for key, report in new.items():
            found = figures[report.pupil_id]
            if not found.persistent or found.possible < monitoring.min_possible_sessions:
                continue
            pupil = pupils[report.pupil_id]
            task = StaffTask(
                school_id=school.id, pupil_id=pupil.id, conversation_id=report.conversation_id,
                kind="persistent_absence", role=monitoring.persistent_absence_role.value,
                title=f"Persistent absentee reported absent: {pupil.display_name}"[:200],
                reason=(f"Attendance {found.percentage:.1f}% this school year (missed "
                        f"{found.absence_percentage:.1f}% of sessions): check the reason and "
                        "challenge it if need be"),
                details=_summary(report), due_at=now, dedupe_key=key, created_at=now)
            session.add(task)
            tasks.append(task)
    return tasks


def _summary(report: AbsenceReport) -> str:
    def day(value: date | None) -> str:
        return f"{value:%a %-d %b}" if value else "not given"

    reason = report.reason or "no reason given"
    details = f" ({report.details})" if report.details else ""
    return (f"Reported: {report.kind}, {reason}{details}; from {day(report.first_day)}, "
            f"back {day(report.return_day)}")
