"""The register: marks from the MIS and from approved reports, and the amendment trail.

Every change of a mark appends a MarkAmendment (old mark, new mark, reason, when, who, role),
as the regulations require; the database refuses to change or delete one. A first mark from
the MIS is the original entry, not an amendment; a first mark written here from a report is.

An imported N never replaces a mark approved here: the MIS has not caught up with Rollcall
yet, and putting the N back would chase a parent who has already told the school.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from core.attendance_models import MarkAmendment, RegisterMark, RegisterSession
from core.calendar import SchoolCalendar
from core.clock import Clock
from core.codes import CODES, Category
from core.conversation_models import AbsenceReport, ReportStatus
from core.models import Pupil, School
from core.register_rows import MarkRow, clean_mark
from core.roster_rows import RowProblem
from core.schools import school_calendar

MIS_SOURCE = "mis"
ROLLCALL_SOURCE = "rollcall"
UNEXPLAINED = "N"  # the temporary code: reason not yet established


@dataclass(frozen=True)
class Change:
    """Who changes marks, and why: what each trail entry records."""

    by: str
    role: str
    reason: str
    at: datetime
    report_id: int | None = None


@dataclass
class MarkImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # an imported N not put over a mark approved here
    blank: int = 0  # registers not taken yet
    rejected: list[RowProblem] = field(default_factory=list)


def set_mark(session: Session, *, school_id: int, pupil_id: int, day: date, am_pm: str,
             mark: str, source: str, change: Change, existing: RegisterMark | None,
             trail_first: bool) -> str:
    """Write one mark; 'added', 'updated' or 'unchanged'. A change appends to the trail, and
    so does a first mark when `trail_first` (marks written here rather than by the MIS)."""
    if existing is not None and existing.mark == mark:
        return "unchanged"
    if existing is not None or trail_first:
        session.add(MarkAmendment(
            school_id=school_id, pupil_id=pupil_id, day=day, session=am_pm,
            old_mark=existing.mark if existing else None, new_mark=mark, reason=change.reason,
            changed_at=change.at, changed_by=change.by, role=change.role,
            report_id=change.report_id))
    if existing is None:
        session.add(RegisterMark(school_id=school_id, pupil_id=pupil_id, day=day,
                                 session=am_pm, mark=mark, source=source,
                                 created_at=change.at, updated_at=change.at))
        return "added"
    existing.mark, existing.source, existing.updated_at = mark, source, change.at
    session.add(existing)
    return "updated"


def import_marks(*, session: Session, school: School, rows: Iterable[tuple[int, dict[str, str]]],
                 clock: Clock, all_or_nothing: bool = False) -> MarkImportReport:
    """Apply marks from the MIS; bad rows are rejected and the rest written, or, with
    `all_or_nothing`, nothing is written when any row is bad. The caller commits."""
    report, good = _checked(session, school, rows)
    if report.rejected and all_or_nothing:
        return report
    assert school.id is not None
    existing = _existing_marks(session, school.id, {row.day for row, _ in good})
    change = Change(by="MIS import", role="system", reason="changed in the MIS", at=clock())
    for row, pupil_id in good:
        current = existing.get((pupil_id, row.day, row.session.value))
        if (row.mark == UNEXPLAINED and current is not None
                and current.source == ROLLCALL_SOURCE and current.mark != UNEXPLAINED):
            report.kept += 1
            continue
        outcome = set_mark(session, school_id=school.id, pupil_id=pupil_id, day=row.day,
                           am_pm=row.session.value, mark=row.mark, source=MIS_SOURCE,
                           change=change, existing=current, trail_first=False)
        setattr(report, outcome, getattr(report, outcome) + 1)
    session.flush()
    return report


def _checked(session: Session, school: School, rows: Iterable[tuple[int, dict[str, str]]]
             ) -> tuple[MarkImportReport, list[tuple[MarkRow, int]]]:
    """Every row checked against the school's pupils: the report, and the good rows with
    their pupil's id."""
    assert school.id is not None
    pupils = _pupil_ids(session, school.id)
    report = MarkImportReport()
    good: list[tuple[MarkRow, int]] = []
    first_line: dict[tuple[str, date, RegisterSession], int] = {}
    for line, raw in rows:
        row = clean_mark(line, raw)
        if row is None:
            report.blank += 1
        elif isinstance(row, RowProblem):
            report.rejected.append(row)
        elif row.upn not in pupils:
            # The file came from this school's MIS: an unknown UPN is a pupil not imported yet.
            report.rejected.append(RowProblem(line, f"unknown UPN {row.upn}: import the "
                                                    "roster first"))
        elif (key := (row.upn, row.day, row.session)) in first_line:
            report.rejected.append(RowProblem(
                line, f"repeats line {first_line[key]} (same pupil, date and session)"))
        else:
            first_line[key] = line
            good.append((row, pupils[row.upn]))
    return report, good


