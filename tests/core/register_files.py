"""The register as the tests need it: the Smith family on roll, mark files, reports, and what
staff would see of the register and its trail afterwards."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from core.attendance_models import MarkAmendment, RegisterMark
from core.clock import FixedClock
from core.conversation_models import AbsenceReport, Conversation, Message
from core.models import Pupil, School
from core.roster import import_roster
from core.roster_rows import read_csv_text
from tests.core.roster_files import csv_text, smith_family, upn

AMELIA, JACK, STEFAN = upn(1), upn(2), upn(3)


def enrol_smiths(session: Session, school: School, clock: FixedClock) -> None:
    import_roster(session=session, school=school, rows=read_csv_text(csv_text(smith_family())),
                  clock=clock)
    session.commit()


def marks_csv(*rows: tuple[str, str, str, str],
              header: str = "date,session,upn,mark") -> str:
    return header + "\n" + "".join(",".join(row) + "\n" for row in rows)


def register(session: Session) -> dict[tuple[str, date, str], tuple[str, str]]:
    """(UPN, day, session) -> (mark, source), as the register holds them."""
    rows = session.exec(select(RegisterMark, Pupil.upn).join(
        Pupil, col(Pupil.id) == RegisterMark.pupil_id)).all()
    return {(u, m.day, m.session): (m.mark, m.source) for m, u in rows}


def trail(session: Session) -> list[tuple[str, date, str, str | None, str, str, str, str]]:
    """(UPN, day, session, old, new, reason, by, role), oldest first."""
    rows = session.exec(select(MarkAmendment, Pupil.upn).join(
        Pupil, col(Pupil.id) == MarkAmendment.pupil_id).order_by(col(MarkAmendment.id))).all()
    return [(u, a.day, a.session, a.old_mark, a.new_mark, a.reason, a.changed_by, a.role)
            for a, u in rows]


def make_report(session: Session, school: School, clock: FixedClock, pupil_upn: str, *,
                first_day: date, return_day: date | None = None, part: str = "full",
                kind: str = "absence", reason: str | None = "illness", code: str = "I",
                status: str = "confirmed") -> AbsenceReport:
    """A report as the conversation with a parent leaves it, from the parent's message."""
    pupil = session.exec(select(Pupil).where(Pupil.upn == pupil_upn)).one()
    now = clock()
    thread = session.exec(select(Conversation).where(
        Conversation.school_id == school.id)).first() or Conversation(
        school_id=school.id, channel="sms", address="+447700900001", created_at=now,
        updated_at=now)
    session.add(thread)
    session.flush()
    message = Message(school_id=school.id, conversation_id=thread.id, direction="incoming",
                      author="parent", channel="sms", body="(the parent's message)",
                      status="handled", created_at=now, updated_at=now)
    session.add(message)
    session.flush()
    report = AbsenceReport(school_id=school.id, pupil_id=pupil.id, conversation_id=thread.id,
                           message_id=message.id, kind=kind, reason=reason, suggested_code=code,
                           first_day=first_day, return_day=return_day, part=part,
                           status=status, created_at=now, updated_at=now)
    session.add(report)
    session.commit()
    return report
