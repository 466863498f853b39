"""What the register gives back: a day's marks for the MIS, N marks left standing too long,
and the amendment trail for staff and inspectors."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from core.attendance_models import MarkAmendment, RegisterMark
from core.conversation_models import AbsenceReport
from core.models import Pupil, School
from core.register import UNEXPLAINED
from core.schools import school_calendar, school_policy

EXPORT_COLUMNS = ("upn", "date", "session", "mark", "source", "amended")


@dataclass(frozen=True)
class ExportRow:
    upn: str
    day: date
    session: str
    mark: str
    source: str
    amended: bool  # the trail holds at least one change of this mark


@dataclass(frozen=True)
class StandingN:
    """An N mark still unresolved after the policy's limit: staff must decide (usually O)."""

    upn: str
    pupil: str
    day: date
    session: str
    school_days: int  # school days it has stood, counting its own
    pupil_id: int | None = None  # for a link to the pupil's page


@dataclass(frozen=True)
class TrailEntry:
    upn: str
    day: date
    session: str
    old_mark: str | None
    new_mark: str
    reason: str
    changed_at: datetime
    changed_by: str
    role: str
    report_id: int | None
    pupil_id: int | None = None
    pupil: str = ""  # the name staff know the pupil by
    conversation_id: int | None = None  # the parent's conversation the report came from


@dataclass(frozen=True)
class TrailFilter:
    """Which changes to read; each part left out matches every change."""

    upn: str | None = None  # exactly this pupil (the command line's --pupil)
    search: str = ""  # part of a pupil's name or UPN (the staff page)
    start: date | None = None  # register days from
    end: date | None = None  # register days to, inclusive
    staff: str | None = None  # who changed it (an email, or "MIS import"), any case


def day_marks(*, session: Session, school: School, day: date) -> list[ExportRow]:
    """Every mark for `day`, by UPN then session, for the MIS to import."""
    amended = set(session.exec(select(MarkAmendment.pupil_id, MarkAmendment.session).where(
        MarkAmendment.school_id == school.id, MarkAmendment.day == day)).all())
    rows = session.exec(select(RegisterMark, Pupil.upn).join(
        Pupil, col(Pupil.id) == RegisterMark.pupil_id).where(
        RegisterMark.school_id == school.id, RegisterMark.day == day).order_by(
        col(Pupil.upn), col(RegisterMark.session))).all()
    return [ExportRow(upn=upn, day=m.day, session=m.session, mark=m.mark, source=m.source,
                      amended=(m.pupil_id, m.session) in amended) for m, upn in rows]


def export_csv(rows: list[ExportRow]) -> str:
    """The CSV an MIS imports: ISO dates, `yes` or `no` for amended."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in rows:
        writer.writerow((r.upn, r.day.isoformat(), r.session, r.mark, r.source,
                         "yes" if r.amended else "no"))
    return out.getvalue()


def standing_n_marks(*, session: Session, school: School, on: date) -> list[StandingN]:
    """N marks from before `on` that have stood the policy's `unresolved_n_limit_days` school
    days or more: the reason was never established, and the N must not stay."""
    limit = school_policy(school).chasing.unresolved_n_limit_days
    calendar = school_calendar(school)
    rows = session.exec(select(RegisterMark, Pupil).join(
        Pupil, col(Pupil.id) == RegisterMark.pupil_id).where(
        RegisterMark.school_id == school.id, RegisterMark.mark == UNEXPLAINED,
        col(RegisterMark.day) < on).order_by(
        col(RegisterMark.day), col(Pupil.upn), col(RegisterMark.session))).all()
    if not rows:
        return []
    # One walk over the school days from the oldest N, not one per mark.
    walk = list(calendar.school_days(rows[0][0].day, on))
    days_from = {d: len(walk) - n for n, d in enumerate(walk)}  # school days in [d, on)
    standing = []
    for mark, pupil in rows:
        days = days_from.get(mark.day)
        if days is None:  # an N on a day that was no school day: count as the calendar does
            days = calendar.school_days_between(mark.day, on)
        if days >= limit:
            standing.append(StandingN(upn=pupil.upn, pupil=pupil.display_name, day=mark.day,
                                      session=mark.session, school_days=days,
                                      pupil_id=pupil.id))
    return standing


def amendment_trail(*, session: Session, school: School, upn: str | None = None,
                    start: date | None = None, end: date | None = None,
                    staff: str | None = None) -> list[TrailEntry]:
    """Changes of marks, oldest first: for one pupil, register days from `start` to `end`
    (inclusive) and changes by one person (their email, any case) when asked."""
    return read_trail(session=session, school=school,
                      filters=TrailFilter(upn=upn, start=start, end=end, staff=staff))


def read_trail(*, session: Session, school: School, filters: TrailFilter,
               newest_first: bool = False, limit: int | None = None) -> list[TrailEntry]:
    """The changes `filters` match, in the order they were made (or newest first), at most
    `limit` of them."""
    query = _trail_query(school, filters).add_columns(AbsenceReport.conversation_id)
    order = (col(MarkAmendment.changed_at).desc(), col(MarkAmendment.id).desc()) \
        if newest_first else (col(MarkAmendment.changed_at), col(MarkAmendment.id))
    query = query.outerjoin(AbsenceReport, col(AbsenceReport.id) == MarkAmendment.report_id)
    rows = session.exec(query.order_by(*order).limit(limit)).all()
    return [TrailEntry(upn=p.upn, day=a.day, session=a.session, old_mark=a.old_mark,
                       new_mark=a.new_mark, reason=a.reason, changed_at=a.changed_at,
                       changed_by=a.changed_by, role=a.role, report_id=a.report_id,
                       pupil_id=p.id, pupil=p.display_name, conversation_id=conversation)
            for a, p, conversation in rows]


def count_trail(*, session: Session, school: School, filters: TrailFilter) -> int:
    """How many changes `filters` match: what a capped list leaves out."""
    matching = _trail_query(school, filters).with_only_columns(MarkAmendment.id).subquery()
    return session.exec(select(func.count()).select_from(matching)).one()


def _trail_query(school: School, f: TrailFilter) -> Select[tuple[MarkAmendment, Pupil]]:
    query = select(MarkAmendment, Pupil).join(
        Pupil, col(Pupil.id) == MarkAmendment.pupil_id).where(
        MarkAmendment.school_id == school.id)
    if f.upn:
        query = query.where(Pupil.upn == f.upn.replace(" ", "").upper())
    if f.search.strip():
        query = query.where(_pupil_matches(f.search))
    if f.start:
        query = query.where(col(MarkAmendment.day) >= f.start)
    if f.end:
        query = query.where(col(MarkAmendment.day) <= f.end)
    if f.staff and f.staff.strip():
        query = query.where(func.lower(MarkAmendment.changed_by) == f.staff.strip().lower())
    return query


def _pupil_matches(search: str) -> ColumnElement[bool]:
    """Part of the name staff know the pupil by, of the legal name, or of the UPN."""
    text = search.strip()
    known_as = func.coalesce(Pupil.preferred_first_name, Pupil.legal_first_name) + " " + \
        Pupil.legal_last_name
    legal = Pupil.legal_first_name + " " + Pupil.legal_last_name
    return or_(known_as.icontains(text, autoescape=True),
               legal.icontains(text, autoescape=True),
               col(Pupil.upn).icontains(text.replace(" ", ""), autoescape=True))