def _pupil_ids(session: Session, school_id: int) -> dict[str, int]:
    return {upn: pupil_id for upn, pupil_id in session.exec(
        select(Pupil.upn, Pupil.id).where(Pupil.school_id == school_id)) if pupil_id}


def _existing_marks(session: Session, school_id: int, days: set[date]
                    ) -> dict[tuple[int, date, str], RegisterMark]:
    if not days:
        return {}
    marks = session.exec(select(RegisterMark).where(
        RegisterMark.school_id == school_id, col(RegisterMark.day).in_(days)))
    return {(m.pupil_id, m.day, m.session): m for m in marks}


def report_sessions(report: AbsenceReport, calendar: SchoolCalendar, code: str | None = None
                    ) -> Iterator[tuple[date, RegisterSession]]:
    """The register sessions a report covers: the school days from its first day up to the
    day before the return (just the first day when no return is given), both sessions for a
    full day, one for a morning or afternoon; a late (code L) is a morning mark. `code` is
    the code being written, the suggested one by default."""
    if report.first_day is None:
        return
    first, back = report.first_day, report.return_day
    days = calendar.school_days(first, back) if back and back > first else (
        d for d in (first,) if calendar.is_school_day(d))
    code = code or report.suggested_code
    if report.kind == "late" or code == "L" or report.part == "am":
        sessions: tuple[RegisterSession, ...] = (RegisterSession.am,)
    elif report.part == "pm":
        sessions = (RegisterSession.pm,)
    else:
        sessions = (RegisterSession.am, RegisterSession.pm)
    for day in days:
        for session in sessions:
            yield day, session


@dataclass(frozen=True)
class Discrepancy:
    """Something in one day's register for staff to look at."""

    kind: str  # reported_absent_marked_present | unexplained_absence
    upn: str
    pupil: str
    sessions: tuple[str, ...]
    report_id: int | None = None


# Reports that explain an absence (a parent is still answering, or it awaits the head).
_LIVE = (ReportStatus.collecting, ReportStatus.confirmed, ReportStatus.for_head,
         ReportStatus.approved)
_SETTLED = (ReportStatus.confirmed, ReportStatus.approved)


def find_discrepancies(*, session: Session, school: School, day: date) -> list[Discrepancy]:
    """Pupils reported absent (confirmed or approved) but marked present on `day`, then
    pupils marked N that no report explains."""
    assert school.id is not None
    calendar = school_calendar(school)
    marks = {(m.pupil_id, m.session): m.mark for m in session.exec(select(RegisterMark).where(
        RegisterMark.school_id == school.id, RegisterMark.day == day))}
    explained: set[tuple[int, str]] = set()
    found: list[tuple[int, str, tuple[str, ...], int | None]] = []
    for report in _reports_on(session, school.id, day):
        sessions = [s.value for d, s in report_sessions(report, calendar) if d == day]
        explained |= {(report.pupil_id, s) for s in sessions}
        present = tuple(s for s in sessions if _is_present(marks.get((report.pupil_id, s))))
        if present and report.status in _SETTLED and report.kind != "late":
            found.append((report.pupil_id, "reported_absent_marked_present", present,
                          report.id))
    unexplained: dict[int, list[str]] = {}
    for (pupil_id, am_pm), mark in sorted(marks.items()):
        if mark == UNEXPLAINED and (pupil_id, am_pm) not in explained:
            unexplained.setdefault(pupil_id, []).append(am_pm)
    found += [(p, "unexplained_absence", tuple(s), None) for p, s in unexplained.items()]
    pupils = {p.id: p for p in session.exec(select(Pupil).where(
        col(Pupil.id).in_({item[0] for item in found})))}
    return [Discrepancy(kind=kind, upn=pupils[p].upn, pupil=pupils[p].display_name,
                        sessions=sessions, report_id=report_id)
            for p, kind, sessions, report_id in found]


def _reports_on(session: Session, school_id: int, day: date) -> list[AbsenceReport]:
    """Live reports whose dates include `day` (their sessions are worked out from there)."""
    return list(session.exec(select(AbsenceReport).where(
        AbsenceReport.school_id == school_id, col(AbsenceReport.status).in_(_LIVE),
        col(AbsenceReport.first_day) <= day,
        or_(col(AbsenceReport.first_day) == day, col(AbsenceReport.return_day) > day),
    ).order_by(col(AbsenceReport.id))))


def _is_present(mark: str | None) -> bool:
    code = CODES.get(mark or "")
    return code is not None and code.category is Category.present
