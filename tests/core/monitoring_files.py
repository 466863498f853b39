"""A school as attendance monitoring needs it: classes of pupils, a register written straight
into the database, and parents' illness reports with the words they wrote."""

from __future__ import annotations

import contextlib
import json
import re
import zlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from core.attendance_models import RegisterMark
from core.conversation_models import AbsenceReport, Conversation, Message
from core.models import Pupil, School

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
# Names no chart, pack or task title may hold (each pupil gets one, with a number).
FIRST, LAST = "Zebedee", "Quillfeather"


def enrol(session: Session, school: School, classes: dict[str, int], *, start: int = 1,
          **flags: bool) -> list[Pupil]:
    """`classes` maps a class ("3B") to how many pupils; the year is the class's digits."""
    pupils, serial = [], start
    for group, count in classes.items():
        year = "".join(ch for ch in group if ch.isdigit()) or group
        for _ in range(count):
            pupils.append(Pupil(school_id=school.id, upn=f"A{serial:012d}",
                                legal_first_name=f"{FIRST}{serial}", legal_last_name=LAST,
                                year_group=year, reg_group=group, created_at=NOW,
                                updated_at=NOW, **flags))
            serial += 1
    session.add_all(pupils)
    session.commit()
    return pupils


def mark(session: Session, school: School, rows: Iterable[tuple[Pupil, date, str, str]]) -> None:
    """(pupil, day, AM or PM, mark) rows, as if imported from the MIS."""
    session.add_all(RegisterMark(school_id=school.id, pupil_id=p.id, day=d, session=s, mark=m,
                                 source="mis", created_at=NOW, updated_at=NOW)
                    for p, d, s, m in rows)
    session.commit()


def whole_days(pupils: Iterable[Pupil], days: Iterable[date], code: str = "/"
               ) -> list[tuple[Pupil, date, str, str]]:
    """Both sessions of each day for each pupil; "/" and "\\" for present."""
    found = []
    for pupil in pupils:
        for day in days:
            found += [(pupil, day, "AM", code), (pupil, day, "PM", "\\" if code == "/" else code)]
    return found


def school_week(monday: date) -> list[date]:
    return [monday + timedelta(days=n) for n in range(5)]


def report_illness(session: Session, school: School, pupil: Pupil, first_day: date, text: str,
                   *, status: str = "confirmed", reason: str = "illness",
                   details: str | None = None) -> AbsenceReport:
    """A parent's message and the report read from it, sent at 07:30 on its first day."""
    at = datetime.combine(first_day, time(7, 30), tzinfo=UTC)
    address = f"+4477009{pupil.id:05d}"
    thread = session.exec(select(Conversation).where(
        Conversation.school_id == school.id, Conversation.address == address)).first()
    if thread is None:
        thread = Conversation(school_id=school.id, channel="sms", address=address,
                              created_at=at, updated_at=at)
        session.add(thread)
        session.flush()
    message = Message(school_id=school.id, conversation_id=thread.id, direction="incoming",
                      author="parent", channel="sms", body=text, status="handled",
                      created_at=at, updated_at=at)
    session.add(message)
    session.flush()
    report = AbsenceReport(school_id=school.id, pupil_id=pupil.id, conversation_id=thread.id,
                           message_id=message.id, kind="absence", reason=reason,
                           suggested_code="I", first_day=first_day, part="full",
                           details=details, evidence=json.dumps({}), status=status,
                           created_at=at, updated_at=at)
    session.add(report)
    session.commit()
    return report


def pdf_text(data: bytes) -> str:
    """The text a PDF shows, one string a line: a tiny reader for the PDFs fpdf2 writes with
    the built-in fonts (each content stream inflated if compressed, then its `(...) Tj`)."""
    found = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, flags=re.DOTALL):
        with contextlib.suppress(zlib.error):  # else it was not compressed
            stream = zlib.decompress(stream)
        for text in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", stream):
            found.append(re.sub(rb"\\(.)", rb"\1", text).decode("latin-1"))
    return "\n".join(found)
