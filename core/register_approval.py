"""Staff approve a report's code, or change it: the report goes into the register.

The report's sessions get the code, each written or changed mark appending to the amendment
trail with who approved it and why. Approving again changes nothing that is already so, and a
leave request is approved the same way, with the code the head decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.attendance_models import RegisterMark
from core.clock import Clock
from core.codes import get_code
from core.conversation_models import AbsenceReport, ReportStatus
from core.models import School, StaffRole, StaffUser
from core.register import ROLLCALL_SOURCE, Change, report_sessions, set_mark
from core.schools import school_calendar


class ReportNotFound(LookupError):
    """No report with that id at this school."""


class CannotApprove(ValueError):
    """The report is in no state to go into the register (withdrawn, still being asked)."""


class ApprovalRefused(ValueError):
    """The approval itself is incomplete: a changed code without a reason, an unknown role."""


@dataclass(frozen=True)
class MarkWritten:
    day: date
    session: str
    old_mark: str | None
    new_mark: str
    changed: bool


@dataclass(frozen=True)
class Approval:
    report_id: int
    code: str
    marks: list[MarkWritten]


def approve_report(*, session: Session, school: School, report_id: int, staff: str,
                   clock: Clock, code: str | None = None, reason: str | None = None,
                   role: str | None = None) -> Approval:
    """Approve the suggested code, or another (a reason is then required), and write the
    register marks for every session the report covers. The caller commits."""
    report = session.get(AbsenceReport, report_id)
    if report is None or report.school_id != school.id:
        raise ReportNotFound(f"no report #{report_id} at {school.name}")
    _check_state(report)
    chosen = _chosen_code(report, code, reason)
    change = Change(by=staff.strip(), role=_role(session, school, staff, role),
                    reason=(reason or "").strip() or f"approved report #{report_id}",
                    at=clock(), report_id=report_id)
    written = _write_marks(session, school, report, chosen, change)
    report.status, report.updated_at = ReportStatus.approved.value, change.at
    session.add(report)
    session.flush()
    return Approval(report_id=report_id, code=chosen, marks=written)


def _check_state(report: AbsenceReport) -> None:
    if report.status == ReportStatus.withdrawn:
        raise CannotApprove(f"report #{report.id} was withdrawn by the parent")
    if report.status == ReportStatus.collecting:
        raise CannotApprove(f"report #{report.id} is still being made: the parent has not "
                            "answered every question yet")
    if report.first_day is None:
        raise CannotApprove(f"report #{report.id} has no first day to mark")


def _chosen_code(report: AbsenceReport, code: str | None, reason: str | None) -> str:
    chosen = get_code(code).code if code else report.suggested_code
    if chosen is None:
        raise ApprovalRefused(f"report #{report.id} has no suggested code: give one")
    get_code(chosen)  # a suggestion stored before a code was retired is refused too
    if chosen != report.suggested_code and not (reason or "").strip():
        raise ApprovalRefused(f"code {chosen} differs from the suggested "
                              f"{report.suggested_code}: give the reason for the change")
    return chosen


def _role(session: Session, school: School, staff: str, role: str | None) -> str:
    """The role given, or the one the staff member has in Rollcall."""
    if role:
        try:
            return StaffRole(role.strip().lower()).value
        except ValueError:
            raise ApprovalRefused(f"role {role!r} is not one of "
                                  f"{', '.join(r.value for r in StaffRole)}") from None
    user = session.exec(select(StaffUser).where(
        StaffUser.school_id == school.id,
        func.lower(StaffUser.email) == staff.strip().lower())).first()
    if user is None:
        raise ApprovalRefused(f"{staff} is not a member of staff here: give their role")
    return user.role


def _write_marks(session: Session, school: School, report: AbsenceReport, code: str,
                 change: Change) -> list[MarkWritten]:
    assert school.id is not None
    sessions = list(report_sessions(report, school_calendar(school), code))
    existing = {(m.day, m.session): m for m in session.exec(select(RegisterMark).where(
        RegisterMark.pupil_id == report.pupil_id,
        col(RegisterMark.day).in_({day for day, _ in sessions})))}
    written = []
    for day, am_pm in sessions:
        current = existing.get((day, am_pm.value))
        old = current.mark if current else None
        outcome = set_mark(session, school_id=school.id, pupil_id=report.pupil_id, day=day,
                           am_pm=am_pm.value, mark=code, source=ROLLCALL_SOURCE,
                           change=change, existing=current, trail_first=True)
        written.append(MarkWritten(day=day, session=am_pm.value, old_mark=old, new_mark=code,
                                   changed=outcome != "unchanged"))
    return written
